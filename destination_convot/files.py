"""Conversation files: each is checked against its message, never written on its own.

A Crisp file is sent as a file message, and that message already becomes a Convot message carrying the file's
link (`mapping.RENDERERS`). So a `conversation_files` record is *carried* when the ledger holds its message
(same session and fingerprint) or when its conversation's Convot thread contains its URL (one list of that
thread, only for files whose message the ledger does not know). A file whose message is not in Convot has no
other Convot counterpart: Convot messages cannot carry attachments through the API, and posting a note in
the customer's thread for it would add a message the Crisp thread does not have. It is counted, never written,
so a re-run cannot duplicate anything. Checked at the end of the sync, once every message of it is written.
"""

from __future__ import annotations

from collections import defaultdict

from destination_convot.errors import ConvotRejected
from destination_convot.ledger import Pending
from destination_convot.work import Lane, WorkContext

CARRIED = "already carried by their message"
NOT_CARRIED = "not in Convot: their message was not imported (no other Convot counterpart)"
NO_CONVERSATION = "their conversation is not in Convot: not carried"


class FileCheck:
    def __init__(self, context: WorkContext) -> None:
        self.context = context

    def run(self) -> None:
        threads: dict[tuple[str, str], list[Pending]] = defaultdict(list)
        for row in self.context.ledger.pending("file"):
            threads[(row.website_id, str(row.parent_id))].append(row)
        self.context.pool.run(
            (("files", website_id, session_id), self._lane(website_id, session_id, rows))
            for (website_id, session_id), rows in sorted(threads.items())
        )

    def _lane(self, website_id: str, session_id: str, rows: list[Pending]) -> Lane:
        return lambda: self._check(website_id, session_id, rows)

    def _check(self, website_id: str, session_id: str, rows: list[Pending]) -> None:
        ledger = self.context.ledger
        unknown = []
        for row in rows:
            if ledger.get("message", website_id, row.crisp_id) is not None:
                self._settle(row, CARRIED)
            else:
                unknown.append(row)
        if not unknown:
            return
        conversation = ledger.get("conversation", website_id, session_id)
        held = None
        try:
            if conversation is not None and conversation.convot_id:
                held = self.context.api.list_messages(conversation.convot_id)
        except ConvotRejected:  # the conversation was deleted in Convot
            held = None
        if held is None:
            for row in unknown:
                self._settle(row, NO_CONVERSATION)
            return
        thread = [str(message.get("content") or "") for message in held]
        for row in unknown:
            url = str(row.record.get("url"))
            self._settle(row, CARRIED if any(url in content for content in thread) else NOT_CARRIED)

    def _settle(self, row: Pending, outcome: str) -> None:
        if outcome == CARRIED:
            self.context.counters.add("files", CARRIED)
        else:
            self.context.counters.skip("files", outcome)
        self.context.ledger.drop_pending("file", row.website_id, row.crisp_id)
