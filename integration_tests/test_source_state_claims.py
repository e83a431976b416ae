"""What a state claims as covered is exactly what was emitted (issue 18, C.7), for every comparison and
reference, with the reference ON a record's cursor value, and the next sync (either comparison, from that
state) loses nothing: conversations (newest-first scan), people profiles (their own sorted scan) and teams
(a dated list scanned unsorted)."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from typing import Any

import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer

from sandboxes.crisp import CrispSandbox
from testing.source_runs import (
    configure,
    discovered_catalog,
    last_states,
    read_in_process,
    stream_records,
)

PAGE = 20
KEYS = {"conversations": "session_id", "people_profiles": "people_id", "teams": "team_id"}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[CrispSandbox]:
    with CrispSandbox(size="tiny", seed=7, port=0) as crisp:
        crisp.catalogs = {  # type: ignore[attr-defined]
            mode: ConfiguredAirbyteCatalogSerializer.load(
                configure(discovered_catalog(crisp.source_config(page_size=PAGE)), KEYS, incremental=mode)
            )
            for mode in (True, False)
        }
        yield crisp


@pytest.fixture(scope="module")
def universe(sandbox) -> dict[str, dict[str, int]]:
    """Every record's updated_at, by stream and key (teams from a full refresh: a different code path)."""
    ws = sandbox.workspace
    full = read_in_process(sandbox.source_config(page_size=PAGE), sandbox.catalogs[False])
    teams = {team["team_id"]: team["updated_at"] for team in stream_records(full, "teams")}
    assert len(set(teams.values())) > 2
    return {
        "conversations": {c["session_id"]: c["updated_at"] for c in ws.conversations()},
        "people_profiles": {p["people_id"]: p["updated_at"] for p in ws.people_profiles()},
        "teams": teams,
    }


def covered(state: dict[str, Any] | None, value: int) -> bool:
    """The claim a state makes, read from its documented shape: (-inf, H] plus half-open (low, high]."""
    if not state:
        return False
    high_water = state.get("updated_at")
    if high_water is not None and value <= high_water:
        return True
    return any(low < value <= high for low, high in state.get("covered", []))


def sync(sandbox, comparison: str, reference: dict[str, Any], state: dict[str, Any] | None):
    config = sandbox.source_config(
        page_size=PAGE, incremental={"comparison": comparison, "reference": reference}
    )
    output = read_in_process(config, sandbox.catalogs[True], state)
    emitted = {stream: {r[key] for r in stream_records(output, stream)} for stream, key in KEYS.items()}
    return emitted, last_states(output)


def check_claims(universe, before, emitted, after) -> None:
    """After a complete read: claimed now == claimed before + emitted, on every record."""
    for stream, values in universe.items():
        wrong = {
            key: value
            for key, value in values.items()
            if covered(after.get(stream), value)
            != (covered((before or {}).get(stream), value) or key in emitted[stream])
        }
        assert not wrong, f"{stream}: the state's claim differs from what was emitted for {wrong}"


@pytest.mark.parametrize("then", ["newer_than", "older_than"])
@pytest.mark.parametrize("kind", ["fixed_date", "variable", "last_successful_run"])
@pytest.mark.parametrize("first", ["newer_than", "older_than"])
def test_the_state_claims_exactly_what_was_emitted_at_the_boundary(
    sandbox, universe, monkeypatch, first, kind, then
):
    # The reference is one record's own updated_at, per stream: the boundary value itself.
    boundary = {stream: int(statistics.median_low(values.values())) for stream, values in universe.items()}
    reference = boundary["conversations"]
    # (A last_successful_run reference comes from a state: one written before states had an origin.)
    before = {s: {"updated_at": v} for s, v in boundary.items()} if kind == "last_successful_run" else None
    monkeypatch.setenv("CRISP_REFERENCE", str(reference))
    ref = {"fixed_date": {"type": kind, "date": str(reference)},
           "variable": {"type": kind, "value": "$CRISP_REFERENCE"},
           "last_successful_run": {"type": kind}}[kind]  # fmt: skip
    if kind != "last_successful_run":
        boundary = dict.fromkeys(boundary, reference)
    emitted, state = sync(sandbox, first, ref, before)
    for stream, values in universe.items():
        on_boundary = {key for key, value in values.items() if value == boundary[stream]}
        assert not on_boundary & emitted[stream], "a strict comparison emitted the boundary record"
    check_claims(universe, before, emitted, state)

    # The next sync, on the default reference, from that state.
    again, after = sync(sandbox, then, {"type": "last_successful_run"}, state)
    check_claims(universe, state if then == first else None, again, after)
    if then == "newer_than":  # everything the first did not emit or claim, the boundary record included
        for stream, values in universe.items():
            missed = {k for k in values if k not in emitted[stream] | again[stream]}
            if then == first and before is not None:
                missed = {k for k in missed if not covered(before[stream], values[k])}
            assert not missed, f"{stream}: never emitted: {missed}"
