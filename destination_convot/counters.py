"""Live counters: what was imported, updated, left unchanged or skipped (with why), and time paused.

Logged every few seconds by a small reporter thread and summarised at the end of a sync.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable

logger = logging.getLogger("airbyte")

KINDS = ("contacts", "conversations", "messages", "events", "files", "languages", "categories", "articles")
CREATED, UPDATED, UNCHANGED, REJECTED = "imported", "updated", "unchanged", "rejected"
MATCHED = "matched in Convot"  # held by Convot though the ledger did not know it (rebuild.py)
WOULD_CREATE, ALREADY_IMPORTED = "new", "already imported"  # preview outcomes
# Kept pending at the end of a sync, reported as skips (a preview gives the same reasons)
EMPTY_CONVERSATION = "empty (no message yet): kept pending"
ORPHAN_MESSAGE = "waiting for their conversation: kept pending"
# Kept pending because Convot refused what they hang on (a re-run offers them again): counted as that, not as
# waiting for something that has not come.
CONTACT_REJECTED = "not written: their contact was rejected by Convot (kept pending)"
CONVERSATION_REJECTED = "not written: their conversation was rejected by Convot (kept pending)"
API_IDENTITY = "attributed to the API identity"
# Written, but without what Convot ignores (the guesses' warnings say why)
DATED_AT_IMPORT = "dated at import time (Convot does not keep created_at)"
TYPE_NOT_KEPT = "incoming or note stored without its type (Convot does not keep type)"


class Counters:
    def __init__(self, paused_seconds: Callable[[], float] = lambda: 0.0) -> None:
        self._lock = threading.Lock()
        self._outcomes: Counter[tuple[str, str]] = Counter()
        self._skipped: Counter[str] = Counter()
        self._paused_seconds = paused_seconds

    def add(self, kind: str, outcome: str, amount: int = 1) -> None:
        with self._lock:
            self._outcomes[(kind, outcome)] += amount

    def skip(self, kind: str, reason: str, amount: int = 1) -> None:
        with self._lock:
            self._skipped[f"{kind}: {reason}"] += amount

    def get(self, kind: str, outcome: str) -> int:
        with self._lock:
            return self._outcomes[(kind, outcome)]

    def skipped(self) -> dict[str, int]:
        with self._lock:
            return dict(self._skipped)

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            outcomes: dict[str, dict[str, int]] = {}
            for (kind, outcome), count in sorted(self._outcomes.items()):
                outcomes.setdefault(kind, {})[outcome] = count
            return {
                "written": outcomes,
                "skipped": dict(sorted(self._skipped.items())),
                "paused_seconds": round(self._paused_seconds(), 2),
            }

    def line(self) -> str:
        snap = self.snapshot()
        parts = [
            f"{kind} " + ", ".join(f"{count} {outcome}" for outcome, count in outcomes.items())
            for kind, outcomes in snap["written"].items()  # type: ignore[union-attr]
        ]
        skipped = snap["skipped"]
        if skipped:
            parts.append("skipped " + "; ".join(f"{count} {reason}" for reason, count in skipped.items()))  # type: ignore[union-attr]
        parts.append(f"paused {snap['paused_seconds']}s on rate limits")
        return " | ".join(parts)


class CounterReporter:
    """Logs the counters every `interval` seconds until stopped."""

    def __init__(self, counters: Counters, interval: float = 5.0) -> None:
        self._counters = counters
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="convot-counters", daemon=True)

    def __enter__(self) -> CounterReporter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            logger.info(f"Convot import progress: {self._counters.line()}")
