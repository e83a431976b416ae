"""Dates and variable values from the config -> epoch milliseconds (Crisp's unit)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime

from source_crisp.assumptions import EPOCH_MS_THRESHOLD, RECORD_SECONDS_FROM

ACCEPTED_FORMATS = (
    "an ISO-8601 date (2024-05-01), an ISO-8601 datetime (2024-05-01T12:30:00Z; UTC when no offset), "
    "epoch seconds (1714566600) or epoch milliseconds (1714566600000)"
)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Dates a sync can use: epoch ms from 1970 up to the end of year 9998. Later ones cannot be written as Crisp's
# ISO filter (one second past 9999-12-31T23:59:59 is the year 10000) and mean nothing for a chat history.
EARLIEST_MS, LATEST_MS = 0, 253_370_764_799_999  # 9998-12-31T23:59:59.999Z


class DateValueError(ValueError):
    """A value is not a date we understand; the message names the field and the accepted formats."""


def to_epoch_ms(value: object, field: str) -> int:
    """Parse a config date. Raises DateValueError naming `field`."""
    if isinstance(value, bool) or value is None:
        raise DateValueError(f"{field}: {value!r} is not a date; use {ACCEPTED_FORMATS}.")
    if not isinstance(value, float) and _COMPACT_DATE.match(str(value).strip()):
        text = str(value).strip()
        raise DateValueError(
            f"{field}: {text!r} is ambiguous: as epoch seconds it is {iso_utc(int(text) * 1000)[:10]}. Write "
            f"the date as {text[:4]}-{text[4:6]}-{text[6:]}, or epoch milliseconds for that instant."
        )
    if isinstance(value, int | float):
        return _within_range(_epoch_to_ms(float(value)), value, field)
    text = str(value).strip()
    if _NUMBER.match(text):
        return _within_range(_epoch_to_ms(float(text)), text, field)
    try:
        if _DATE.match(text):
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        else:
            parsed = datetime.fromisoformat(text.replace("t", "T").replace("z", "Z"))  # RFC 3339 §5.6
    except ValueError:
        raise DateValueError(
            f"{field}: {text!r} is not a date; use {ACCEPTED_FORMATS}.{_hint(text)}"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return _within_range(round(parsed.timestamp() * 1000), text, field)


# A time zone written by name after an ISO datetime (`2026-03-29T02:30:00 Europe/Paris`, `[Europe/Paris]`).
_ZONE_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ][\d:.]+\s*\[?[A-Za-z][A-Za-z_+/-]*\]?$")
# A compact date (20240501) would read as epoch seconds (1970-08-23): refused, it is surely not meant.
_COMPACT_DATE = re.compile(r"^(19[7-9]\d|2\d{3})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")


def _hint(text: str) -> str:
    if _ZONE_NAME.match(text):
        return (
            " Time zone names are not read, as a local time can be ambiguous or missing when clocks change "
            "(2026-03-29T02:30 does not exist in Europe/Paris): write the offset instead "
            "(2026-03-29T01:30:00+01:00) or the UTC time with Z."
        )
    return ""


def _epoch_to_ms(number: float) -> float:
    return number if abs(number) >= EPOCH_MS_THRESHOLD else number * 1000


def _within_range(epoch_ms: float, shown: object, field: str) -> int:
    if not EARLIEST_MS <= epoch_ms <= LATEST_MS:  # also rejects inf and nan
        raise DateValueError(
            f"{field}: {shown!r} is outside the dates a sync can use (1970-01-01 to 9998-12-31, UTC)."
        )
    return int(epoch_ms) if abs(epoch_ms) >= EPOCH_MS_THRESHOLD else round(epoch_ms)


def cursor_value(value: object) -> int | None:
    """A cursor value from a Crisp record as epoch ms, or None when it is not a usable date: Crisp sends
    integers, but a hostile or drifting API may send a numeric string, a float, a word or an absurd number.
    Numbers and numeric strings are taken as epoch ms (Crisp's unit); anything else is None (the caller counts
    it). Never raises."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        if not _NUMBER.match(value.strip()):
            return None
        value = float(value)
    # Any finite number a date can be (a date before 1970 is odd, yet orders fine); not NaN, inf or 1e300.
    if not isinstance(value, int | float) or not -LATEST_MS <= value <= LATEST_MS:
        return None
    return int(value)


SECONDS, ISO_TEXT = "epoch seconds", "ISO-8601 text"  # how record_cursor read a value that was not epoch ms


def record_cursor(value: object) -> tuple[int | None, str | None]:
    """A record's cursor value as epoch ms, and how it was read when Crisp did not send epoch ms (SECONDS,
    ISO_TEXT; assumptions.RECORD_SECONDS_FROM). (None, None) when it is no date at all. Never raises."""
    if isinstance(value, str) and not _NUMBER.match(value.strip()):
        try:
            return to_epoch_ms(value, "cursor"), ISO_TEXT
        except DateValueError:
            return None, None
    epoch = cursor_value(value)
    if epoch is not None and RECORD_SECONDS_FROM <= epoch < EPOCH_MS_THRESHOLD:
        return epoch * 1000, SECONDS
    return epoch, None


def resolve_variable(value: str, field: str, environ: Mapping[str, str] | None = None) -> str:
    """`$NAME` reads the environment variable NAME; anything else is the literal value."""
    text = str(value).strip()
    if not text.startswith("$"):
        return text
    name = text[1:]
    env = os.environ if environ is None else environ
    if not name or name not in env:
        raise DateValueError(
            f"{field}: environment variable {name or '(empty name)'!r} is not set; "
            f"set it to {ACCEPTED_FORMATS}, or put the value itself in {field}."
        )
    return env[name]


def iso_utc(epoch_ms: int) -> str:
    """Crisp's filter_date_* format: ISO-8601 with milliseconds and Z."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
