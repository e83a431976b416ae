"""Dates in the wrong unit or form, read right or refused clearly (issue 18 H.17): record cursors in epoch
seconds or ISO text where Crisp sends milliseconds, Retry-After as an HTTP-date (RFC 7231, all three forms,
on Crisp's clock), and config references with time zones, DST gaps, offsets and `$VAR` values."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.test.state_builder import StateBuilder
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp import SourceCrisp
from source_crisp.client import Backoff, CrispClient
from source_crisp.config import CrispConfig
from source_crisp.dates import DateValueError, to_epoch_ms
from testing.source_builders import catalog_of, config, envelope, url

MAY_1_MS = 1714521600000  # 2024-05-01T00:00:00Z
MAY_1_S = MAY_1_MS // 1000
HOUR_MS = 3_600_000


def serve(requests_mock, route: str, items: list[dict]) -> None:
    requests_mock.get(re.compile(rf".*/{route}/1(\?.*)?$"), status_code=206, json=envelope(items))
    requests_mock.get(re.compile(rf".*/{route}/2(\?.*)?$"), status_code=200, json=envelope([]))


def run(stream: str, cursor: str, state: dict) -> Any:
    built = StateBuilder().with_stream_state(stream, state).build()
    return read(
        SourceCrisp(backoff=Backoff.immediate()), config(page_size=20), catalog_of(stream, cursor), built
    )


def warnings(output: Any) -> str:
    return "\n".join(m.log.message for m in output.logs if m.log.level.value == "WARN")


# --- record cursors that are not epoch milliseconds ----------------------------------------------------
@pytest.mark.parametrize("stream", ["conversations", "people_profiles"])
def test_cursor_values_in_seconds_or_iso_text_are_placed_by_their_instant(requests_mock, stream):
    route, key = (
        ("conversations", "session_id") if stream == "conversations" else ("people/profiles", "people_id")
    )
    items = [
        {key: "seconds", "updated_at": MAY_1_S + 3600},  # 01:00, one hour after the state
        {key: "iso", "updated_at": "2024-05-01T00:30:00Z"},
        {key: "seconds-text", "updated_at": str(MAY_1_S + 60)},
        {key: "ms", "updated_at": MAY_1_MS + 30},
        {key: "old-seconds", "updated_at": MAY_1_S - 3600},  # before the state: not emitted
    ]
    serve(requests_mock, route, items)
    output = run(stream, "updated_at", {"updated_at": MAY_1_MS})
    emitted = {r.record.data[key]: r.record.data["updated_at"] for r in output.records}
    # Before: the seconds and the ISO text sorted as 1970 or as nothing and were silently not emitted.
    assert set(emitted) == {"seconds", "iso", "seconds-text", "ms"}
    # Emitted as Crisp sent it (the ISO text in discover's sample made the column a string).
    assert emitted["seconds"] == str(MAY_1_S + 3600)
    state = output.state_messages[-1].state.stream.stream_state.__dict__
    assert state["updated_at"] == MAY_1_MS + HOUR_MS  # the state stays in epoch milliseconds
    said = warnings(output)
    assert "updated_at as epoch seconds x3" in said
    assert "updated_at as ISO-8601 text x1" in said


def test_a_message_timestamp_in_seconds_keeps_the_state_in_milliseconds(requests_mock):
    # Neighbour: another stream and cursor (messages, `timestamp`).
    serve(requests_mock, "conversations", [{"session_id": "s1", "updated_at": MAY_1_MS + 2 * HOUR_MS}])
    messages = [
        {"session_id": "s1", "fingerprint": 1, "timestamp": MAY_1_S + 7200},
        {"session_id": "s1", "fingerprint": 2, "timestamp": MAY_1_MS + 100},
    ]
    requests_mock.get(url("conversation/s1/messages"), status_code=200, json=envelope(messages))
    output = run("conversation_messages", "timestamp", {"timestamp": MAY_1_MS})
    assert sorted(r.record.data["fingerprint"] for r in output.records) == [1, 2]
    assert output.state_messages[-1].state.stream.stream_state.__dict__["timestamp"] == MAY_1_MS + 2 * HOUR_MS


# --- Retry-After as an HTTP-date ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "header",
    [
        "Wed, 01 May 2024 00:00:30 GMT",  # IMF-fixdate
        "Wednesday, 01-May-24 00:00:30 GMT",  # RFC 850, obsolete but to be accepted
        "Wed May  1 00:00:30 2024",  # asctime: no zone, GMT by definition
    ],
)
def test_a_retry_after_date_waits_until_that_moment_on_crisps_clock(requests_mock, header):
    list_url = url("conversations/1")
    crisp_date = {"Date": "Wed, 01 May 2024 00:00:00 GMT"}
    requests_mock.get(
        list_url,
        [
            {
                "status_code": 429,
                "json": envelope({}, "rate_limited", True),
                "headers": {**crisp_date, "Retry-After": header},
            },
            {"status_code": 206, "json": envelope([{"session_id": "s1"}]), "headers": crisp_date},
        ],
    )
    waits: list[float] = []
    our_clock = datetime(2024, 5, 1, tzinfo=UTC) + timedelta(minutes=10)  # ten minutes ahead of Crisp's
    crisp = CrispClient(
        CrispConfig.from_mapping(config()),
        backoff=Backoff(sleep=waits.append, jitter=lambda: 0.0),
        now=lambda: our_clock,
    )
    reply = crisp.get(list_url.split("/v1/")[1])
    assert reply is not None
    assert reply.data == [{"session_id": "s1"}]
    assert waits == [pytest.approx(30.0, abs=0.01)]  # before: 0 s against our clock, or backoff for asctime


# --- config references: zones, DST, offsets, $VAR ---------------------------------------------------------
FIELD = "incremental.reference.value"


def variable_config(value: str) -> dict[str, Any]:
    return config(
        incremental={"comparison": "newer_than", "reference": {"type": "variable", "value": "$SINCE"}}
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # No offset is UTC, so a local time that does not exist in Paris (clocks jump 02:00 -> 03:00) is fine.
        ("2026-03-29T02:30:00", "2026-03-29T02:30:00+00:00"),
        ("2026-03-29T01:30:00+01:00", "2026-03-29T00:30:00+00:00"),
        # 02:30 happens twice in Paris on 2026-10-25: the offset says which.
        ("2026-10-25T02:30:00+02:00", "2026-10-25T00:30:00+00:00"),
        ("2026-10-25T02:30:00+01:00", "2026-10-25T01:30:00+00:00"),
        ("2024-05-01t12:30:00z", "2024-05-01T12:30:00+00:00"),  # RFC 3339 allows lower case
        (" 2024-05-01T12:30:00Z\n", "2024-05-01T12:30:00+00:00"),  # a variable read from a file
        ("1714566600", "2024-05-01T12:30:00+00:00"),
    ],
)
def test_a_variable_reference_is_read_as_the_instant_it_names(value, expected):
    parsed = CrispConfig.from_mapping(variable_config(value), environ={"SINCE": value})
    assert parsed.incremental.reference_ms == int(datetime.fromisoformat(expected).timestamp() * 1000)


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("2026-03-29T02:30:00 Europe/Paris", "write the offset instead"),
        ("2026-03-29T02:30:00[Europe/Paris]", "write the offset instead"),
        ("2024-05-01T00:00:00 CET", "write the offset instead"),
        ("20240501", "ambiguous: as epoch seconds it is 1970-08-23. Write the date as 2024-05-01"),
        ("$OTHER", "is not a date"),
        ("2024-05-01T00:00:00+25:00", "is not a date"),
        ("-1", "outside the dates a sync can use"),
    ],
)
def test_a_variable_reference_that_cannot_be_placed_is_a_config_error_naming_the_field(value, said):
    with pytest.raises(AirbyteTracedException) as error:
        CrispConfig.from_mapping(variable_config(value), environ={"SINCE": value})
    assert error.value.failure_type.value == "config_error"
    assert FIELD in error.value.message
    assert said in error.value.message


def test_a_compact_date_number_is_refused_as_ambiguous_too():
    with pytest.raises(DateValueError, match="ambiguous"):
        to_epoch_ms(20240501, "incremental.reference.date")
