"""People events -> Convot contact events, each created once.

An event waits durably in the ledger until its contact is in Convot (as a message waits for its conversation)
and runs in its contact's lane, after the contact's own writes. Convot deduplicates nothing here, so each
create is preceded by an intent and followed by the ledger commit, like messages: a create whose answer was
lost, or whose commit a crash prevented, is looked up in the contact's events (name, occurred_at,
properties) before anything is sent again. When Convot cannot list events, such an event is recorded as
unconfirmed and never sent again: no duplicate, at the risk of one missing event, which is counted and logged.
"""

from __future__ import annotations

import logging
from typing import Any

from destination_convot import mapping
from destination_convot.counters import CREATED, MATCHED, UNCHANGED
from destination_convot.errors import ConvotAuthError, ConvotRejected, ScopeMissing, StreamUnwritable
from destination_convot.events_api import STREAM, ContactEvents, EventsUnverifiable, same_event
from destination_convot.ledger import Entry, Intent, Pending
from destination_convot.work import Lane, WorkContext, convot_id, mapped

logger = logging.getLogger("airbyte")
UNCONFIRMED = "unconfirmed (its create was not answered and Convot cannot list events): not sent again"
WAITING = "waiting for their contact: kept pending"
EVENTS_SCOPE = "the scope Convot requires for contact events (undocumented; contacts:write was assumed)"


class EventImporter:
    def __init__(self, context: WorkContext) -> None:
        self.context = context
        self.api = ContactEvents(context.api)
        self.problem: StreamUnwritable | None = None  # Convot has no events route: the other streams go on

    def schedule(self, people: set[tuple[str, str]] | None, up_to: int | None) -> None:
        """Queue the event lanes of these people (None: everyone with pending events), in each contact's lane
        key, so they run after that contact's profile and data writes."""
        if people is None:
            people = self.context.ledger.pending_keys("event", "parent_id")
        for website_id, people_id in sorted(people):
            self.context.pool.submit(
                ("contact", website_id, people_id), self._lane(website_id, people_id, up_to)
            )

    def _lane(self, website_id: str, people_id: str, up_to: int | None) -> Lane:
        return lambda: self._write(website_id, people_id, up_to)

    def _write(self, website_id: str, people_id: str, up_to: int | None) -> None:
        contact = self.context.ledger.get("contact", website_id, people_id)
        if self.problem is not None or contact is None or not contact.convot_id:
            return  # waits for its contact (or for a sync that can write events)
        rows = self.context.ledger.pending("event", website_id, parent_id=people_id, up_to=up_to)
        held: list[dict[str, Any]] | None = None  # what Convot holds, read once, while rebuilding the ledger
        for row in rows:
            if self.context.should_stop():
                return
            payload = mapped(self.context, row, "events", mapping.event_payload)
            if payload is None:
                continue
            if self.context.ledger.get("event", website_id, row.crisp_id) is not None:
                self.context.counters.add("events", UNCHANGED)  # events are immutable in Crisp
                self.context.ledger.drop_pending("event", website_id, row.crisp_id)
                continue
            contact_id = convot_id(contact.convot_id)
            if self.context.existing is not None:  # a lost ledger: Convot may hold this event already
                try:
                    held = self.api.held(contact_id) if held is None else held
                except EventsUnverifiable:
                    self._unconfirmed(row, payload, "the ledger is being rebuilt")
                    continue
                match = next((event for event in held if same_event(event, payload)), None)
                if match is not None:
                    held.remove(match)
                    self._confirm(row, payload, match, MATCHED)
                    continue
            if not self._create(row, contact_id, payload):
                return

    def _create(self, row: Pending, contact_id: Any, payload: dict[str, Any]) -> bool:
        """False when the events route is missing (this contact's other events wait too)."""
        intent = {"request": payload, "hash": mapping.content_hash(payload)}
        self.context.ledger.record_intent(
            Intent(row.website_id, "event", row.crisp_id, str(contact_id), intent)
        )
        try:
            event = self.api.create(contact_id, payload)
        except EventsUnverifiable:
            self._unconfirmed(row, payload, "its create was not answered")
            return True
        except (StreamUnwritable, ConvotAuthError) as problem:
            self.context.ledger.clear_intent("event", row.website_id, row.crisp_id)  # nothing was created
            if isinstance(problem, ConvotAuthError):
                if problem.status != 403:
                    raise  # 401: the key itself is wrong, the whole sync stops
                # The events scope is undocumented (contacts:write assumed): a 403 here costs only the events.
                problem = ScopeMissing(STREAM, "people_events", EVENTS_SCOPE, problem)
            if self.problem is None:
                self.problem = problem
                logger.error(str(problem))
            return False
        except ConvotRejected as error:
            self.context.ledger.clear_intent("event", row.website_id, row.crisp_id)
            self.context.ledger.drop_pending("event", row.website_id, row.crisp_id)
            self.context.rejected("events", f"event {row.crisp_id}", error)
            return True
        self._confirm(row, payload, event, CREATED)
        return True

    def _confirm(self, row: Pending, payload: dict[str, Any], event: dict[str, Any], outcome: str) -> None:
        entry = Entry(event.get("id"), mapping.content_hash(payload), {})
        self.context.ledger.confirm(
            row.website_id, [("event", row.crisp_id, entry)], done=[("event", row.crisp_id)]
        )
        self.context.counters.add("events", outcome)

    def _unconfirmed(self, row: Pending, payload: dict[str, Any], why: str) -> None:
        """Recorded as written without its Convot id: never sent again (Convot could already hold it)."""
        entry = Entry(None, mapping.content_hash(payload), {"unconfirmed": True})
        self.context.ledger.confirm(
            row.website_id, [("event", row.crisp_id, entry)], done=[("event", row.crisp_id)]
        )
        self.context.counters.skip("events", UNCONFIRMED)
        logger.warning(
            f"Contact event {payload.get('name')!r} at {payload.get('occurred_at')} (Crisp {row.crisp_id}): "
            f"{why} and Convot cannot list events, so whether it holds it is unknown; it is not sent again. "
            "Check that contact's events in Convot."
        )
