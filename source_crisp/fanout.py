"""Per-parent requests for a batch of parents (one list page of them), answers in the batch's order.

Every per-parent read (a conversation's messages, a profile's data, an article's own routes, the per-parent
streams) goes through `FanOut.map`, one parent page at a time, so the page's records are all emitted before
the checkpoint that follows the page: checkpoints stay exactly as correct as a sequential read.

This first version runs the batch sequentially; the concurrent, rate-limit-adaptive pool replaces the body
of `map` and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


class FanOut:
    def __init__(self, max_concurrency: int = 1) -> None:
        self.max_concurrency = max_concurrency

    def map(self, work: Callable[[T], R], batch: Sequence[T]) -> Iterator[R]:
        """`work(parent)` for each parent of the batch, yielded in the batch's order."""
        for parent in batch:
            yield work(parent)
