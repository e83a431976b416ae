"""CAT's checks of source-crisp, section by section of acceptance-test-config.yml, on the Crisp sandbox.

What CAT's basic read, full refresh and incremental suites assert, run in-process against the tiny workspace
(integration_tests/acceptance.py aims the file's configs at it; integration_tests/cat_checks.py holds the
checks). Expected values come from the file, the sandbox's ground truth and the discovered catalog.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema
import pytest
from airbyte_cdk.models import (
    AirbyteStateMessageSerializer,
    AirbyteStream,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteStream,
    DestinationSyncMode,
    Status,
    SyncMode,
    Type,
)
from airbyte_cdk.test import entrypoint_wrapper

from integration_tests import acceptance, cat_checks
from sandboxes.crisp import CrispSandbox
from source_crisp import SourceCrisp

LOGGER = logging.getLogger("airbyte")
CONFIG = "secrets/config.json"


def read(config, catalog: ConfiguredAirbyteCatalog, state: list[dict] | None = None):
    messages = [AirbyteStateMessageSerializer.load(s) for s in state] if state else None
    return entrypoint_wrapper.read(SourceCrisp(), config, catalog, messages)


def full_refresh_catalog(streams: list[AirbyteStream]) -> ConfiguredAirbyteCatalog:
    return ConfiguredAirbyteCatalog(streams=[
        ConfiguredAirbyteStream(
            stream=stream,
            sync_mode=SyncMode.full_refresh,
            destination_sync_mode=DestinationSyncMode.overwrite,
        )
        for stream in streams
    ])


def only(catalog: ConfiguredAirbyteCatalog, sync_mode: SyncMode) -> ConfiguredAirbyteCatalog:
    return ConfiguredAirbyteCatalog(streams=[s for s in catalog.streams if s.sync_mode == sync_mode])


def primary_keys(catalog: ConfiguredAirbyteCatalog) -> dict[str, list[list[str]]]:
    return {s.stream.name: s.stream.source_defined_primary_key or s.primary_key for s in catalog.streams}


def statuses(output, catalog: ConfiguredAirbyteCatalog) -> dict[str, list]:
    return {s.stream.name: output.get_stream_statuses(s.stream.name) for s in catalog.streams}


@pytest.fixture(scope="module")
def crisp() -> Iterator[CrispSandbox]:
    with CrispSandbox(size="tiny", seed=7, port=0) as sandbox:
        acceptance.write_local_configs(sandbox.source_config())
        yield sandbox


@pytest.fixture(scope="module")
def discovered(crisp) -> dict[str, AirbyteStream]:
    output = entrypoint_wrapper.discover(SourceCrisp(), acceptance.local_config(CONFIG))
    return {stream.name: stream for stream in output.catalog.catalog.streams}


def schemas(discovered: Mapping[str, AirbyteStream]) -> dict[str, dict[str, Any]]:
    return {name: stream.json_schema for name, stream in discovered.items()}


# --- the file itself ------------------------------------------------------------------------------------
def test_every_cat_key_the_standard_tests_reject_is_enforced_here():
    assert acceptance.rejected_by_the_standard_tests() <= acceptance.ENFORCED_BY_THE_ACCEPTANCE_SUITE


def test_the_file_meets_cats_high_strictness_rules(discovered):
    assert acceptance.load()["test_strictness_level"] == "high"
    for entry in acceptance.entries("basic_read"):
        assert "configured_catalog_path" not in entry, "high strictness reads the discovered catalog"
        assert entry.get("validate_schema", True) is True
        expect_records = entry.get("expect_records", {})
        assert expect_records.get("path") or expect_records.get("bypass_reason")
    for entry in acceptance.entries("incremental"):
        catalog = acceptance.configured_catalog(entry["configured_catalog_path"], schemas(discovered))
        incremental = {
            s.stream.name for s in catalog.streams if SyncMode.incremental in s.stream.supported_sync_modes
        }
        states = acceptance.future_state(entry["future_state"]["future_state_path"])
        bypassed = entry["future_state"].get("missing_streams", [])
        missing = {m["name"] for m in bypassed if m.get("bypass_reason")}
        assert incremental - missing <= {s["stream"]["stream_descriptor"]["name"] for s in states}


def test_the_catalog_file_configures_discovered_streams_with_their_sync_modes(discovered):
    catalog = acceptance.configured_catalog("integration_tests/configured_catalog.json", schemas(discovered))
    assert {s.stream.name for s in catalog.streams} == set(discovered)
    for configured in catalog.streams:
        assert configured.sync_mode in discovered[configured.stream.name].supported_sync_modes
        if configured.sync_mode == SyncMode.incremental:
            assert configured.cursor_field == discovered[configured.stream.name].default_cursor_field


# --- spec and connection --------------------------------------------------------------------------------
@pytest.mark.parametrize("entry", acceptance.entries("spec"), ids=lambda e: e["config_path"])
def test_spec_passes_cats_lints_and_the_config_matches_it(crisp, entry):
    spec = SourceCrisp().spec(LOGGER)
    assert cat_checks.spec_problems(spec.connectionSpecification) == []
    assert json.loads((acceptance.ROOT / entry["spec_path"]).read_text())["connectionSpecification"] == (
        spec.connectionSpecification
    )
    jsonschema.validate(acceptance.local_config(entry["config_path"]), spec.connectionSpecification)


@pytest.mark.parametrize("entry", acceptance.entries("connection"), ids=lambda e: e["config_path"])
def test_check_reports_the_declared_status(crisp, entry, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(acceptance.local_config(entry["config_path"])))
    output = entrypoint_wrapper._run_command(SourceCrisp(), ["check", "--config", str(config)])
    statuses_seen = [m.connectionStatus for m in output.connection_status_messages]
    assert len(statuses_seen) == 1
    expected = Status.SUCCEEDED if entry.get("status", "succeed") == "succeed" else Status.FAILED
    assert statuses_seen[0].status == expected, statuses_seen[0].message
    if expected == Status.FAILED:
        assert statuses_seen[0].message  # says what to fix


# --- basic read -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=acceptance.entries("basic_read"), ids=lambda e: e["config_path"])
def basic_read(request, crisp, discovered):
    entry = request.param
    empty = {stream["name"] for stream in entry.get("empty_streams", [])}
    catalog = full_refresh_catalog([s for name, s in discovered.items() if name not in empty])
    return entry, catalog, read(acceptance.local_config(entry["config_path"]), catalog)


def test_basic_read_returns_records_for_every_stream(basic_read):
    _, catalog, output = basic_read
    records = cat_checks.records_by_stream(output.records)
    assert not output.errors
    assert [s.stream.name for s in catalog.streams if not records.get(s.stream.name)] == []


def test_basic_read_records_conform_to_the_discovered_schema(basic_read, discovered):
    entry, _, output = basic_read
    problems = cat_checks.record_schema_problems(
        cat_checks.records_by_stream(output.records),
        schemas(discovered),
        fail_on_extra_columns=entry.get("fail_on_extra_columns", False),
    )
    assert problems == []


def test_basic_read_has_no_null_or_duplicate_primary_keys(basic_read):
    _, catalog, output = basic_read
    records = cat_checks.records_by_stream(output.records)
    assert cat_checks.primary_key_problems(records, primary_keys(catalog), unique=True) == []


def test_basic_read_emits_the_expected_records(basic_read):
    entry, catalog, output = basic_read
    expected = acceptance.expected_records(entry["expect_records"]["path"])
    assert expected, "the expected records file is empty"
    records = cat_checks.records_by_stream(output.records)
    assert cat_checks.expected_records_problems(records, expected, primary_keys(catalog)) == []


def test_basic_read_ends_every_stream_with_a_counted_state(basic_read):
    _, catalog, output = basic_read
    messages = [m for m in output.get_message_iterator() if m.type in (Type.RECORD, Type.STATE)]
    assert cat_checks.state_problems(messages, [s.stream.name for s in catalog.streams]) == []


def test_basic_read_stream_statuses_run_from_started_to_complete(basic_read):
    _, catalog, output = basic_read
    assert cat_checks.stream_status_problems(statuses(output, catalog)) == []


# --- full refresh ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("entry", acceptance.entries("full_refresh"), ids=lambda e: e["config_path"])
def test_two_full_refresh_reads_are_equal(crisp, discovered, entry):
    configured = acceptance.configured_catalog(entry["configured_catalog_path"], schemas(discovered))
    catalog = full_refresh_catalog([s.stream for s in configured.streams])
    config = acceptance.local_config(entry["config_path"])
    first, second = (cat_checks.records_by_stream(read(config, catalog).records) for _ in range(2))

    def as_set(records):
        return {stream: sorted(json.dumps(r, sort_keys=True) for r in rs) for stream, rs in records.items()}

    assert first, "the first read returned nothing"
    assert as_set(first) == as_set(second)


# --- incremental ----------------------------------------------------------------------------------------
def latest_states(output) -> dict[str, dict[str, Any]]:
    latest = {}
    for message in output.state_messages:
        stream = message.state.stream
        latest[stream.stream_descriptor.name] = stream.stream_state.__dict__
    return latest


def as_state_input(states: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": dict(state)}}
        for name, state in states.items()
    ]


def cursor_values(records, catalog: ConfiguredAirbyteCatalog) -> dict[str, list[Any]]:
    cursors = {s.stream.name: s.cursor_field[0] for s in catalog.streams}
    return {stream: [r[cursors[stream]] for r in rs] for stream, rs in records.items()}


@pytest.fixture(params=acceptance.entries("incremental"), ids=lambda e: e["config_path"])
def incremental(request, discovered):
    """Its own sandbox: the tests below change the workspace between reads."""
    entry = request.param
    configured = acceptance.configured_catalog(entry["configured_catalog_path"], schemas(discovered))
    with CrispSandbox(size="tiny", seed=7, port=0) as sandbox:
        config = acceptance.local_config(entry["config_path"]) | {"api_url": sandbox.base_url}
        catalog = only(configured, SyncMode.incremental)
        yield entry, sandbox, config, catalog, read(config, catalog)


def test_first_incremental_read_has_records_within_its_final_state(incremental):
    _, _, _, catalog, first = incremental
    assert first.records
    assert first.state_messages
    states = latest_states(first)
    for stream, values in cursor_values(cat_checks.records_by_stream(first.records), catalog).items():
        cursor = next(s.cursor_field[0] for s in catalog.streams if s.stream.name == stream)
        assert max(values) <= states[stream][cursor], stream
    assert cat_checks.stream_status_problems(statuses(first, catalog)) == []


def test_second_incremental_read_from_the_first_state_reads_only_what_changed(incremental):
    _, sandbox, config, catalog, first = incremental
    touched = set(sandbox.touch_conversations(3, new_messages=1))
    second = read(config, catalog, as_state_input(latest_states(first)))
    records = cat_checks.records_by_stream(second.records)

    assert {r["session_id"] for r in records["conversations"]} == touched
    assert {r["session_id"] for r in records["conversation_messages"]} == touched
    assert len(records["conversation_messages"]) == len(touched)  # one new message each
    assert set(records) == {"conversations", "conversation_messages"}, "nothing else changed"
    before = cursor_values(cat_checks.records_by_stream(first.records), catalog)
    for stream, values in cursor_values(records, catalog).items():
        assert min(values) >= max(before[stream]), stream


def test_a_read_from_any_checkpoint_never_goes_behind_it(incremental):
    """CAT's sequential slices: resume from (a sample of) the first read's checkpoints."""
    _, _, config, catalog, first = incremental
    cursors = {s.stream.name: s.cursor_field[0] for s in catalog.streams}
    checkpoints = first.state_messages
    sample = checkpoints[:: max(1, len(checkpoints) // 4)]
    combined: dict[str, dict[str, Any]] = {}
    for message in checkpoints:
        stream = message.state.stream
        combined[stream.stream_descriptor.name] = stream.stream_state.__dict__
        if message not in sample:
            continue
        resumed = read(config, catalog, as_state_input(combined))
        for name, values in cursor_values(cat_checks.records_by_stream(resumed.records), catalog).items():
            reference = combined.get(name, {}).get(cursors[name])
            if reference is not None:
                assert min(values) >= reference, f"{name} went behind its checkpoint {combined[name]}"


def test_a_future_state_reads_nothing_and_still_emits_state(incremental):
    entry, _, config, catalog, _ = incremental
    output = read(config, catalog, acceptance.future_state(entry["future_state"]["future_state_path"]))
    assert [r.record.stream for r in output.records] == []
    assert {m.state.stream.stream_descriptor.name for m in output.state_messages} == {
        s.stream.name for s in catalog.streams
    }
