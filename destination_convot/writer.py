"""The write loop: route records into the ledger, write what is ready, and echo each STATE only when safe.

Rule: a STATE is echoed only after every record before it is durably written, either in Convot (confirmed, in
the ledger's mapping) or durably pending in the ledger (waiting for its conversation, or for the helpdesk pass
at the end). Reading goes on while lanes write: each STATE waits for the lanes queued before it, so several
checkpoints' worth of conversations are written concurrently. A failure that ends the sync propagates before
the STATE, so no state past it is ever echoed.
SIGTERM/SIGINT: stop reading, let in-flight requests finish, flush the ledger, echo the last safe state, exit.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from airbyte_cdk.models import AirbyteMessage, AirbyteStreamStatus, TraceType, Type

from destination_convot.client import Interrupted
from destination_convot.conversations import ConversationImporter
from destination_convot.counters import EMPTY_CONVERSATION, ORPHAN_MESSAGE
from destination_convot.errors import unwritable_streams_error
from destination_convot.events import WAITING as EVENT_WAITING
from destination_convot.events import EventImporter
from destination_convot.files import FileCheck
from destination_convot.helpdesk import HelpdeskImporter
from destination_convot.ledger import Pending
from destination_convot.preview import PreviewTally
from destination_convot.reconcile import reconcile_intents
from destination_convot.routes import COUNTER_OF_KIND, NOT_IMPORTED, ROUTES, UNKNOWN_STREAM, Route, fact_value
from destination_convot.work import WorkContext

logger = logging.getLogger("airbyte")

ENDED = (AirbyteStreamStatus.COMPLETE, AirbyteStreamStatus.INCOMPLETE)
BUFFER_LIMIT = 2000  # records held in memory before they are moved to the ledger, even without a STATE


class StopRequested(Exception):
    """Raised by the signal handler only while blocked reading input, to stop waiting for it."""


class ConvotWriter:
    def __init__(self, context: WorkContext) -> None:
        self.context = context
        self.conversations = ConversationImporter(context)
        self.events = EventImporter(context)
        self.files = FileCheck(context)
        self.helpdesk = HelpdeskImporter(context)
        self.preview = PreviewTally(context)
        self._buffer: list[tuple[Route, dict[str, Any]]] = []
        # STATEs received, in order, each with the pool mark of the lanes that must finish before its echo.
        self._states: deque[tuple[AirbyteMessage, int]] = deque()
        self._scheduled_everything = False
        self._reading = False
        self.complete = False  # every record of the sync written or matched, nothing stopped it

    def write(
        self, messages: Iterable[AirbyteMessage], prepare: Callable[[], None] = lambda: None
    ) -> Iterator[AirbyteMessage]:
        """`prepare` runs first, under the same signal handling (the start-of-sync requests)."""
        # The handlers cover every phase, draining and the final pass included: a SIGTERM after the input
        # ended must stop as cleanly as one during it (the default handler would kill the process at once).
        with self._stop_on_signals():
            try:
                prepare()
                if not self.context.config.preview:
                    reconcile_intents(self.context)
            except Interrupted:
                logger.info("Stopped on request before writing anything: nothing changed, no state echoed.")
                return
            for message in self._until_stopped(iter(messages)):
                if message.type == Type.RECORD and message.record is not None:
                    self._accept(message.record.stream, message.record.data)
                elif message.type == Type.STATE and not self.context.config.preview:
                    self._persist_and_schedule()
                    self._states.append((message, self.context.pool.mark()))
                elif message.type == Type.TRACE and not self.context.config.preview:
                    self._on_stream_status(message)
                yield from self._safe_states()
            if self.context.config.preview:
                self._persist()
                self.preview.settle()
                return  # preview writes nothing, so no state may claim anything was written
            self._persist()  # after a stop, what was read since the last STATE is kept (the source re-sends)
            yield from self._drain()
            if self.context.stopping.is_set():
                logger.info(
                    "Stopped on request: in-flight writes done, ledger flushed, last safe state echoed."
                )
                return
            self.context.awaited.input_ended()  # nothing more can come: what waited for a fact is written now
            with suppress(Interrupted):  # a request of the final pass was waiting: it was not sent
                self._final_pass()
            if self.context.stopping.is_set():
                logger.info(
                    "Stopped on request during the final pass: what is left stays pending in the ledger."
                )
                return
        problems = [problem for problem in (self.events.problem, self.helpdesk.problem) if problem]
        self.complete = not self.context.failed.is_set() and not problems
        if problems:  # every other stream is written and its states echoed
            raise unwritable_streams_error(problems)

    def _drain(self) -> Iterator[AirbyteMessage]:
        """Wait for every queued lane (a stop lets in-flight ones finish), then echo the states now safe."""
        self.context.pool.wait_all()
        yield from self._safe_states()

    def _safe_states(self) -> Iterator[AirbyteMessage]:
        """Echo, in order, each STATE whose lanes are done; a failed lane ends the sync before its STATE."""
        while self._states and self.context.pool.settled(self._states[0][1]):
            message, mark = self._states.popleft()
            self.context.pool.check(mark)
            yield message

    def _final_pass(self) -> None:
        """End of input: everything still waiting that can be written now (events once every contact a
        conversation created is known, files once every message is), then the helpdesk."""
        self.conversations.schedule_contacts(None, up_to=None)
        self.conversations.schedule_conversations(None, up_to=None)
        self.context.pool.finish()
        self.events.schedule(None, up_to=None)
        self.context.pool.finish()
        if not self.context.should_stop():
            self.files.run()
            self.helpdesk.run()
            self._report_waiting()

    # -- input ---------------------------------------------------------------------------------------
    def _until_stopped(self, messages: Iterator[AirbyteMessage]) -> Iterator[AirbyteMessage]:
        while not self.context.stopping.is_set():
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
            self.context.counters.skip(stream, NOT_IMPORTED.get(stream, UNKNOWN_STREAM))
            return
        missing = [column for column in (*route.key, "website_id") if record.get(column) is None]
        if missing:
            self.context.counters.skip(route.counter or stream, f"record without {', '.join(missing)}")
            return
        problem = route.problem(record)
        if problem:
            # One bad record must not block every sync: it is skipped, counted and named, the rest goes on.
            self.context.counters.skip(route.counter or stream, problem)
            logger.warning(f"Skipped a {stream} record ({route.kind} {route.crisp_id(record)}): {problem}.")
            return
        self._buffer.append((route, record))
        if len(self._buffer) >= BUFFER_LIMIT:
            self._persist_and_schedule()

    # -- persisting and scheduling -------------------------------------------------------------------
    def _persist(self) -> tuple[list[Pending], int]:
        """Move buffered records into the ledger (one transaction): from here they survive a crash."""
        buffer, self._buffer = self._buffer, []
        facts = [(route, record) for route, record in buffer if route.fact]
        for kind in {route.kind for route, _ in facts}:
            rows = [
                (str(r["website_id"]), route.crisp_id(r), fact_value(route, r))
                for route, r in facts
                if route.kind == kind
            ]
            self.context.ledger.set_facts(kind, rows)
            self.context.awaited.read(kind, [(website_id, crisp_id) for website_id, crisp_id, _ in rows])
        pending = [route.pending(record) for route, record in buffer if not route.fact]
        if self.context.config.preview:
            self.preview.add(pending)
            return pending, 0
        return pending, self.context.ledger.add_pending(pending)

    def _persist_and_schedule(self) -> None:
        """Persist, then queue lanes for what the new records may have made ready (without waiting)."""
        rows, batch = self._persist()
        if self.context.config.preview:
            return
        if self._scheduled_everything:
            people = {(r.website_id, r.crisp_id) for r in rows if r.kind in ("contact", "contact_data")}
            people |= {(r.website_id, str(r.parent_id)) for r in rows if r.kind == "event"}
            sessions = {
                (r.website_id, r.parent_id or r.crisp_id)
                for r in rows
                if r.kind in ("conversation", "message")
            }
        else:  # the first time, also what an interrupted run left pending
            people = sessions = None
            self._scheduled_everything = True
        self.conversations.schedule_contacts(people, up_to=batch)
        self.events.schedule(people, up_to=batch)
        self.conversations.schedule_conversations(sessions, up_to=batch)

    def _on_stream_status(self, message: AirbyteMessage) -> None:
        """A fact stream that ended (COMPLETE, or INCOMPLETE: it sends nothing more) releases the writes that
        waited for it: every pending conversation is offered again, once per sync and stream."""
        trace = message.trace
        status = trace.stream_status if trace is not None and trace.type == TraceType.STREAM_STATUS else None
        if status is None or status.status not in ENDED:
            return
        if self.context.awaited.stream_ended(status.stream_descriptor.name):
            self._scheduled_everything = False  # the next scheduling offers every pending record again
            self._persist_and_schedule()

    def _report_waiting(self) -> None:
        reasons = {
            "conversation": ("conversations", EMPTY_CONVERSATION),
            "message": ("messages", ORPHAN_MESSAGE),
            "event": ("events", EVENT_WAITING),
        }
        given_up = self.conversations.count_given_up()  # counted by why (their contact was rejected...)
        for kind, count in self.context.ledger.count_pending().items():
            counter, reason = reasons.get(kind, (COUNTER_OF_KIND.get(kind, kind), "kept pending"))
            count -= given_up.get(kind, 0)
            if count > 0:
                self.context.counters.skip(counter, reason, count)

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
            self.context.stopping.set()
            if self._reading:
                raise StopRequested

        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)
