"""Preview: what a write would create, counted by the write's own rules, without writing anything.

A write creates a conversation only with its first sendable message (Convot needs it as `content`); a
conversation without one stays pending, and so do messages whose conversation never comes. Conversations and
their messages arrive in separate streams, so the preview notes the sync's keys as they come and settles the
counts at the end of input. A contact without a profile is created too: from the meta of a conversation the
write creates, or from people data at the end of the sync.
"""

from __future__ import annotations

from dataclasses import dataclass

from destination_convot import mapping
from destination_convot.counters import ALREADY_IMPORTED, EMPTY_CONVERSATION, ORPHAN_MESSAGE, WOULD_CREATE
from destination_convot.ledger import Pending
from destination_convot.routes import COUNTER_OF_KIND
from destination_convot.work import UNMAPPABLE, WorkContext, skip_reason

Key = tuple[str, str]  # (website id, Crisp id)


@dataclass(frozen=True)
class SeenConversation:
    people_id: str | None
    no_contact: str | None  # why the write could not give it a contact, if it could not


@dataclass(frozen=True)
class SeenMessage:
    session_id: str
    imported: bool


class PreviewTally:
    def __init__(self, context: WorkContext) -> None:
        self.context = context
        # Keyed like the ledger's pending rows, so a record sent twice counts once (the later one wins).
        self._outcomes: dict[tuple[str, str, str], str] = {}  # (kind, website, id) -> new or already imported
        self._people_data: set[Key] = set()
        self._conversations: dict[Key, SeenConversation] = {}
        self._messages: dict[Key, SeenMessage] = {}

    def add(self, rows: list[Pending]) -> None:
        for row in rows:
            key = (row.website_id, row.crisp_id)
            try:
                if row.kind == "contact_data":
                    mapping.contact_data_payload(row.record)
                    self._people_data.add(key)
                elif row.kind == "message":
                    mapping.message_content(row.record)
                    self._messages[key] = SeenMessage(str(row.parent_id), self._imported("message", key))
                elif row.kind == "conversation":
                    self._conversations[key] = self._conversation(row)
                elif row.kind == "file":
                    continue  # never written: checked against its message by the write
                else:
                    if row.kind == "event":
                        mapping.event_payload(row.record)
                    self._outcomes[(row.kind, *key)] = self._outcome(row.kind, key)
            except (mapping.Skipped, *UNMAPPABLE) as skip:
                self.context.counters.skip(COUNTER_OF_KIND[row.kind], skip_reason(skip))

    def settle(self) -> None:
        """End of input: count what the write would do with everything seen."""
        created = self._settle_conversations()
        for (kind, _, _), outcome in self._outcomes.items():
            self.context.counters.add(COUNTER_OF_KIND[kind], outcome)
        self._count_contacts_without_profile(created)
        for (website_id, _), message in self._messages.items():
            conversation = (website_id, message.session_id)
            if message.imported:
                self.context.counters.add("messages", ALREADY_IMPORTED)
            elif conversation in created or self._imported("conversation", conversation):
                self.context.counters.add("messages", WOULD_CREATE)
            else:
                self.context.counters.skip("messages", ORPHAN_MESSAGE)

    def _conversation(self, row: Pending) -> SeenConversation:
        people_id = mapping.text_or_none(row.record.get("people_id"))
        try:
            mapping.contact_from_conversation(row.record)
        except mapping.Skipped as skip:
            return SeenConversation(people_id, skip.reason)
        return SeenConversation(people_id, None)

    def _settle_conversations(self) -> set[Key]:
        """Count the conversations; return those the write would create."""
        with_message = {
            (website_id, message.session_id)
            for (website_id, _), message in self._messages.items()
            if not message.imported
        }
        created: set[Key] = set()
        for key, seen in self._conversations.items():
            if self._imported("conversation", key):
                self.context.counters.add("conversations", ALREADY_IMPORTED)
            elif key not in with_message:
                self.context.counters.skip("conversations", EMPTY_CONVERSATION)
            elif seen.no_contact:
                self.context.counters.skip("conversations", seen.no_contact)
            else:
                self.context.counters.add("conversations", WOULD_CREATE)
                created.add(key)
        return created

    def _count_contacts_without_profile(self, created: set[Key]) -> None:
        """The sync's people without a profile in it: from people data, or a conversation's people id.

        Their contact is new when the write creates it (from people data, or a created conversation's meta).
        A conversation without people id has its contact found-or-created by email each time, and the write
        counts each as imported: so does this.
        """
        profiles = {
            (website_id, crisp_id) for kind, website_id, crisp_id in self._outcomes if kind == "contact"
        }
        creating = set(self._people_data)
        for key in created:
            people_id = self._conversations[key].people_id
            if people_id is None:
                self.context.counters.add("contacts", WOULD_CREATE)
            else:
                creating.add((key[0], people_id))
        mentioned = {(key[0], seen.people_id) for key, seen in self._conversations.items() if seen.people_id}
        for key in (creating | mentioned) - profiles:
            if self._imported("contact", key):
                self.context.counters.add("contacts", ALREADY_IMPORTED)
            elif key in creating:
                self.context.counters.add("contacts", WOULD_CREATE)

    def _outcome(self, kind: str, key: Key) -> str:
        return ALREADY_IMPORTED if self._imported(kind, key) else WOULD_CREATE

    def _imported(self, kind: str, key: Key) -> bool:
        return self.context.ledger.get(kind, *key) is not None
