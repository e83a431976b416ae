"""What every import step shares, and the runner that executes independent lanes concurrently.

A lane is a callable that must run its own requests in order (one conversation: create, messages oldest first,
status); different lanes run in parallel on `max_concurrency` threads. One failure that must stop the sync
(Convot unavailable, auth) stops the other lanes from starting new requests; in-flight requests finish.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
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
    failed: threading.Event = field(
        default_factory=threading.Event
    )  # a lane hit a failure that ends the sync

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


def run_lanes(context: WorkContext, lanes: Iterable[Lane]) -> None:
    lanes = list(lanes)
    if not lanes:
        return
    failure: list[BaseException] = []
    failure_lock = threading.Lock()

    def guarded(lane: Lane) -> None:
        if context.should_stop():
            return
        try:
            lane()
        except BaseException as exc:  # noqa: BLE001 - re-raised below, after the other lanes stopped
            context.failed.set()
            with failure_lock:
                failure.append(exc)

    workers = min(context.config.max_concurrency, len(lanes))
    if workers == 1:
        for lane in lanes:
            guarded(lane)
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="convot") as pool:
            list(pool.map(guarded, lanes))
    if failure:
        raise failure[0]
