"""Which stream sent each request: the stream being read when the request was made.

A stream's read runs inside `StreamRequests.reading(name)`; the client calls `note_request()` once per
request it sends (each retry too: each costs quota). A page a later stream reads from the page store costs it
nothing, because no request is sent. The stream being read is a context variable, so a request sent on a
worker thread counts for the stream that launched the work as long as the work runs in a copy of the
launching context: `in_this_stream(work)` gives such a callable (a thread does not inherit context
variables by itself). Requests outside any stream's read (check, discover) are not counted here.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, copy_context
from typing import TypeVar

R = TypeVar("R")
_READING: ContextVar[tuple[StreamRequests, str] | None] = ContextVar("crisp_stream_reading", default=None)


class StreamRequests:
    """Requests per stream for one sync; thread-safe."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def reading(self, stream: str) -> Iterator[None]:
        previous = _READING.get()
        _READING.set((self, stream))
        try:
            yield
        finally:
            # set, not reset(token): a stream's read is a generator, which may be closed from another context
            _READING.set(previous)

    def of(self, stream: str) -> int:
        with self._lock:
            return self._counts[stream]

    def _add(self, stream: str) -> None:
        with self._lock:
            self._counts[stream] += 1


def note_request() -> None:
    """One request sent: counted for the stream being read, if any."""
    reading = _READING.get()
    if reading is not None:
        reading[0]._add(reading[1])


def in_this_stream(work: Callable[..., R]) -> Callable[..., R]:
    """`work`, counting its requests for the stream being read now, wherever (whichever thread) it runs."""
    launched = copy_context()
    # A context can be entered by one thread at a time: each call runs in its own copy.
    return lambda *args, **kwargs: launched.copy().run(work, *args, **kwargs)


