"""What stands between hostile values and the incremental state.

- A saved state is checked before it is used: every field a stream reads from it must have its shape, or the
  run stops with a config error naming the stream and the field (a malformed `covered` once crashed with
  "not enough values to unpack").
- A cursor far in the future never becomes the high-water mark: one record dated year 3000 would otherwise
  hide every later change from every later incremental sync. "Far" is more than FUTURE_TOLERANCE ahead of
  Crisp's clock, read from the HTTP `Date` header of its last answer (our own clock when it sends none).
  Such a record is still emitted; the state ignores it, and a warning says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from source_crisp.config import config_error
from source_crisp.dates import cursor_value, iso_utc

FUTURE_TOLERANCE = timedelta(days=1)


@dataclass
class Horizon:
    """Cursor values later than Crisp's clock + FUTURE_TOLERANCE are not trusted as a high-water mark."""

    clock: Callable[[], datetime]
    ignored: int = 0
    latest_ignored: int | None = None

    def trusted(self, value: int | None) -> bool:
        limit = round((self.clock() + FUTURE_TOLERANCE).timestamp() * 1000)
        if value is None or value <= limit:
            return True
        self.ignored += 1
        self.latest_ignored = max(value, self.latest_ignored or value)
        return False

    def report(self, stream: str, cursor: str, logger: logging.Logger) -> None:
        if self.ignored and self.latest_ignored is not None:
            logger.warning(
                f"{stream}: {self.ignored} record(s) had a '{cursor}' more than a day ahead of Crisp's clock "
                f"(latest {iso_utc(self.latest_ignored)}). They were emitted, but not used as the state's "
                "high-water mark, so later syncs still see new changes; they are emitted again on each sync "
                "until that date."
            )


# State fields: (what they hold, whether null is allowed).
_INTEGER_FIELDS = {
    "resume_page": False, "slice_page": False, "list_pages": False, "scan_high": True, "safe_high": True,
}  # fmt: skip
# Set once Crisp contradicted assumptions.CHILDREN_BUMP_UPDATED_AT: every incremental read of the stream
# visits every conversation (conversation_streams.ConversationChildStream).
VISIT_EVERY_CONVERSATION = "visit_every_conversation"


def validated_state(
    stream: str, cursor: str, state: Mapping[str, Any], horizon: Horizon, logger: logging.Logger
) -> dict[str, Any]:
    """The stream's saved state for `cursor`, with numbers as ints; {} when it belongs to another cursor.

    Raises a config error naming the field when a value has the wrong shape. A saved high-water mark beyond
    the horizon is kept (Airbyte's "abnormal state" convention) but warned about: it hides every change
    until that date."""
    if cursor not in state:
        return {}
    checked = dict(state)
    checked[cursor] = _integer(stream, cursor, state[cursor], nullable=True)
    for name, nullable in _INTEGER_FIELDS.items():
        if name in state:
            checked[name] = _integer(stream, name, state[name], nullable=nullable)
    for page in ("resume_page", "slice_page", "list_pages"):
        if page in checked and checked[page] < 1:
            raise _state_error(stream, page, state[page], "a page number >= 1")
    if VISIT_EVERY_CONVERSATION in state and not isinstance(state[VISIT_EVERY_CONVERSATION], bool):
        raise _state_error(stream, VISIT_EVERY_CONVERSATION, state[VISIT_EVERY_CONVERSATION], "true or false")
    if "covered" in state:
        checked["covered"] = _ranges(stream, state["covered"])
    high_water = checked[cursor]
    if not horizon.trusted(high_water):
        # Kept, as Airbyte's acceptance tests expect of an abnormal (future) state: the user may have set it
        # on purpose. This version never writes one, so say what it does and how to undo it.
        logger.warning(
            f"{stream}: the saved state's '{cursor}' ({iso_utc(high_water)}) is more than a day ahead of "
            "Crisp's clock, so records changed before that date are not read. If that is not intended, "
            "reset the stream's state."
        )
    return checked


def _integer(stream: str, name: str, value: Any, nullable: bool) -> int | None:
    if value is None and nullable:
        return None
    parsed = cursor_value(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    if parsed is None or parsed != value:
        raise _state_error(stream, name, value, "an integer (epoch milliseconds or a page number)")
    return parsed


def _ranges(stream: str, value: Any) -> list[list[int]]:
    what = "a list of [low, high] pairs of epoch milliseconds with low < high"
    if not isinstance(value, list):
        raise _state_error(stream, "covered", value, what)
    ranges = []
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2:
            raise _state_error(stream, "covered", value, what)
        low, high = (_integer(stream, "covered", bound, nullable=False) or 0 for bound in pair)
        if low >= high:
            raise _state_error(stream, "covered", value, what)
        ranges.append([low, high])
    return ranges


def _state_error(stream: str, name: str, value: Any, what: str) -> Exception:
    shown = repr(value)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    return config_error(
        f"The saved state of stream '{stream}' is malformed: '{name}' must be {what}; got {shown}. Fix the "
        "state, or reset the stream's state to read it again from the start."
    )
