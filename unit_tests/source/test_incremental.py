from __future__ import annotations

import pytest

from source_crisp.config import Comparison, IncrementalSettings, ReferenceKind
from source_crisp.incremental import Coverage, DescendingScan, RecentKeys, Window, window_for

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


def scan(
    window: Window, coverage: Coverage, pages: list[list[tuple[int, str]]]
) -> tuple[list[str], DescendingScan, int]:
    """Feed pages to a scan like the streams do; returns the emitted keys, the scan, and the pages read."""
    runner = DescendingScan(window, coverage)
    emitted, read = [], 0
    for page in pages:
        read += 1
        emitted += [key for value, key in page if runner.admit(value, key)]
        if runner.may_stop():
            break
    return emitted, runner, read


def test_newest_first_scan_stops_at_the_end_of_the_page_that_reaches_the_reference():
    pages = [[(90, "a"), (70, "b")], [(60, "c"), (50, "d"), (40, "e")], [(30, "f")]]
    emitted, runner, read = scan(Window(NEWER, 50), Coverage(50), pages)
    assert (emitted, read, runner.contradiction) == (["a", "b", "c"], 2, None)
    assert runner.complete("updated_at") == {"updated_at": 90}


@pytest.mark.parametrize(
    ("pages", "expected", "read"),
    [
        ([[(90, "a"), (50, "b")], [(40, "c"), (30, "d")], [(20, "e")]], ["a"], 2),  # one value below: confirm
        ([[(90, "a"), (5, "x")], [(60, "b"), (40, "c")], [(55, "d")]], ["a", "b", "d"], 3),  # x was misplaced
    ],
)
def test_a_single_value_at_the_end_of_a_page_does_not_stop_the_scan_alone(pages, expected, read):
    emitted, _, pages_read = scan(Window(NEWER, 50), Coverage(50), pages)
    assert (emitted, pages_read) == (expected, read)


def test_page_drift_repeats_are_dropped_by_key_without_breaking_the_order():
    # "b" and "c" are read again at the top of the next page: the list shifted down while it was read.
    emitted, runner, _ = scan(Window(), Coverage(), [[(90, "a"), (80, "b"), (80, "c")], [(80, "b"), (80, "c"),
                                                                                    (70, "d")]])  # fmt: skip
    assert emitted == ["a", "b", "c", "d"]
    assert runner.contradiction is None


def test_repeat_memory_is_bounded_and_forgets_the_oldest_keys():
    recent = RecentKeys(limit=2)
    # "c" pushes "a" out: a third sighting of "a" reads as new (a duplicate at worst, never a loss).
    assert [recent.repeat(key) for key in ["a", "b", "a", "c", "a"]] == [False, False, True, False, False]


@pytest.mark.parametrize(
    ("pages", "expected", "top"),
    [
        # an item from further down the list at the top of page 1: without the check, 1 of 4 emitted
        ([[(10, "x"), (90, "a"), (80, "b")], [(70, "c"), (60, "d")]], ["a", "b", "c", "d"], 90),
        ([[(-5, "x"), (90, "a"), (80, "b")], [(70, "c"), (60, "d")]], ["a", "b", "c", "d"], 90),  # negative
        ([[(90, "a"), (80, "b")], [(20, "x"), (70, "c"), (60, "d")]], ["a", "b", "c", "d"], 90),  # page 2
        ([[(10, "x"), (20, "y"), (30, "z")], [(60, "d"), (70, "c")]], ["c", "d"], 70),  # oldest first
    ],
)
def test_a_contradicted_order_reads_every_page_and_emits_every_match(pages, expected, top):
    emitted, runner, read = scan(Window(NEWER, 50), Coverage(50), pages)
    assert sorted(emitted) == expected
    assert read == len(pages)
    assert runner.contradiction is not None
    assert runner.complete("updated_at") == {"updated_at": top}


def test_after_a_contradiction_checkpoints_claim_only_the_starting_coverage():
    runner = DescendingScan(Window(NEWER, 10), Coverage(10, [(100, 200)]))
    for value, key in [(90, "a"), (80, "b")]:
        runner.admit(value, key)
    assert runner.checkpoint("updated_at") == {"updated_at": 10, "covered": [[80, 90], [100, 200]]}
    runner.admit(85, "c")  # above its predecessor: the range read is not proven any more
    assert runner.checkpoint("updated_at") == {"updated_at": 10, "covered": [[100, 200]]}
    assert not runner.may_stop()


def test_checkpoint_covers_strictly_above_the_last_value_and_resume_skips_it():
    runner = DescendingScan(Window(NEWER, 10), Coverage(10))
    for value, key in [(90, "a"), (80, "b")]:
        runner.admit(value, key)
    state = runner.checkpoint("updated_at")
    assert state == {"updated_at": 10, "covered": [[80, 90]]}  # 80 itself may have unread ties
    emitted, _, _ = scan(
        Window(NEWER, 10),
        Coverage.from_state("updated_at", state),
        [[(95, "new"), (90, "a"), (80, "b"), (80, "tie"), (20, "e"), (10, "old")]],
    )
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


def _clock_at(ms: int):
    from datetime import UTC, datetime

    from source_crisp.cursor_guards import Horizon

    return Horizon(lambda: datetime.fromtimestamp(ms / 1000, UTC))


def test_a_contradicted_scan_never_saves_a_mark_above_its_start():
    """Unordered list, scan began at 100: conversation "late" changed during the scan (150) and was read,
    while another change during the scan may have landed where the scan had passed. Saving 150 would hide that
    one for ever; the mark stays at the start, so the next sync reads every change after 100 again."""
    runner = DescendingScan(Window(NEWER, 10), Coverage(10), _clock_at(100))
    for value, key in [(90, "a"), (150, "late"), (40, "b")]:
        runner.admit(value, key)
    assert runner.contradiction is not None
    assert runner.complete("updated_at") == {"updated_at": 100}


def test_a_confirmed_scan_saves_its_top_whatever_the_clock():
    """In the confirmed newest-first order a change during the scan moves its item above the read position,
    so the top read is proven even when it is after the start."""
    runner = DescendingScan(Window(NEWER, 10), Coverage(10), _clock_at(100))
    for value, key in [(150, "late"), (90, "a"), (40, "b")]:
        runner.admit(value, key)
    assert runner.contradiction is None
    assert runner.complete("updated_at") == {"updated_at": 150}
