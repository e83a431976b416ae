from __future__ import annotations

import pytest

from source_crisp.config import Comparison, IncrementalSettings, ReferenceKind
from source_crisp.incremental import Coverage, DescendingScan, Verdict, Window, window_for

NEWER, OLDER = Comparison.NEWER_THAN, Comparison.OLDER_THAN
LAST, FIXED, VARIABLE = ReferenceKind.LAST_SUCCESSFUL_RUN, ReferenceKind.FIXED_DATE, ReferenceKind.VARIABLE


@pytest.mark.parametrize(
    ("comparison", "kind", "configured", "state", "reference"),
    [
        (NEWER, LAST, None, None, None),  # first run: everything
        (NEWER, LAST, None, 500, 500),  # state is the reference
        (OLDER, LAST, None, None, None),
        (OLDER, LAST, None, 500, 500),
        (NEWER, FIXED, 300, None, 300),
        (NEWER, FIXED, 300, 500, 500),  # a later state wins for newer_than
        (NEWER, FIXED, 700, 500, 700),  # an earlier state does not
        (OLDER, FIXED, 300, 500, 300),  # older_than: the configured date, always
        (OLDER, FIXED, 300, None, 300),
        (NEWER, VARIABLE, 300, None, 300),
        (NEWER, VARIABLE, 300, 500, 500),
        (OLDER, VARIABLE, 300, 500, 300),
    ],
)
def test_reference_for_every_comparison_reference_and_state(comparison, kind, configured, state, reference):
    window = window_for(IncrementalSettings(comparison, kind, configured), state)
    assert window == Window(comparison, reference)


@pytest.mark.parametrize(
    ("window", "emitted"),
    [
        (Window(NEWER, 500), [501, 900]),
        (Window(OLDER, 500), [100, 499]),
        (Window(NEWER, None), [100, 499, 500, 501, 900]),
        (Window.everything(), [100, 499, 500, 501, 900, None]),  # full refresh only
    ],
)
def test_window_is_strict_and_never_matches_a_missing_cursor(window, emitted):
    values = [100, 499, 500, 501, 900, None]
    assert [v for v in values if window.matches(v)] == emitted


def test_coverage_merges_touching_ranges_into_the_high_water_mark():
    coverage = Coverage(100, [(300, 400)])
    assert coverage.to_state("c") == {"c": 100, "covered": [[300, 400]]}
    coverage.add(200, 300)  # touches (300, 400]
    assert coverage.to_state("c") == {"c": 100, "covered": [[200, 400]]}
    coverage.add(100, 200)  # reaches the high-water mark: one value again
    assert coverage.to_state("c") == {"c": 400}
    assert coverage.covers(400)
    assert not coverage.covers(401)


def test_coverage_ranges_are_half_open():
    coverage = Coverage(None, [(300, 400)])
    assert [coverage.covers(v) for v in (300, 301, 400)] == [False, True, True]


def scan(window: Window, coverage: Coverage, values: list[tuple[int, str]]) -> list[tuple[str, Verdict]]:
    runner = DescendingScan(window, coverage)
    out = []
    for value, key in values:
        verdict = runner.admit(value, key)
        out.append((key, verdict))
        if verdict == Verdict.STOP:
            break
    return out


def test_newest_first_scan_stops_at_the_reference():
    verdicts = scan(Window(NEWER, 50), Coverage(50), [(90, "a"), (70, "b"), (50, "c"), (40, "d")])
    assert verdicts == [("a", Verdict.EMIT), ("b", Verdict.EMIT), ("c", Verdict.STOP)]


def test_page_drift_duplicates_are_skipped_with_flat_memory():
    # "b" is seen again at the top of the next page (the list shifted down); "z" jumped to the top meanwhile.
    values = [(90, "a"), (80, "b"), (80, "c"), (99, "z"), (80, "c"), (70, "d")]
    verdicts = scan(Window(), Coverage(), values)
    assert [key for key, verdict in verdicts if verdict == Verdict.EMIT] == ["a", "b", "c", "d"]


def test_checkpoint_covers_strictly_above_the_last_value_and_resume_skips_it():
    runner = DescendingScan(Window(NEWER, 10), Coverage(10))
    for value, key in [(90, "a"), (80, "b")]:
        runner.admit(value, key)
    state = runner.checkpoint("updated_at")
    assert state == {"updated_at": 10, "covered": [[80, 90]]}  # 80 itself may have unread ties
    resumed = scan(
        Window(NEWER, 10),
        Coverage.from_state("updated_at", state),
        [(95, "new"), (90, "a"), (80, "b"), (80, "tie"), (20, "e"), (10, "old")],
    )
    emitted = [key for key, verdict in resumed if verdict == Verdict.EMIT]
    assert emitted == ["new", "b", "tie", "e"]


def test_completion_collapses_to_the_scan_top():
    runner = DescendingScan(Window(NEWER, 10), Coverage(10, [(20, 90)]))
    for value, key in [(120, "x"), (90, "a"), (10, "z")]:
        runner.admit(value, key)
    assert runner.complete("updated_at") == {"updated_at": 120}


def test_state_of_another_cursor_is_ignored():
    assert Coverage.from_state("created_at", {"updated_at": 5, "covered": [[6, 9]]}).to_state(
        "created_at"
    ) == {"created_at": None}
