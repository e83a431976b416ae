"""Which stream sent each request: the stream being read when the request was sent.

A stream's read runs inside `StreamRequests.reading(name)`; the client calls `note_request()` once per
request it sends (each retry too: each costs quota). A page a later stream reads from the page store costs it
nothing, because no request is sent.

The stream being read is one value for the whole process, not per thread: the CDK reads the streams of a
sync one after the other, and the fan-out's worker threads only ever work for the stream being read (a batch
ends before its stream's read goes on), so a request sent on a worker thread counts for the stream that
launched it without the pool passing anything along. Requests outside any stream's read (check, discover) are
not counted here.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class StreamRequests:
    """Requests per stream for one sync; thread-safe."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def reading(self, stream: str) -> Iterator[None]:
        global _reading
        previous, _reading = _reading, (self, stream)
        try:
            yield
        finally:
            _reading = previous

    def of(self, stream: str) -> int:
        with self._lock:
            return self._counts[stream]

    def add(self, stream: str) -> None:
        with self._lock:
            self._counts[stream] += 1


_reading: tuple[StreamRequests, str] | None = None  # the stream being read, and the sync's counts


def note_request() -> None:
    """One request sent: counted for the stream being read, if any."""
    reading = _reading  # one read of the reference: another thread may end the stream meanwhile
    if reading is not None:
        reading[0].add(reading[1])


def stream_being_read() -> str | None:
    """The name of the stream being read, None outside any stream's read (check, discover)."""
    reading = _reading
    return reading[1] if reading is not None else None
