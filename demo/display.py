"""Terminal output of the demo: step headings, aligned tables and a live progress line."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

INTERACTIVE = sys.stdout.isatty()


def heading(number: int, title: str) -> None:
    print(f"\n== {number}. {title}")


def note(text: str) -> None:
    print(f"   {text}")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Left-align text, right-align numbers, like a report a person reads."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max([len(header), *(len(row[i]) for row in cells)]) for i, header in enumerate(headers)]
    numeric = [_all_numbers(row[i] for row in rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return "   " + "  ".join(parts).rstrip()

    print(line(list(headers)))
    print("   " + "  ".join("-" * w for w in widths))
    for row in cells:
        print(line(row))


def _all_numbers(values) -> bool:
    values = list(values)
    return bool(values) and all(isinstance(value, int | float) for value in values)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if value is None:
        return "-"
    return str(value)


class ProgressLine:
    """One line rewritten in place on a terminal; a line per interval when output goes to a file or CI log."""

    def __init__(self, interval: float = 1.0) -> None:
        self._interval = interval
        self._last_printed = 0.0
        self._text = ""

    def update(self, text: str) -> None:
        self._text = text
        if INTERACTIVE:
            print(f"\r   {text}\033[K", end="", flush=True)
        elif time.monotonic() - self._last_printed >= self._interval:
            print(f"   {text}", flush=True)
            self._last_printed = time.monotonic()

    def finish(self, text: str) -> None:
        if INTERACTIVE:
            print(f"\r   {text}\033[K", flush=True)
        else:
            print(f"   {text}", flush=True)
