"""Hostile values in records and state: cursors that are not numbers, cursors far in the future, malformed
saved state. A bad value is skipped and counted; a bad state is a config error naming the field; one record
dated year 3000 never freezes incremental syncs."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.test.state_builder import StateBuilder
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp import SourceCrisp
from source_crisp.client import Backoff
from source_crisp.cursor_guards import Horizon, validated_state
from source_crisp.state_origin import READ_FROM
from testing.source_builders import catalog_of, config, envelope

MAY_1 = datetime(2024, 5, 1, tzinfo=UTC)
MAY_1_MS = 1714521600000
DAY_MS = 86_400_000
YEAR_3000_MS = 32503680000000
LOGGER = logging.getLogger("test")


def horizon(now: datetime = MAY_1) -> Horizon:
    return Horizon(lambda: now)


@pytest.mark.parametrize(
    ("state", "field"),
    [
        ({"updated_at": 5, "covered": [[1]]}, "covered"),
        ({"updated_at": 5, "covered": "1-2"}, "covered"),
        ({"updated_at": 5, "covered": [[1, "a"]]}, "covered"),
        ({"updated_at": 5, "covered": [[9, 3]]}, "covered"),
        ({"updated_at": 5, "covered": [[1, 2, 3]]}, "covered"),
        ({"updated_at": "yesterday"}, "updated_at"),
        ({"updated_at": True}, "updated_at"),
        ({"updated_at": 1.5}, "updated_at"),
        ({"updated_at": 5, "resume_page": 0}, "resume_page"),
        ({"updated_at": 5, "resume_page": "2"}, "resume_page"),
        ({"updated_at": 5, "slice_page": 0}, "slice_page"),
        ({"updated_at": 5, "list_pages": 0}, "list_pages"),
        ({"updated_at": 5, "list_pages": "200"}, "list_pages"),
        ({"updated_at": 5, "scan_high": [1]}, "scan_high"),
        ({"updated_at": 5, "visit_every_conversation": "yes"}, "visit_every_conversation"),
    ],
)
def test_a_malformed_state_is_a_config_error_naming_the_stream_and_field(state, field):
    with pytest.raises(AirbyteTracedException) as error:
        validated_state("conversations", "updated_at", state, horizon(), LOGGER)
    assert error.value.failure_type.value == "config_error"
    assert "stream 'conversations'" in error.value.message
    assert f"'{field}'" in error.value.message


def test_a_good_state_passes_with_numbers_as_integers():
    state = {"updated_at": float(MAY_1_MS), "covered": [[MAY_1_MS - 10, MAY_1_MS - 5]], "other": "kept"}
    checked = validated_state("conversations", "updated_at", state, horizon(), LOGGER)
    assert checked == {"updated_at": MAY_1_MS, "covered": [[MAY_1_MS - 10, MAY_1_MS - 5]], "other": "kept"}
    assert isinstance(checked["updated_at"], int)
    assert validated_state("conversations", "created_at", state, horizon(), LOGGER) == {}


def test_a_saved_high_water_mark_in_the_far_future_is_kept_but_warned_about(caplog):
    # Kept: Airbyte's acceptance tests read an abnormal (future) state as "nothing new".
    with caplog.at_level(logging.WARNING):
        checked = validated_state(
            "conversations", "updated_at", {"updated_at": YEAR_3000_MS}, horizon(), LOGGER
        )
    assert checked == {"updated_at": YEAR_3000_MS}
    assert "3000-01-01" in caplog.text
    assert "reset the stream's state" in caplog.text


def test_the_horizon_is_one_day_ahead_of_crisps_clock():
    guard = horizon()
    assert guard.trusted(MAY_1_MS + DAY_MS)
    assert guard.trusted(None)
    assert not guard.trusted(MAY_1_MS + DAY_MS + 1)
    assert (guard.ignored, guard.latest_ignored) == (1, MAY_1_MS + DAY_MS + 1)


# --- whole reads (requests-mock), in-process -----------------------------------------------------------
def serve(requests_mock, route: str, items: list[dict], date: str | None = None) -> None:
    """A list route answering `items` on page 1 (a short page: the end)."""
    headers = {"Date": date} if date else {}
    requests_mock.get(
        re.compile(rf".*/{route}/1(\?.*)?$"), status_code=206, json=envelope(items), headers=headers
    )
    requests_mock.get(
        re.compile(rf".*/{route}/2(\?.*)?$"), status_code=200, json=envelope([]), headers=headers
    )


def run(stream: str, state: dict | None = None) -> Any:
    built = StateBuilder().with_stream_state(stream, state).build() if state is not None else None
    return read(
        SourceCrisp(backoff=Backoff.immediate()),
        config(page_size=20),
        catalog_of(stream, "updated_at"),
        built,
    )


def last_state(output: Any) -> dict:
    """The last state's values, without what it was read from (state_origin.py)."""
    state = output.state_messages[-1].state.stream.stream_state.__dict__
    return {key: value for key, value in state.items() if key != READ_FROM}


def warnings(output: Any) -> str:
    return "\n".join(m.log.message for m in output.logs if m.log.level.value == "WARN")


def conversation(session: str, updated_at: Any) -> dict:
    return {"session_id": session, "updated_at": updated_at, "created_at": 1}


@pytest.mark.parametrize("stream", ["conversations", "people_profiles"])
def test_one_future_cursor_is_emitted_but_never_becomes_the_state(requests_mock, stream):
    route, key = (
        ("conversations", "session_id") if stream == "conversations" else ("people/profiles", "people_id")
    )
    newest_real = MAY_1_MS - 1000
    items = [
        {key: "future", "updated_at": YEAR_3000_MS},
        {key: "a", "updated_at": newest_real},
        {key: "b", "updated_at": newest_real - 5},
    ]
    serve(requests_mock, route, items, date="Wed, 01 May 2024 00:00:00 GMT")
    first = run(stream)
    assert sorted(r.record.data[key] for r in first.records) == ["a", "b", "future"]
    assert last_state(first) == {"updated_at": newest_real}
    assert "more than a day ahead of Crisp's clock" in warnings(first)
    # The next change is still seen: syncs are not frozen at year 3000.
    items.insert(1, {key: "c", "updated_at": newest_real + 10})
    serve(requests_mock, route, items, date="Wed, 01 May 2024 00:00:00 GMT")
    second = run(stream, last_state(first))
    assert sorted(r.record.data[key] for r in second.records) == ["c", "future"]
    assert last_state(second) == {"updated_at": newest_real + 10}


def test_the_horizon_follows_crisps_date_header_not_our_clock(requests_mock):
    # Two days after Crisp's clock, although long past on ours.
    items = [conversation("ahead", MAY_1_MS + 2 * DAY_MS), conversation("a", MAY_1_MS - 1000)]
    serve(requests_mock, "conversations", items, date="Wed, 01 May 2024 00:00:00 GMT")
    assert last_state(run("conversations")) == {"updated_at": MAY_1_MS - 1000}


def test_cursor_values_that_are_not_numbers_are_coerced_or_skipped_and_counted(requests_mock):
    items = [
        conversation("numeric-text", str(MAY_1_MS)),
        conversation("word", "yesterday"),
        conversation("a", MAY_1_MS - 1000),
        conversation("nan", float("nan")),
        conversation("b", MAY_1_MS - 2000),
    ]
    serve(requests_mock, "conversations", items)
    output = run("conversations")
    assert sorted(r.record.data["session_id"] for r in output.records) == ["a", "b", "numeric-text"]
    assert last_state(output) == {"updated_at": MAY_1_MS}
    assert "not dates in epoch milliseconds" in warnings(output)
    assert "updated_at x2" in warnings(output)


def test_a_malformed_covered_state_stops_the_read_naming_the_field(requests_mock):
    serve(requests_mock, "conversations", [conversation("a", MAY_1_MS)])
    output = read(
        SourceCrisp(backoff=Backoff.immediate()),
        config(),
        catalog_of("conversations", "updated_at"),
        StateBuilder().with_stream_state("conversations", {"updated_at": 5, "covered": [[1]]}).build(),
        expecting_exception=True,
    )
    named = [m.trace.error for m in output.errors if "'covered'" in m.trace.error.message]
    assert named
    assert {error.failure_type.value for error in named} == {"config_error"}
    assert output.records == []
