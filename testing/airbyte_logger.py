"""Hearing what the connectors log on the "airbyte" logger, whatever ran before in the same pytest process.

PyAirbyte turns that logger's propagation off for the rest of the process, so pytest's caplog (and the
output the CDK's test wrapper captures) would miss warnings once test_pyairbyte.py has run: that module puts
the logger back as it found it (`restored`), and `heard` does not depend on propagation anyway."""

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


@contextmanager
def restored() -> Iterator[None]:
    """The "airbyte" logger's level, propagation and handlers put back as they were when the block began.

    Tests run in any order on the pytest-xdist workers, so what PyAirbyte configures must not outlive its
    module (the CDK's test wrapper hears the connectors' warnings only through propagation)."""
    logger = logging.getLogger("airbyte")
    level, propagate, handlers = logger.level, logger.propagate, list(logger.handlers)
    try:
        yield
    finally:
        logger.setLevel(level)
        logger.propagate = propagate
        logger.handlers[:] = handlers
