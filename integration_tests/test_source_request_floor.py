"""The request floor: a full read makes exactly the requests the workspace needs (floor.py, from the ground
truth), no list page is asked twice in one sync, and each stream's count is logged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sandboxes.crisp import CrispSandbox
from sandboxes.crisp.floor import STREAMS, Ground, request_floor
from source_crisp.objects import OBJECTS
from testing.source_runs import Run, configure, discovered_catalog, run

PAGE = 20
COUNT_LINE = re.compile(r"(\w+): ([\d,]+) requests$")


def logged_counts(result: Run) -> dict[str, int]:
    lines = (COUNT_LINE.match(line) for line in result.logs("INFO"))
    return {m.group(1): int(m.group(2).replace(",", "")) for m in lines if m}


def read_costs(sandbox: CrispSandbox, tmp_path: Path, catalog: dict) -> tuple[Run, dict[str, int]]:
    config = sandbox.source_config(page_size=PAGE)
    sandbox.reset_counts()
    result = run("read", tmp_path, config, catalog)
    assert result.returncode == 0, result.errors
    read_order = [configured["stream"]["name"] for configured in catalog["streams"]]
    return result, request_floor(Ground(sandbox.workspace, PAGE), read_order)


def test_every_stream_has_a_floor_entry():
    """So that a new stream is held to the floor by the full-read test below."""
    assert [obj.name for obj in OBJECTS if obj.name not in STREAMS] == []


@pytest.mark.slow
def test_a_full_read_of_every_stream_makes_exactly_the_floor_and_asks_no_page_twice(tmp_path):
    with CrispSandbox(size="tiny", seed=7, port=0) as sandbox:
        every_stream = [obj.name for obj in OBJECTS]
        catalog = configure(discovered_catalog(sandbox.source_config(page_size=PAGE)), every_stream)
        result, floor = read_costs(sandbox, tmp_path, catalog)
        assert sandbox.repeated_requests() == {}
        assert logged_counts(result) == floor
        assert sandbox.total_requests() == sum(floor.values())


@pytest.mark.slow
def test_children_read_before_their_parents_pay_the_walk_once_and_the_parents_nothing(tmp_path):
    children_first = (
        "conversation_messages", "people_data", "helpdesk_sections", "helpdesk_articles",
        "conversations", "people_profiles", "helpdesk_categories", "helpdesk_locales",
    )  # fmt: skip
    with CrispSandbox(size="tiny", seed=7, port=0) as sandbox:
        discovered = configure(discovered_catalog(sandbox.source_config(page_size=PAGE)), children_first)
        by_name = {configured["stream"]["name"]: configured for configured in discovered["streams"]}
        catalog = {"streams": [by_name[name] for name in children_first]}
        result, floor = read_costs(sandbox, tmp_path, catalog)
        assert sandbox.repeated_requests() == {}
        assert logged_counts(result) == floor
        assert floor["conversations"] == floor["people_profiles"] == floor["helpdesk_locales"] == 0
        assert floor["helpdesk_categories"] == 0
