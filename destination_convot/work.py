"""What every import step shares, and the pool that runs independent lanes concurrently.

A lane is a callable that must run its own requests in order (one conversation: create, messages oldest first,
status); different lanes run in parallel on `max_concurrency` threads. One failure that must stop the sync
(Convot unavailable, auth) stops the other lanes from starting new requests; in-flight requests finish.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, TypeVar

from destination_convot.api import ConvotApi
from destination_convot.config import ConvotConfig
from destination_convot.counters import REJECTED, Counters
from destination_convot.errors import ConvotRejected
from destination_convot.ledger import Ledger, Pending
from destination_convot.mapping import Skipped

logger = logging.getLogger("airbyte")

Lane = Callable[[], None]
T = TypeVar("T")


@dataclass
class WorkContext:
    config: ConvotConfig
    api: ConvotApi
    ledger: Ledger
    counters: Counters
    stopping: threading.Event = field(default_factory=threading.Event)  # SIGTERM/SIGINT
    failed: threading.Event = field(default_factory=threading.Event)  # a lane failed: the sync ends
    pool: LanePool = field(init=False)

    def __post_init__(self) -> None:
        self.pool = LanePool(self)

    def should_stop(self) -> bool:
        """Checked between requests: in-flight requests finish, no new one starts."""
        return self.stopping.is_set() or self.failed.is_set()

    def rejected(self, kind: str, what: str, error: ConvotRejected) -> None:
        """Convot refused one object: count it, say why, and carry on with the sync."""
        self.counters.add(kind, REJECTED)
        self.counters.skip(kind, f"rejected by Convot ({error.status} {error.code})")
        logger.warning(f"Convot rejected {what}: {error.status} {error.code}: {error.reason}")


def mapped(context: WorkContext, row: Pending, counter: str, build: Callable[[Any], T]) -> T | None:
    """`build(record)`, or None after counting and dropping a record the mapping deliberately skips."""
    try:
        return build(row.record)
    except Skipped as skip:
        context.counters.skip(counter, skip.reason)
        context.ledger.drop_pending(row.kind, row.website_id, row.crisp_id)
        return None


def convot_id(value: Any) -> Any:
    """Ledger ids are text; Convot's integer ids go back as integers."""
    return int(value) if isinstance(value, str) and value.isdigit() else value


class LanePool:
    """Runs lanes on `max_concurrency` threads without blocking the reader.

    Lanes with the same key (one conversation, one contact) run one after the other in submission order;
    other lanes run in parallel. `barrier()` names the lanes submitted so far: a STATE waits for those.
    """

    def __init__(self, context: WorkContext) -> None:
        self._context = context
        self._executor = ThreadPoolExecutor(
            max_workers=context.config.max_concurrency, thread_name_prefix="convot"
        )
        self._last: dict[Hashable, Future[None]] = {}  # the lane each new lane of the same key waits for
        self._open: list[Future[None]] = []  # lanes not known to have succeeded yet
        self._lock = threading.Lock()

    def submit(self, key: Hashable, lane: Lane) -> Future[None]:
        with self._lock:
            previous = self._last.get(key)
            future = self._executor.submit(self._run, previous, lane)
            self._last[key] = future
            self._open.append(future)
            return future

    def _run(self, previous: Future[None] | None, lane: Lane) -> None:
        # The previous lane of this key was submitted earlier, so it is already running or done: no deadlock.
        if previous is not None:
            wait([previous])
        if self._context.should_stop():
            return
        try:
            lane()
        except BaseException:
            self._context.failed.set()
            raise

    def barrier(self) -> list[Future[None]]:
        """Every lane submitted so far that has not succeeded yet (a failed one stays, so it is seen)."""
        with self._lock:
            self._last = {key: future for key, future in self._last.items() if not future.done()}
            self._open = [f for f in self._open if not f.done() or f.exception() is not None]
            return list(self._open)

    def run(self, lanes: Iterable[tuple[Hashable, Lane]]) -> None:
        """Submit and wait: for steps that need every lane before them done (helpdesk, the final pass)."""
        raise_failure([self.submit(key, lane) for key, lane in lanes])

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def raise_failure(futures: Iterable[Future[None]]) -> None:
    """Wait for these lanes; re-raise the first failure (after all of them finished)."""
    futures = list(futures)
    wait(futures)
    for future in futures:
        if future.exception() is not None:
            raise future.exception()  # type: ignore[misc]
