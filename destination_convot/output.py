"""stdout as the platform reads it: one write per message, and a reader that went away (SIGPIPE) is a stop.

Python ignores SIGPIPE, so a closed stdout shows as BrokenPipeError on the next write. Uncaught, it ended the
run with a traceback mid-write and a second one at exit (the flush of the buffered rest). Here the first
broken write points stdout at /dev/null (log lines and the exit flush then go nowhere instead of failing),
says so on stderr, and calls `on_closed` so the writer stops as on SIGTERM: in-flight writes finish and the
ledger is flushed; no state can reach the platform any more, so a re-run resumes from the last one it read.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


class Stdout:
    def __init__(self, on_closed: Callable[[], None]) -> None:
        self._on_closed = on_closed
        self.closed = False

    def emit(self, line: str) -> None:
        """Write and flush one whole message line; after the reader went away, drop it."""
        if self.closed:
            return
        try:
            sys.stdout.write(line)
            sys.stdout.flush()
        except BrokenPipeError:
            self._reader_gone()

    def _reader_gone(self) -> None:
        self.closed = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        sys.stderr.write(
            "destination-convot: stdout was closed by the platform (broken pipe): stopping after in-flight "
            "writes; nothing more can be reported, and a re-run resumes from the last state it received.\n"
        )
        sys.stderr.flush()
        self._on_closed()
