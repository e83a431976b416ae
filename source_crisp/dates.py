"""Dates and variable values from the config -> epoch milliseconds (Crisp's unit)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime

from source_crisp.assumptions import EPOCH_MS_THRESHOLD

ACCEPTED_FORMATS = (
    "an ISO-8601 date (2024-05-01), an ISO-8601 datetime (2024-05-01T12:30:00Z; UTC when no offset), "
    "epoch seconds (1714566600) or epoch milliseconds (1714566600000)"
)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class DateValueError(ValueError):
    """A value is not a date we understand; the message names the field and the accepted formats."""


def to_epoch_ms(value: object, field: str) -> int:
    """Parse a config date. Raises DateValueError naming `field`."""
    if isinstance(value, bool) or value is None:
        raise DateValueError(f"{field}: {value!r} is not a date; use {ACCEPTED_FORMATS}.")
    if isinstance(value, int | float):
        return _epoch_to_ms(float(value))
    text = str(value).strip()
    if _NUMBER.match(text):
        return _epoch_to_ms(float(text))
    try:
        if _DATE.match(text):
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        else:
            parsed = datetime.fromisoformat(text)
    except ValueError:
        raise DateValueError(f"{field}: {text!r} is not a date; use {ACCEPTED_FORMATS}.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return round(parsed.timestamp() * 1000)


def _epoch_to_ms(number: float) -> int:
    return int(number) if abs(number) >= EPOCH_MS_THRESHOLD else round(number * 1000)


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
