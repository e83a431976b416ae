"""People profiles newest first: the scan that incremental reads of people_profiles and of its children share.

Crisp's profile list takes `sort_field`/`sort_order`; that it sorts on `updated_at`/`created_at` is a guess
(assumptions.PEOPLE_SORT_PARAMS, in the row's Scan), checked on every profile read by
incremental.DescendingScan: the scan stops early, and checkpoints claim the cursor ranges read, only while
the pages confirm the order. Once contradicted it reads the whole list and filters it here. Crisp answering
the sort params with an error is taken as "not accepted": the list is read again without them (one
warning), and filtered here.

Plain helpers over the reader, no stream: people_profiles (profiles.py) and the per-profile streams
(people_children.py) drive them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp.config import Comparison, IncrementalSettings
from source_crisp.cursor_guards import Horizon
from source_crisp.incremental import Coverage, DescendingScan, Window, claim, window_for
from source_crisp.objects import BY_NAME, Scan
from source_crisp.reader import CrispReader, Item, Page

PROFILES = BY_NAME["people_profiles"]
SCAN = PROFILES.scan or Scan({}, "")  # the profile list's sort per cursor (objects.py)


def sorted_pages(reader: CrispReader, axis: str) -> tuple[Iterator[Page], str | None]:
    """The profile list newest first by `axis`, and None; or no pages and Crisp's error message when it
    answers the sort params with an error (a config error, such as a missing scope, is raised: reading
    without the sort would not help)."""
    pages = reader.pages(PROFILES, {}, SCAN.sort[axis])
    try:
        first = next(pages, None)
    except AirbyteTracedException as error:
        if error.failure_type != FailureType.system_error:
            raise
        return iter(()), str(error.message)
    return chain([first] if first is not None else [], pages), None


def sort_guess(axis: str) -> str:
    params = "&".join(f"{name}={value}" for name, value in SCAN.sort[axis].items())
    return f"{SCAN.guess}: {params} lists people profiles newest first by {axis}"


def warn_refused(reader: CrispReader, axis: str, error: str, consequence: str) -> None:
    reader.warn_once(
        ("people_sort_refused", axis),
        f"Crisp refused the guess {sort_guess(axis)} (source_crisp/assumptions.py): {error} "
        f"Read again without the sort: {consequence}.",
    )


def plan(
    settings: IncrementalSettings, state: dict[str, Any], cursor: str, horizon: Horizon
) -> tuple[Window, DescendingScan]:
    """The run's window on `cursor` and the newest-first scan applying it (coverage only on newer_than)."""
    saved = Coverage.from_state(cursor, state)
    window = window_for(settings, state.get(cursor), saved)
    newer = window.comparison == Comparison.NEWER_THAN
    coverage = saved if newer else Coverage()
    return window, DescendingScan(window, coverage, horizon)


def final_state(window: Window, scan: DescendingScan, cursor: str, high_water: int | None) -> dict[str, Any]:
    if window.comparison == Comparison.NEWER_THAN:
        return scan.complete(cursor)
    # older_than: every record below the reference was emitted, none at or above it (incremental.claim).
    return claim(window, Coverage(high_water), scan.proven_top).to_state(cursor)


def newest_first(
    reader: CrispReader,
    pages: Iterator[Page],
    scan: DescendingScan,
    value: Callable[[Item], int | None],
    stream: str,
    axis: str,
) -> Iterator[list[Item]]:
    """The profiles the scan admits, one list per page (possibly empty); the caller checkpoints between
    pages. Ends at the end of the list or once the confirmed order proves no later page can match."""
    for page in pages:
        admitted = [profile for profile in page.items if scan.admit(value(profile), profile.get("people_id"))]
        if scan.contradiction is not None and scan.broken_guess is None:  # (a refusal warned already)
            reader.warn_once(
                ("people_sort_contradicted", axis),
                f"Crisp contradicts the guess {sort_guess(axis)} (source_crisp/assumptions.py): {axis} "
                f"{scan.contradiction} on page {page.number}. {stream}: reading the whole profile list and "
                "filtering it here instead of stopping early; the state advances when the scan completes.",
            )
        yield admitted
        if scan.may_stop():
            return
