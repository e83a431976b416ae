"""A 413 (payload too large) on a message: sent once more with its content cut, never retried as is.

Convot documents no size limit and no 413 (§2.10 of the reference). A message is the one object that can be
cut without losing what it is: its thread, author and time stay, the text is kept up to
`assumptions.CONTENT_CHARS_AFTER_413` (or half of it, whichever is shorter) and ends with a note saying how
much was left out, and a warning names it. If the shorter one is refused too, it is a rejection like any other
(counted and named by the caller); other objects (contacts, articles) are rejections at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from destination_convot import assumptions
from destination_convot.errors import ConvotTooLarge

logger = logging.getLogger("airbyte")
T = TypeVar("T")


def shorter_content(payload: Mapping[str, Any]) -> dict[str, Any] | None:
    """The payload with its content cut (and the note appended), or None when there is nothing to cut."""
    content = payload.get("content")
    if not isinstance(content, str):
        return None
    keep = min(assumptions.CONTENT_CHARS_AFTER_413, len(content) // 2)
    if keep < 1:
        return None
    note = assumptions.TRUNCATION_NOTE.format(left_out=len(content) - keep)
    return {**payload, "content": content[:keep] + note}


def send_fitting(send: Callable[[Mapping[str, Any]], T], payload: Mapping[str, Any], what: str) -> T:
    """`send(payload)`; after a 413, `send` once more with the content cut (one retry, never a loop)."""
    try:
        return send(payload)
    except ConvotTooLarge as error:
        shorter = shorter_content(payload)
        if shorter is None:
            raise
        logger.warning(
            f"Convot refused {what} as too large ({error.status} on {error.request}): sending it again with "
            f"its content cut from {len(payload['content'])} to {assumptions.CONTENT_CHARS_AFTER_413} "
            "characters at most, ending with a note that says so."
        )
        return send(shorter)
