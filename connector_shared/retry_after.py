"""A `Retry-After` header read the same way by both connectors (RFC 7231 §7.1.3: seconds or an HTTP date).

A header that names no usable wait (`nan`, `inf`, `-1e999`, gibberish) is None, so the caller's own backoff
applies; a date is measured against `now`, the caller's best idea of the server's clock; a moment passed is 0.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def retry_after_seconds(header: str | None, now: datetime) -> float | None:
    """Seconds to wait, or None when the header is absent or names no usable number or date."""
    if not header:
        return None
    try:
        seconds = float(header)
    except ValueError:
        try:
            moment = parsedate_to_datetime(header)
            # RFC 7231 §7.1.1.1: HTTP dates are GMT; the asctime form carries no zone at all.
            moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
            seconds = (moment - now).total_seconds()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None
