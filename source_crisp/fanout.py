"""Per-parent requests for a batch of parents (one list page of them), answers in the batch's order.

Every per-parent read (a conversation's messages, a profile's data, an article's own routes, the per-parent
streams) goes through `FanOut.map`, one parent page at a time, so the page's records are all emitted before
the checkpoint that follows the page: checkpoints stay exactly as correct as a sequential read.

The work of a batch runs on a bounded thread pool (`max_concurrency` threads, created on first use, shut
down by `close` at the end of the sync). How many run at once follows `Pacing.limit` (pacing.py): halved on a
rate limit, back up slowly. Answers are yielded in the batch's order whatever order they complete in; an
exception is raised at its parent's place, after the answers before it, and the rest of the batch is
cancelled (work already running is waited for, so no thread outlives the batch's generator).

With max_concurrency 1, a batch of one, or when called from a worker of the pool itself (a work item that
fans out again), the batch runs sequentially in the calling thread: nested batches never wait on the pool
that runs them.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from source_crisp.pacing import Pacing

T = TypeVar("T")
R = TypeVar("R")
_IN_POOL = threading.local()


class FanOut:
    def __init__(self, max_concurrency: int = 1, pacing: Pacing | None = None) -> None:
        self.pacing = pacing or Pacing(max_concurrency)
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def max_concurrency(self) -> int:
        return self.pacing.ceiling

    def map(self, work: Callable[[T], R], batch: Sequence[T]) -> Iterator[R]:
        """`work(parent)` for each parent of the batch, yielded in the batch's order."""
        parents = list(batch)
        if self.pacing.ceiling <= 1 or len(parents) <= 1 or getattr(_IN_POOL, "active", False):
            for parent in parents:
                yield work(parent)
            return
        pool = self._executor()
        waiting = iter(parents)
        pending: deque[Future[R]] = deque()  # submitted, in the batch's order, not yet yielded
        more = True
        try:
            while True:
                running = [future for future in pending if not future.done()]
                failed = any(future.done() and future.exception() is not None for future in pending)
                while more and not failed and len(running) < self.pacing.limit:
                    parent = next(waiting, _END)
                    if parent is _END:
                        more = False
                        break
                    pending.append(pool.submit(work, parent))  # type: ignore[arg-type]
                    running.append(pending[-1])
                if not pending:
                    return
                if pending[0].done():
                    yield pending.popleft().result()  # raises the work's exception, in order
                    continue
                wait(running, return_when=FIRST_COMPLETED)
        finally:
            for future in pending:
                future.cancel()
            wait(pending)

    def close(self) -> None:
        """Shut the pool down (end of sync); a later batch starts a new one."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self.pacing.ceiling, thread_name_prefix="crisp-fanout", initializer=_mark_pool_thread
                )
            return self._pool


def _mark_pool_thread() -> None:
    _IN_POOL.active = True


_END = object()
