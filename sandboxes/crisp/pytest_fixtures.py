"""pytest fixtures of the Crisp sandbox; conftest.py imports them with one line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .sandbox import CrispSandbox

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def crisp_sandbox() -> Iterator[CrispSandbox]:
    """A fresh tiny sandbox (seed 7) on a free loopback port, stopped after the test."""
    with CrispSandbox(size="tiny", seed=7, port=0) as sandbox:
        yield sandbox

