"""Suite-wide pytest settings that are code, not options (those are in pyproject.toml)."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `slow` (subprocesses, half a minute for some) run first, the quick ones after them.

    The pytest-xdist workers take the next test when they are free, so the quick tests at the end fill the
    gaps and the workers finish together, instead of one of them starting the demo while the other is idle.
    The sort is stable: each group keeps the order of the files, as every worker must collect the same list.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
