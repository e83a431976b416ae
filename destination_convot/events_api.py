"""Contact events on the Convot API (§2.7, the help center's "Contact events" article).

The one route the docs write under another prefix (`/api/v1`), and a create Convot does not deduplicate. Two
guesses are checked here against Convot's answers (`guesses.py`): the prefix (a 404 under `api_url` is retried
under the article's prefix: an unrouted POST created nothing), and the read-back list that resolves a create
whose answer was lost (without it, such an event is never sent again: `EventsUnverifiable`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from destination_convot import assumptions, guesses
from destination_convot.api import ConvotApi, _same_instant, carries_id, known_id, unwrap
from destination_convot.errors import ConvotRejected, StreamUnwritable

MISSING_ROUTE = (404, 405)
STREAM = "contact events (people_events)"


class EventsUnverifiable(Exception):
    """Convot cannot list a contact's events: whether an unanswered create was applied cannot be known."""


def same_event(held: Mapping[str, Any], sent: Mapping[str, Any]) -> bool:
    """Name, time and properties (when Convot shows them) are what make two events the same."""
    properties = held.get("properties", sent.get("properties"))
    return (
        held.get("name") == sent.get("name")
        and _same_instant(held.get("occurred_at"), sent.get("occurred_at"))
        and (properties or {}) == (sent.get("properties") or {})
    )


class ContactEvents:
    def __init__(self, api: ConvotApi) -> None:
        self.api = api
        base = api.client.base_url
        # The article's prefix in place of the `/v1` ending api_url; a proxy URL without one has no other.
        self.article_base = (
            base[: -len("/v1")] + assumptions.EVENTS_ARTICLE_PREFIX if base.endswith("/v1") else None
        )

    def _bases(self) -> list[str | None]:
        """Where to send events: api_url (None), then the article's prefix until one of them is proven."""
        outcomes = self.api.outcomes
        if outcomes.fell_back(guesses.EVENTS_PREFIX):
            return [self.article_base]
        if outcomes.known(guesses.EVENTS_PREFIX) or self.article_base is None:
            return [None]
        return [None, self.article_base]

    def create(self, contact_id: Any, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Create one event; a lost answer is looked up in the contact's events before any retry."""
        contact_id = known_id(contact_id, "the contact of an event")
        path = assumptions.EVENTS_PATH.format(contact_id=contact_id)
        bases = self._bases()
        for index, base in enumerate(bases):
            try:
                body = self.api.client.request(
                    "POST",
                    path,
                    json=dict(payload),
                    base=base,
                    already_applied=lambda base=base: self.find(contact_id, payload, base),
                    confirms=carries_id("event"),
                )
            except ConvotRejected as error:
                if error.status not in MISSING_ROUTE:
                    raise
                if index + 1 < len(bases):
                    continue  # nothing was created: try the article's prefix
                raise self._route_or_contact(contact_id, path, error) from None
            self._prefix_proven(base, bases)
            return unwrap(body, "event")
        raise AssertionError("unreachable: the last base returns or raises")

    def _prefix_proven(self, base: str | None, tried: list[str | None]) -> None:
        if base is None:
            self.api.outcomes.hold(guesses.EVENTS_PREFIX)
        elif len(tried) > 1:
            self.api.outcomes.fall_back(
                guesses.EVENTS_PREFIX,
                f"POST {assumptions.EVENTS_PATH} answered 404 under {self.api.client.base_url} and was "
                f"accepted under {self.article_base}",
            )

    def _route_or_contact(self, contact_id: Any, path: str, error: ConvotRejected) -> Exception:
        """Every prefix answered 404: the contact is gone from Convot (this event is rejected), or, when the
        contact can still be read, Convot has no events route at all (the stream cannot be written)."""
        try:
            self.api.client.get(assumptions.APP_PROBE_PATHS["contact"].format(id=contact_id))
        except ConvotRejected:
            return error
        return StreamUnwritable(STREAM, f"POST {path}", "EVENTS_PATH", error.status)

    def held(self, contact_id: Any, base: str | None = None) -> list[dict[str, Any]]:
        """The events Convot holds for a contact; `EventsUnverifiable` when it cannot list them."""
        if self.api.outcomes.fell_back(guesses.EVENTS_LIST):
            raise EventsUnverifiable(f"GET {assumptions.EVENTS_PATH} is not served")
        path = assumptions.EVENTS_PATH.format(contact_id=known_id(contact_id, "the contact of an event"))
        statuses = []
        for candidate in [base] if base is not None else self._bases():
            try:
                events = list(self.api.iter_list(path, "events", candidate))
            except ConvotRejected as error:
                if error.status not in MISSING_ROUTE:
                    raise
                statuses.append(str(error.status))
                continue
            self.api.outcomes.hold(guesses.EVENTS_LIST)
            return events
        self.api.outcomes.fall_back(
            guesses.EVENTS_LIST, f"GET {assumptions.EVENTS_PATH} answered {'/'.join(statuses)}"
        )
        raise EventsUnverifiable(f"GET {assumptions.EVENTS_PATH} answered {'/'.join(statuses)}")

    def find(
        self, contact_id: Any, payload: Mapping[str, Any], base: str | None = None
    ) -> dict[str, Any] | None:
        return next((event for event in self.held(contact_id, base) if same_event(event, payload)), None)
