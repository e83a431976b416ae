"""Which facts a write may still be waiting for: no write depends on the order streams arrive in.

Convot cannot edit a message once posted, so an operator message sent before its operator's record arrived
would lose its `operator_id` for good. A fact is settled for this sync once its record has been read in this
sync, or once its stream cannot bring more: the stream is not in the catalog, it reported COMPLETE (or
INCOMPLETE: it will send nothing else), or the input ended. Airbyte may not forward stream statuses, so the
end of input is what always settles everything.

Only operators are awaited: they are the one fact consumed by a write Convot cannot redo. The other facts and
dependencies are order-proof by construction (test_destination_stream_order.py checks each order):
sections, categories and locales are only read by the helpdesk pass after the end of input; people data
waits for its profile (conversations.py `_contact_lane`); a contact first made from a conversation's meta is
upserted again by its profile, which wins; messages wait for their conversation, events for their contact,
files for the end of input.

What is held is the ids of the operators read so far (a workspace's operators: a few hundred at most); the
records that wait stay pending in the ledger, so memory does not grow with them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

# Fact kind -> the stream that carries it.
AWAITED = {"operator": "operators"}


class AwaitedFacts:
    def __init__(self, catalog_streams: Iterable[str] | None = None) -> None:
        """`catalog_streams`: the streams of the configured catalog (None: any stream may come)."""
        streams = None if catalog_streams is None else set(catalog_streams)
        self._open = {stream for stream in AWAITED.values() if streams is None or stream in streams}
        self._read: dict[tuple[str, str], set[str]] = {}  # (kind, website) -> crisp ids read in this sync
        self._lock = threading.Lock()  # lanes ask from worker threads while the reader adds

    def read(self, kind: str, keys: Iterable[tuple[str, str]]) -> None:
        """Records of a fact kind were stored in the ledger (called only after they are durable)."""
        with self._lock:
            for website_id, crisp_id in keys:
                self._read.setdefault((kind, website_id), set()).add(crisp_id)

    def stream_ended(self, stream: str) -> bool:
        """The stream will send nothing more; True if something was waiting for it."""
        with self._lock:
            if stream not in self._open:
                return False
            self._open.discard(stream)
            return True

    def input_ended(self) -> None:
        with self._lock:
            self._open.clear()

    def settled(self, kind: str, website_id: str, crisp_id: str) -> bool:
        """Whether the ledger's fact (or its absence) is final for this sync."""
        with self._lock:
            if AWAITED.get(kind) not in self._open:
                return True
            return crisp_id in self._read.get((kind, website_id), ())
