"""The write loop: route records into the ledger, write what is ready, and echo each STATE only when safe.

Rule: a STATE is echoed only after every record before it is durably written, either in Convot (confirmed, in
the ledger's mapping) or durably pending in the ledger (waiting for its conversation, or for the helpdesk pass
at the end). A failure that ends the sync propagates before the STATE, so no state past it is ever echoed.
SIGTERM/SIGINT: stop reading, let in-flight requests finish, flush the ledger, echo the last safe state, exit.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from airbyte_cdk.models import AirbyteMessage, Type

from destination_convot.conversations import ConversationImporter
from destination_convot.counters import ALREADY_IMPORTED, WOULD_CREATE
from destination_convot.helpdesk import HelpdeskImporter
from destination_convot.ledger import Pending
from destination_convot.mapping import Skipped, message_content
from destination_convot.reconcile import reconcile_intents
from destination_convot.routes import COUNTER_OF_KIND, NOT_IMPORTED, ROUTES, Route, fact_value
from destination_convot.work import WorkContext

logger = logging.getLogger("airbyte")

BUFFER_LIMIT = 2000  # records held in memory before they are moved to the ledger, even without a STATE


class StopRequested(Exception):
    """Raised by the signal handler only while blocked reading input, to stop waiting for it."""


class ConvotWriter:
    def __init__(self, context: WorkContext) -> None:
        self.c = context
        self.conversations = ConversationImporter(context)
        self.helpdesk = HelpdeskImporter(context)
        self._buffer: list[tuple[Route, dict[str, Any]]] = []
        self._reading = False

    def write(self, messages: Iterable[AirbyteMessage]) -> Iterator[AirbyteMessage]:
        if not self.c.config.preview:
            reconcile_intents(self.c)
        with self._stop_on_signals():
            for message in self._until_stopped(iter(messages)):
                if message.type == Type.RECORD and message.record is not None:
                    self._accept(message.record.stream, message.record.data)
                elif message.type == Type.STATE and self._flush(final=False):
                    yield message
        if self.c.stopping.is_set():
            self._persist()  # what was read after the last STATE is kept; it is re-sent by the source anyway
            logger.info(
                "Stopped on request: in-flight writes finished, ledger flushed, last safe state echoed."
            )
            return
        self._flush(final=True)

    # -- input -------------------------------------------------------------------------------------
    def _until_stopped(self, messages: Iterator[AirbyteMessage]) -> Iterator[AirbyteMessage]:
        while not self.c.stopping.is_set():
            self._reading = True
            try:
                message = next(messages, None)
            except StopRequested:
                return
            finally:
                self._reading = False
            if message is None:
                return
            yield message

    def _accept(self, stream: str, record: dict[str, Any]) -> None:
        route = ROUTES.get(stream)
        if route is None:
            self.c.counters.skip(stream, NOT_IMPORTED.get(stream, "stream not imported into Convot"))
            return
        missing = [column for column in (*route.key, "website_id") if record.get(column) is None]
        if missing:
            self.c.counters.skip(route.counter or stream, f"record without {', '.join(missing)}")
            return
        self._buffer.append((route, record))
        if len(self._buffer) >= BUFFER_LIMIT:
            self._persist()

    # -- flushing ----------------------------------------------------------------------------------
    def _persist(self) -> None:
        """Move buffered records into the ledger (one transaction): from here they survive a crash."""
        buffer, self._buffer = self._buffer, []
        facts = [(route, record) for route, record in buffer if route.fact]
        for kind in {route.kind for route, _ in facts}:
            self.c.ledger.set_facts(
                kind,
                [
                    (str(r["website_id"]), route.crisp_id(r), fact_value(route, r))
                    for route, r in facts
                    if route.kind == kind
                ],
            )
        if self.c.config.preview:
            self._count_preview([route.pending(record) for route, record in buffer if not route.fact])
        else:
            self.c.ledger.add_pending(route.pending(record) for route, record in buffer if not route.fact)

    def _flush(self, final: bool) -> bool:
        """Persist, then write everything ready. True when the STATE that triggered it may be echoed."""
        self._persist()
        if self.c.config.preview:
            return False  # preview writes nothing, so no state may claim anything was written
        self.conversations.import_contacts(final)
        self.conversations.import_conversations()
        if final and not self.c.should_stop():
            self.helpdesk.run()
            self._report_waiting()
        # Interrupted by a signal: what was not written is still pending in the ledger, so the state is safe.
        return True

    def _report_waiting(self) -> None:
        reasons = {
            "conversation": ("conversations", "empty (no message yet): kept pending"),
            "message": ("messages", "waiting for their conversation: kept pending"),
        }
        for kind, count in self.c.ledger.count_pending().items():
            counter, reason = reasons.get(kind, (COUNTER_OF_KIND.get(kind, kind), "kept pending"))
            self.c.counters.skip(counter, reason, count)

    def _count_preview(self, rows: list[Pending]) -> None:
        for row in rows:
            if row.kind == "contact_data":
                continue  # the same contact as its profile
            if row.kind == "message":
                try:
                    message_content(row.record)
                except Skipped as skip:
                    self.c.counters.skip("messages", skip.reason)
                    continue
            known = self.c.ledger.get(row.kind, row.website_id, row.crisp_id)
            self.c.counters.add(COUNTER_OF_KIND[row.kind], ALREADY_IMPORTED if known else WOULD_CREATE)

    # -- signals -----------------------------------------------------------------------------------
    @contextmanager
    def _stop_on_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum: int, _frame: Any) -> None:
            logger.warning(
                f"Received {signal.Signals(signum).name}: finishing in-flight writes, then stopping."
            )
            self.c.stopping.set()
            if self._reading:
                raise StopRequested

        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)
