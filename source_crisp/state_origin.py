"""Which read a saved state belongs to: a state is applied only to what it was read from.

A state's values say what was emitted from ONE website's list, on ONE cursor, under ONE comparison. Applied
anywhere else they hide data: a connection pointed at another `website_id` kept the old high-water mark and
emitted 0 of 80 conversations, and saved a state that went on hiding the new website's older ones. So every
state an incremental read writes carries its origin under READ_FROM:

    "read_from": {"website_id": ..., "cursor": ..., "comparison": ..., "page_size": ...}

- website, cursor and comparison decide what the values MEAN (whose records, which field, which side of the
  reference was emitted). A state whose origin differs in any of them is not applied: the stream reads from
  the start, with a warning naming what differs, and its next state is this read's.
- the page size decides only what the page POSITIONS mean (an interrupted scan's `resume_page`, the rotating
  slice's `slice_page` and `list_pages`): the cursor values are kept, the interrupted scan restarts at page 1
  and the slice's positions are scaled to the new size.
- the reference (last run, fixed date, variable) is not part of it: a variable reference changes on every run
  by design, and the state claims exactly what was emitted whatever the reference (incremental.py), so a
  state read under one reference is right under another.

A state without an origin was written before states carried one: it is taken as this read's (the website
cannot be checked) and carries the origin from its next checkpoint on.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from source_crisp.config import config_error

READ_FROM = "read_from"
MEANING = ("website_id", "cursor", "comparison")  # a difference in any: the values mean something else
# Positions in an interrupted unsorted scan (streams.py): a restart from page 1 replaces them.
SCAN_POSITIONS = ("resume_page", "resume_after", "scan_high", "safe_high")
# Positions of the rotating slice (rotating_slice.py): scaled to the new page size.
SLICE_POSITIONS = ("slice_page", "list_pages")


@dataclass(frozen=True)
class StateOrigin:
    website_id: str
    cursor: str
    comparison: str
    page_size: int

    def stamp(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """The state as saved: its values and where they were read from."""
        return {**state, READ_FROM: asdict(self)}

    def applicable(self, stream: str, state: Mapping[str, Any], logger: logging.Logger) -> dict[str, Any]:
        """The part of a saved state this read may use ({} = read from the start), warning when a state is
        set aside. The origin itself is removed (it is written again with every checkpoint)."""
        values = {key: value for key, value in state.items() if key != READ_FROM}
        saved = state.get(READ_FROM)
        if saved is None:
            if values and self.cursor not in values:
                logger.warning(
                    f"{stream}: the saved state holds no '{self.cursor}' (it was saved for another cursor: "
                    f"{', '.join(sorted(values))}), so it is not applied: the stream reads from the start."
                )
            return values
        if not isinstance(saved, Mapping):
            raise config_error(
                f"The saved state of stream '{stream}' is malformed: '{READ_FROM}' must be an object naming "
                f"{', '.join(MEANING)} and page_size; got {saved!r:.80}. Fix the state, or reset the "
                "stream's state to read it again from the start."
            )
        differs = [name for name in MEANING if _normal(saved.get(name)) != _normal(getattr(self, name))]
        if differs:
            what = "; ".join(f"{name} {saved.get(name)!r}, now {getattr(self, name)!r}" for name in differs)
            logger.warning(
                f"{stream}: the saved state was read with another {', '.join(differs)} ({what}), so its "
                "values do not say what this read has emitted: it is not applied. The stream reads from the "
                "start, and saves a state of its own."
            )
            return {}
        return self._positions_for_page_size(stream, values, saved.get("page_size"), logger)

    def _positions_for_page_size(
        self, stream: str, values: dict[str, Any], saved_size: Any, logger: logging.Logger
    ) -> dict[str, Any]:
        moved = [key for key in (*SCAN_POSITIONS, *SLICE_POSITIONS) if key in values]
        if saved_size == self.page_size or not moved:
            return values
        if not isinstance(saved_size, int) or isinstance(saved_size, bool) or saved_size < 1:
            saved_size = None
        for key in SCAN_POSITIONS:
            values.pop(key, None)
        for key in SLICE_POSITIONS:
            page = values.get(key)
            if saved_size is None or not isinstance(page, int) or page < 1:
                values.pop(key, None)
            elif key == "slice_page":  # the first item of that page, on a page of the new size
                values[key] = (page - 1) * saved_size // self.page_size + 1
            else:
                values[key] = math.ceil(page * saved_size / self.page_size)
        logger.info(
            f"{stream}: the saved state's page positions were counted in pages of {saved_size} items, this "
            f"read's hold {self.page_size}: an interrupted scan restarts at page 1 and the rotating slice's "
            "place is scaled (the cursor values are kept)."
        )
        return values


def _normal(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value
