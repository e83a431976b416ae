"""Pytest fixtures for the Convot sandbox; `integration_tests/conftest.py` imports them in one line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .sandbox import ConvotSandbox
from .testing import ApiClient


@pytest.fixture
def convot_sandbox(tmp_path) -> Iterator[ConvotSandbox]:
    """A fresh Convot sandbox per test, its database under the test's tmp_path."""
    with ConvotSandbox(db_path=tmp_path / "convot.sqlite3") as sandbox:
        yield sandbox


@pytest.fixture
def convot_api(convot_sandbox: ConvotSandbox) -> ApiClient:
    """An HTTP client of that sandbox holding the default key (every scope, app 1)."""
    return ApiClient(convot_sandbox.base_url, convot_sandbox.token)
