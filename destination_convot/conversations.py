"""Contacts, conversations and messages: from ledger-pending records to Convot.

A conversation is one lane: created when its first message is known (Convot needs it as `content`), then its
other messages oldest first, then its status (after the thread, since an incoming message reopens). Every
create is preceded by a durable intent and followed by the ledger commit (see `reconcile.py`).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from destination_convot import assumptions, guesses, mapping
from destination_convot.api import same_message
from destination_convot.counters import (
    API_IDENTITY,
    CONTACT_REJECTED,
    CONVERSATION_REJECTED,
    CREATED,
    DATED_AT_IMPORT,
    MATCHED,
    TYPE_NOT_KEPT,
    UNCHANGED,
    UPDATED,
)
from destination_convot.errors import ConvotConflict, ConvotRejected
from destination_convot.ledger import Entry, Intent, Pending
from destination_convot.work import UNMAPPABLE, Lane, WorkContext, convot_id, mapped, skip_reason

logger = logging.getLogger("airbyte")
PERSON_LOCK_STRIPES = 64


class ConversationImporter:
    def __init__(self, context: WorkContext) -> None:
        self.context = context
        # Conversations Convot refused in this run (or whose contact it refused), with why: not offered again
        # at each checkpoint (a re-run is), and counted by that reason (`count_given_up`).
        self.given_up: dict[tuple[str, str], str] = {}
        self._counted_messages: dict[tuple[str, str], int] = {}
        self._given_up_lock = threading.Lock()  # lanes give up while the writer reports
        self.adopted_on_conflict: set[tuple[str, str]] = set()  # 409 on their create: thread matched
        # One person's contact writes never overlap: a conversation lane creating the contact from its
        # meta and the profile lane would otherwise race, and the meta's nickname could win over the profile.
        self._person_locks = [threading.Lock() for _ in range(PERSON_LOCK_STRIPES)]

    def _person(self, website_id: str, people_id: str) -> threading.Lock:
        return self._person_locks[hash((website_id, people_id)) % PERSON_LOCK_STRIPES]

    # -- contacts ----------------------------------------------------------------------------------
    def schedule_contacts(self, people: set[tuple[str, str]] | None, up_to: int | None) -> None:
        """Queue the lanes of these contacts (None: every contact with pending records).

        A contact's lanes share one key, so its people data is written after its profile. `up_to` (a ledger
        batch) bounds what the lanes write; None is the final pass, where people data no longer waits.
        """
        if people is None:
            ledger = self.context.ledger
            people = ledger.pending_keys("contact") | ledger.pending_keys("contact_data")
        for website_id, people_id in sorted(people):
            for kind in ("contact", "contact_data"):
                lane = self._contact_lane(kind, website_id, people_id, up_to)
                self.context.pool.submit(("contact", website_id, people_id), lane)

    def _contact_lane(self, kind: str, website_id: str, people_id: str, up_to: int | None) -> Lane:
        final = up_to is None

        def lane() -> None:
            row = self.context.ledger.pending_one(kind, website_id, people_id, up_to)  # a later record wins
            if row is None:
                return
            if kind == "contact":
                self._upsert_contact(row, kind, mapping.contact_payload(row.record))
                return
            if not final and not self.context.ledger.get("contact", website_id, people_id):
                return  # its profile has not come yet: wait for it (or for the end of the sync)
            payload = mapped(self.context, row, "contacts", mapping.contact_data_payload)
            if payload is not None:
                self._upsert_contact(row, kind, self._addressed(website_id, people_id, payload))

        return lane

    def _upsert_contact(self, row: Pending, kind: str, payload: dict[str, Any]) -> None:
        with self._person(row.website_id, row.crisp_id):
            self._upsert_contact_alone(row, kind, payload)

    def _upsert_contact_alone(self, row: Pending, kind: str, payload: dict[str, Any]) -> None:
        known = self.context.ledger.get(kind, row.website_id, row.crisp_id)
        digest = mapping.content_hash(payload)
        if known and known.content_hash == digest:
            self.context.counters.add("contacts", UNCHANGED)
            self.context.ledger.drop_pending(kind, row.website_id, row.crisp_id)
            return
        try:
            contact, how = self._find_or_create(row.website_id, row.crisp_id, payload)
        except ConvotRejected as error:
            self.context.rejected("contacts", f"contact {payload.get('external_id')}", error)
            self.context.ledger.drop_pending(kind, row.website_id, row.crisp_id)
            return
        entries = [(kind, row.crisp_id, Entry(contact.get("id"), digest, how))]
        if kind == "contact_data" and not self.context.ledger.get("contact", row.website_id, row.crisp_id):
            entries.append(("contact", row.crisp_id, Entry(contact.get("id"), None, {})))
        self.context.ledger.confirm(row.website_id, entries, done=[(kind, row.crisp_id)])
        self.context.counters.add("contacts", UPDATED if known or kind == "contact_data" else CREATED)

    def _find_or_create(
        self, website_id: str, people_id: str, payload: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Convot's find-or-create, plus what it does when the email belongs to another contact (422).

        Like Convot's own importer, the Crisp person then lands on the existing contact with that email (which
        keeps its external id), unless this contact is already known here by its Crisp external id: then it
        keeps its current email. Returns the contact and how it is addressed from now on (ledger extra).
        """
        try:
            return self.context.api.upsert_contact(payload), {}
        except ConvotRejected as error:
            if error.status != 422 or not {"email", "external_id"} <= payload.keys():
                raise
        known = self.context.ledger.get("contact", website_id, people_id)
        keyed = bool(known) and not known.extra.get("email")
        drop = "email" if keyed else "external_id"
        contact = self.context.api.upsert_contact({key: v for key, v in payload.items() if key != drop})
        reason = "email taken by another contact: kept" if keyed else "matched an existing contact by email"
        self.context.counters.skip("contacts", reason)
        logger.info(f"Contact {payload['external_id']}: {reason} ({payload['email']}).")
        return contact, ({} if keyed else {"email": payload["email"]})

    def _addressed(self, website_id: str, people_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A contact matched by email is not known to Convot by its Crisp external id: address it by email."""
        known = self.context.ledger.get("contact", website_id, people_id)
        email = known.extra.get("email") if known else None
        if not email:
            return payload
        return {**{key: v for key, v in payload.items() if key != "external_id"}, "email": email}

    def _contact_for(self, website_id: str, conversation: dict[str, Any]) -> Any:
        """The conversation's Convot contact: from the ledger, else found-or-created from its meta."""
        people_id = conversation.get("people_id")
        if not people_id:
            contact, _ = self._find_or_create(website_id, "", mapping.contact_from_conversation(conversation))
            self.context.counters.add("contacts", CREATED)
            return contact.get("id")
        with self._person(website_id, str(people_id)):
            known = self.context.ledger.get("contact", website_id, str(people_id))
            if known and known.convot_id:
                return convot_id(known.convot_id)
            payload = mapping.contact_from_conversation(conversation)
            contact, how = self._find_or_create(website_id, str(people_id), payload)
            # No content hash: the profile, when it comes, is still sent in full (and wins over the meta).
            self.context.ledger.confirm(
                website_id, [("contact", str(people_id), Entry(contact.get("id"), None, how))]
            )
        self.context.counters.add("contacts", CREATED)
        return contact.get("id")

    # -- conversations -----------------------------------------------------------------------------
    def schedule_conversations(self, sessions: set[tuple[str, str]] | None, up_to: int | None) -> None:
        """Queue the lanes of these conversations (None: every conversation with pending records), writing
        the records of ledger batches up to `up_to`."""
        if sessions is None:
            ledger = self.context.ledger
            sessions = ledger.pending_keys("message", "parent_id") | ledger.pending_keys("conversation")
            sessions |= self._status_drift()
        for website_id, session_id in sorted(sessions):
            lane = self._conversation_lane(website_id, session_id, up_to)
            self.context.pool.submit(("conversation", website_id, session_id), lane)

    def _status_drift(self) -> set[tuple[str, str]]:
        """Conversations whose Convot status is not (known to be) the Crisp one: a run died between a message
        that reopened it, or a status call, and the ledger commit. Their lane sets the status again."""
        return self.context.ledger.status_drift("conversation")

    def _conversation_lane(self, website_id: str, session_id: str, up_to: int | None) -> Lane:
        return lambda: self._write_conversation(website_id, session_id, up_to)

    def _write_conversation(self, website_id: str, session_id: str, up_to: int | None) -> None:
        if (website_id, session_id) in self.given_up:
            return
        ledger = self.context.ledger
        known = ledger.get("conversation", website_id, session_id)
        pending = ledger.pending_one("conversation", website_id, session_id, up_to)
        thread, waits = self._messages_to_send(website_id, session_id, up_to)
        if known is not None and not known.convot_id:
            known = self._held(website_id, session_id)  # an entry without its Convot id confirms nothing
        if known is None and self.context.existing is not None and pending is not None and thread:
            known = self._held(website_id, session_id)
        if known is None:
            if pending is None or not thread:
                return  # waits: messages of a conversation not seen yet, or a conversation without messages
            seed = thread.pop(0)
            created = self._create(website_id, pending, seed)
            if created is None:
                return
            if (website_id, session_id) in self.adopted_on_conflict:  # Convot held it: match its thread
                thread = self._not_held(website_id, created, [seed, *thread])
            known = created
        elif self.context.existing is not None and thread:
            thread = self._not_held(website_id, known, thread)
        state = dict(known.extra)
        for row, payload in thread:
            if self.context.should_stop():
                return
            reopens = payload[assumptions.MESSAGE_TYPE_FIELD] == "incoming" and state.get("status") != "open"
            if reopens:
                # Convot reopens on an incoming message: the ledger says so before the POST, so a crash right
                # after it leaves a status the next run repairs, never one it believes is already right.
                self._record_status(website_id, session_id, known, {**state, "status": "open"})
            if not self._post_message(website_id, known.convot_id, row, payload):
                if reopens:
                    self._record_status(website_id, session_id, known, {**state, "status": None})
                continue
            if payload[assumptions.MESSAGE_TYPE_FIELD] == "incoming":
                state["status"] = "open"
        if waits:  # the status follows the whole thread (an incoming message reopens): it waits too
            return
        self._apply_status(website_id, session_id, known, state, pending)

    def _record_status(self, website_id: str, session_id: str, known: Entry, state: dict[str, Any]) -> None:
        entry = Entry(known.convot_id, known.content_hash, state)
        self.context.ledger.confirm(website_id, [("conversation", session_id, entry)])

    # -- rebuilding the mapping from what Convot holds (rebuild.py) -----------------------------------
    def _held(self, website_id: str, session_id: str) -> Entry | None:
        """The conversation Convot holds, found by external id and adopted by the ledger; None if absent."""
        external_id = mapping.conversation_external_id(session_id)
        if self.context.existing is not None:
            held = self.context.existing.find("conversation", external_id)
        else:
            held = self.context.api.find_conversation(external_id)
            held = held if held and held.get(assumptions.EXTERNAL_ID_FIELD) == external_id else None
        if not held or not held.get("id"):
            return None
        entry = Entry(str(held["id"]), None, {"status": held.get("status")})
        self.context.ledger.confirm(website_id, [("conversation", session_id, entry)])
        self.context.counters.add("conversations", MATCHED)
        return entry

    def _not_held(
        self, website_id: str, known: Entry, thread: list[tuple[Pending, dict[str, Any]]]
    ) -> list[tuple[Pending, dict[str, Any]]]:
        """The messages Convot does not hold yet; the ones it holds are adopted by the ledger."""
        held = self.context.api.list_messages(known.convot_id)
        session_id = thread[0][0].parent_id or ""
        # The seed was sent with the conversation, dated like it (conversation_payload): while none of the
        # conversation's messages is known, Convot's first message is the seed of the oldest one.
        seed = None if self.context.ledger.knows_children("message", website_id, session_id) else held[:1]
        missing = []
        for index, (row, payload) in enumerate(thread):
            match = next((message for message in held if same_message(message, payload)), None)
            if match is None and index == 0 and seed and same_message(seed[0], payload, timed=False):
                match = seed[0]
            if match is None:
                missing.append((row, payload))
                continue
            held.remove(match)  # two identical messages in Crisp are matched to two in Convot
            entry = Entry(match.get("id"), mapping.message_hash(payload), {})
            self.context.ledger.confirm(
                website_id, [("message", row.crisp_id, entry)], done=[("message", row.crisp_id)]
            )
            self.context.counters.add("messages", MATCHED)
        return missing

    def _messages_to_send(
        self, website_id: str, session_id: str, up_to: int | None
    ) -> tuple[list[tuple[Pending, dict[str, Any]]], bool]:
        """The messages to post, oldest first, and whether the thread stops early: a message whose operator
        may still arrive in this sync waits (Convot cannot add its operator_id later), and so does every
        message after it, the thread's order being Convot's."""
        thread = []
        for row in self.context.ledger.pending("message", website_id, parent_id=session_id, up_to=up_to):
            if self._awaits_operator(website_id, row.record):
                return thread, True
            try:
                payload = mapping.message_payload(row.record, self._operator_id(website_id, row.record))
            except (mapping.Skipped, *UNMAPPABLE) as skip:
                self.context.counters.skip("messages", skip_reason(skip))
                self.context.ledger.drop_pending("message", website_id, row.crisp_id)
                continue
            known = self.context.ledger.get("message", website_id, row.crisp_id)
            if known is not None:
                if known.content_hash != mapping.message_hash(payload):
                    self.context.counters.skip(
                        "messages", "edited in Crisp after import (Convot cannot edit messages)"
                    )
                else:
                    self.context.counters.add("messages", UNCHANGED)
                self.context.ledger.drop_pending("message", website_id, row.crisp_id)
                continue
            thread.append((row, payload))
        return thread, False

    def _awaits_operator(self, website_id: str, message: dict[str, Any]) -> bool:
        if message.get("from") != "operator" or not self.context.config.operator_emails:
            return False  # its payload does not depend on the operators stream
        return not self.context.awaited.settled("operator", website_id, str(message.get("user_user_id")))

    def _operator_id(self, website_id: str, message: dict[str, Any]) -> int | None:
        if message.get("from") != "operator":
            return None
        operator = self.context.ledger.fact("operator", website_id, str(message.get("user_user_id")))
        email = (operator or {}).get("email") or ""
        return self.context.config.operator_emails.get(email.lower())

    def _create(
        self, website_id: str, pending: Pending, first: tuple[Pending, dict[str, Any]]
    ) -> Entry | None:
        seed_row, seed_payload = first
        session_id = pending.crisp_id
        try:
            contact_id = self._contact_for(website_id, pending.record)
            payload = mapping.conversation_payload(pending.record, contact_id, seed_payload)
        except (mapping.Skipped, *UNMAPPABLE) as skip:
            self.context.counters.skip("conversations", skip_reason(skip))
            self.context.ledger.drop_pending("conversation", website_id, session_id)
            return None
        except ConvotRejected as error:
            self.context.rejected("contacts", f"the contact of conversation {session_id}", error)
            self._give_up(website_id, session_id, CONTACT_REJECTED)
            return None
        digest = mapping.message_hash(seed_payload)
        self.context.ledger.record_intent(
            Intent(
                website_id,
                "conversation",
                session_id,
                None,
                {"request": payload, "seed": seed_row.crisp_id, "seed_hash": digest},
            )
        )
        try:
            conversation = self.context.api.create_conversation(
                payload, mapping.text_or_none(pending.record.get("meta_email"))
            )
        except ConvotConflict as error:
            self.context.ledger.clear_intent("conversation", website_id, session_id)
            return self._adopt_on_conflict(website_id, session_id, error)
        except ConvotRejected as error:
            self.context.ledger.clear_intent("conversation", website_id, session_id)
            self.context.rejected("conversations", f"conversation {session_id}", error)
            self._give_up(website_id, session_id, CONVERSATION_REJECTED)
            return None
        entry = Entry(conversation.get("id"), None, {"status": "open"})
        self.context.ledger.confirm(
            website_id,
            [("conversation", session_id, entry), ("message", seed_row.crisp_id, Entry(None, digest, {}))],
            done=[("message", seed_row.crisp_id)],
        )
        self.context.counters.add("conversations", CREATED)
        self._count_message(seed_row, seed_payload)
        return entry

    def _give_up(self, website_id: str, session_id: str, reason: str) -> None:
        """Stop offering this conversation in this run; count it and its messages by why, live."""
        with self._given_up_lock:
            self.given_up[(website_id, session_id)] = reason
        if reason == CONTACT_REJECTED:  # a rejected conversation is already counted as rejected
            self.context.counters.skip("conversations", reason)
        self._count_messages_given_up(website_id, session_id, reason)

    def _count_messages_given_up(self, website_id: str, session_id: str, reason: str) -> int:
        """Count the messages of a given-up conversation not counted yet (more may have come since it was
        given up); return how many wait."""
        waiting = len(self.context.ledger.pending("message", website_id, parent_id=session_id))
        with self._given_up_lock:
            new = waiting - self._counted_messages.get((website_id, session_id), 0)
            if new > 0:
                self.context.counters.skip("messages", reason, new)
                self._counted_messages[(website_id, session_id)] = waiting
        return waiting

    def count_given_up(self) -> dict[str, int]:
        """End of run: count what came since for the given-up conversations, and return how many pending
        rows of each kind are given up, so the report does not count them as waiting as well."""
        with self._given_up_lock:
            given_up = list(self.given_up.items())
        messages = sum(self._count_messages_given_up(w, s, reason) for (w, s), reason in given_up)
        return {"conversation": len(given_up), "message": messages}

    def _adopt_on_conflict(self, website_id: str, session_id: str, error: ConvotConflict) -> Entry | None:
        """A 409 on the create: Convot already holds a conversation with this external id (a ledger restored
        from an older copy, say). Adopt it; the caller then posts only the messages it does not hold."""
        held = self._held(website_id, session_id)
        if held is None:  # the conflict is with something else: a rejection, named and counted
            self.context.rejected("conversations", f"conversation {session_id}", error)
            self._give_up(website_id, session_id, CONVERSATION_REJECTED)
            return None
        logger.warning(
            f"Convot answered 409 conflict to the create of conversation {session_id}: it already holds it; "
            "adopted, and only the messages it does not hold are posted."
        )
        self.adopted_on_conflict.add((website_id, session_id))
        return held

    def _post_message(
        self, website_id: str, conversation_id: Any, row: Pending, payload: dict[str, Any]
    ) -> bool:
        self.context.ledger.record_intent(
            Intent(website_id, "message", row.crisp_id, conversation_id, payload)
        )
        try:
            message = self.context.api.post_message(
                conversation_id,
                payload,
                confirmed=lambda: self.context.ledger.count_children(
                    "message", website_id, str(row.parent_id)
                ),
            )
        except ConvotRejected as error:
            self.context.ledger.clear_intent("message", website_id, row.crisp_id)
            self.context.ledger.drop_pending("message", website_id, row.crisp_id)
            self.context.rejected("messages", f"message {row.crisp_id}", error)
            return False
        entry = Entry(message.get("id"), mapping.message_hash(payload), {})
        self.context.ledger.confirm(
            website_id, [("message", row.crisp_id, entry)], done=[("message", row.crisp_id)]
        )
        self._count_message(row, payload)
        return True

    def _count_message(self, row: Pending, payload: dict[str, Any]) -> None:
        self.context.counters.add("messages", CREATED)
        outcomes = self.context.api.outcomes
        if outcomes.fell_back(guesses.CREATED_AT):
            self.context.counters.add("messages", DATED_AT_IMPORT)
        if outcomes.fell_back(guesses.MESSAGE_TYPE) and payload[assumptions.MESSAGE_TYPE_FIELD] != "outgoing":
            self.context.counters.add("messages", TYPE_NOT_KEPT)
        if row.record.get("from") == "operator" and "operator_id" not in payload:
            self.context.counters.add("messages", API_IDENTITY)

    def _apply_status(
        self, website_id: str, session_id: str, known: Entry, state: dict[str, Any], pending: Pending | None
    ) -> None:
        desired = (
            mapping.conversation_status(pending.record)
            if pending
            else state.get("desired", state.get("status"))
        )
        changed = desired is not None and desired != state.get("status")
        if changed:
            try:
                self.context.api.set_status(known.convot_id, desired)
            except ConvotRejected as error:
                self.context.rejected(
                    "conversations", f"status {desired} of conversation {session_id}", error
                )
                return
        if pending is not None and known.extra.get("desired") is not None:
            self.context.counters.add(
                "conversations", UPDATED if desired != known.extra["desired"] else UNCHANGED
            )
        state.update(status=desired, desired=desired)
        done = [("conversation", session_id)] if pending else []
        self.context.ledger.confirm(
            website_id, [("conversation", session_id, Entry(known.convot_id, None, state))], done
        )
