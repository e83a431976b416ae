"""Hearing what the connectors log on the "airbyte" logger, whatever ran before in the same pytest process.

PyAirbyte turns that logger's propagation off for the rest of the process, so pytest's caplog (and the
output the CDK's test wrapper captures) may miss warnings once test_pyairbyte.py has run."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def heard(level: int = logging.WARNING) -> Iterator[list[str]]:
    """The messages logged on the "airbyte" logger at `level` or above while the block runs."""
    messages: list[str] = []
    listener = logging.Handler(level)
    listener.emit = lambda record: messages.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("airbyte")
    logger.addHandler(listener)
    try:
        yield messages
    finally:
        logger.removeHandler(listener)
