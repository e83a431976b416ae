"""Every list page read in one sync, for every later walk of the same list with the same query.

Several streams of a sync walk the same list: conversations, then conversation_messages (and every other
per-conversation stream) walk the conversations list; people_data walks the profiles; the helpdesk streams
walk the locales and categories, and the helpdesk probe reads their first pages. Each page is asked of Crisp
once per sync (path and query are the key); the later walks read it here, so the streams of one sync see one
snapshot of each list (why nothing is lost: docs/source-crisp.md, "One walk of each list per sync").

Memory stays flat in N: the last `in_memory` pages are held as read; every page is also written to a
temporary file, which the later walks read back. The file has no name (tempfile.TemporaryFile: unlinked at
creation under the system temp dir, mode 0600), so nothing is left behind even when the sync is killed. It
holds workspace data only: the reader never stores the pages of an object with secret fields (operators'
tokens: CrispObject.never_emit). An index entry per page (a 16-byte digest and one integer) is all that grows
with the number of pages.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import IO, Any

Items = list[dict[str, Any]]
IN_MEMORY_PAGES = 8  # a walk reads pages in order: a few recent ones serve a walk right behind another
_LENGTH_BITS = 40  # index value = offset << 40 | length: one int per page


class Absent:
    """Crisp answered that the list is not there (a 404 the request's policy skips): kept, so a later walk
    with the same policy does not ask again."""


ABSENT = Absent()


class PageStore:
    """Thread-safe: per-parent walks may run on FanOut's worker threads."""

    def __init__(self, in_memory: int = IN_MEMORY_PAGES) -> None:
        self._in_memory = in_memory
        self._recent: OrderedDict[bytes, Items | Absent] = OrderedDict()
        self._index: dict[bytes, int] = {}
        self._file: IO[bytes] | None = None
        self._size = 0
        self._lock = threading.Lock()

    @staticmethod
    def key(path: str, query: Mapping[str, Any] | None) -> bytes:
        text = json.dumps([path, sorted((str(k), str(v)) for k, v in (query or {}).items())])
        return hashlib.blake2b(text.encode(), digest_size=16).digest()

    def get(self, key: bytes) -> Items | Absent | None:
        """The page stored under `key`, None when this sync has not read it."""
        with self._lock:
            if key in self._recent:
                self._recent.move_to_end(key)
                return self._recent[key]
            where = self._index.get(key)
            if where is None or self._file is None:
                return None
            raw = os.pread(self._file.fileno(), where & ((1 << _LENGTH_BITS) - 1), where >> _LENGTH_BITS)
        page = json.loads(raw)
        return ABSENT if page is None else page

    def put(self, key: bytes, page: Items | Absent) -> None:
        """Store (or replace, after a re-read) the page read under `key`."""
        raw = json.dumps(None if page is ABSENT else page, separators=(",", ":")).encode()
        with self._lock:
            if self._file is None:
                # Closed by close() at the end of the sync, not by a with block: it outlives this call.
                self._file = tempfile.TemporaryFile(prefix="source-crisp-pages-")  # noqa: SIM115
            os.pwrite(self._file.fileno(), raw, self._size)
            self._index[key] = self._size << _LENGTH_BITS | len(raw)
            self._size += len(raw)
            self._recent[key] = page
            self._recent.move_to_end(key)
            while len(self._recent) > self._in_memory:
                self._recent.popitem(last=False)

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
            self._index.clear()
            self._recent.clear()
            self._size = 0

    @property
    def pages(self) -> int:
        return len(self._index)
