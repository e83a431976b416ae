"""What every import step shares, and the pool that runs independent lanes concurrently.

A lane is a callable that must run its own requests in order (one conversation: create, messages oldest first,
status); different lanes run in parallel on `max_concurrency` threads. One failure that must stop the sync
(Convot unavailable, auth) stops the other lanes from starting new requests; in-flight requests finish.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from destination_convot.api import ConvotApi
from destination_convot.awaited_facts import AwaitedFacts
from destination_convot.client import Interrupted
from destination_convot.config import ConvotConfig
from destination_convot.counters import REJECTED, Counters
from destination_convot.errors import ConvotRejected
from destination_convot.ledger import Ledger, Pending
from destination_convot.mapping import Skipped

if TYPE_CHECKING:
    from destination_convot.rebuild import ExistingObjects

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
    existing: ExistingObjects | None = None  # set while rebuilding the mapping from Convot (rebuild.py)
    failed: threading.Event = field(default_factory=threading.Event)  # a lane failed: the sync ends
    awaited: AwaitedFacts = field(default_factory=AwaitedFacts)  # facts a write must not go without
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
    except (Skipped, *UNMAPPABLE) as skip:
        context.counters.skip(counter, skip_reason(skip))
        context.ledger.drop_pending(row.kind, row.website_id, row.crisp_id)
        return None


# A record whose values are not of the shape the mapping expects (a hostile or broken source): skipped and
# counted like a deliberate skip, so that it does not fail every sync that meets it (ArithmeticError: a number
# too large for a float or a date).
UNMAPPABLE = (TypeError, ValueError, KeyError, AttributeError, ArithmeticError)


def skip_reason(error: Exception) -> str:
    if isinstance(error, Skipped):
        return error.reason
    return f"cannot be mapped ({type(error).__name__}: {str(error)[:80]})"


def convot_id(value: Any) -> Any:
    """Ledger ids are text; Convot's integer ids go back as integers."""
    return int(value) if isinstance(value, str) and value.isdigit() else value


class LanePool:
    """Runs lanes on `max_concurrency` threads without blocking the reader.

    Lanes with the same key (one conversation, one contact) run one after the other in submission order;
    other lanes run in parallel. Lanes are numbered as submitted: `mark()` is the number of the last one, and
    a STATE taken at a mark may be echoed once every lane up to it is settled.
    """

    def __init__(self, context: WorkContext) -> None:
        self._context = context
        workers = context.config.max_concurrency
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="convot")
        # Lanes waiting for the running lane of their key. A waiting lane holds no worker thread: it is handed
        # to the executor when the lane before it finishes, so all workers stay busy with runnable lanes.
        self._waiting: dict[Hashable, deque[tuple[Lane, Future[None]]]] = {}
        self._open: deque[tuple[int, Future[None]]] = deque()  # in number order, minus a settled prefix
        self._number = 0
        self._lock = threading.Lock()

    def submit(self, key: Hashable, lane: Lane) -> Future[None]:
        future: Future[None] = Future()
        with self._lock:
            self._number += 1
            self._open.append((self._number, future))
            if key in self._waiting:
                self._waiting[key].append((lane, future))
                return future
            self._waiting[key] = deque()
        self._executor.submit(self._run, key, lane, future)
        return future

    def _run(self, key: Hashable, lane: Lane, future: Future[None]) -> None:
        try:
            if not self._context.should_stop():
                lane()
        except (
            Interrupted
        ):  # stopped while waiting: its records stay pending in the ledger, as after any stop
            future.set_result(None)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for this lane
            self._context.failed.set()
            future.set_exception(exc)
        else:
            future.set_result(None)
        with self._lock:
            queue = self._waiting[key]
            following = queue.popleft() if queue else None
            if following is None:
                del self._waiting[key]
        if following is not None:
            self._executor.submit(self._run, key, *following)

    def mark(self) -> int:
        with self._lock:
            return self._number

    def _first_open(self) -> tuple[int, Future[None]] | None:
        """The first lane that has not succeeded (succeeded ones are forgotten from the front)."""
        with self._lock:
            while self._open and self._open[0][1].done() and self._open[0][1].exception() is None:
                self._open.popleft()
            return self._open[0] if self._open else None

    def settled(self, mark: int) -> bool:
        """Every lane up to `mark` has finished (then `check` says whether one failed)."""
        first = self._first_open()
        return first is None or first[0] > mark or first[1].done()

    def check(self, mark: int) -> None:
        first = self._first_open()
        if first is not None and first[0] <= mark and first[1].done():
            raise first[1].exception()  # type: ignore[misc]

    def wait_all(self) -> None:
        with self._lock:
            futures = [future for _, future in self._open]
        wait(futures)

    def finish(self) -> None:
        """Wait for every lane; re-raise the first failure."""
        self.wait_all()
        self.check(self.mark())

    def run(self, lanes: Iterable[tuple[Hashable, Lane]]) -> None:
        """Submit and wait: for steps that need every lane before them done (helpdesk, the final pass)."""
        for key, lane in lanes:
            self.submit(key, lane)
        self.finish()

    def close(self) -> None:
        """Drop lanes that have not started (only after a failure is anything left) and join the workers."""
        with self._lock:
            for queue in self._waiting.values():
                queue.clear()
        self._executor.shutdown(wait=True, cancel_futures=True)
