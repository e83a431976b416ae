"""A guessed `fan_over` list verified per parent from Crisp's own answer (objects.FanOverCheck).

campaign_statistics reads one list per campaign and action. Crisp's route takes any action and neither
official client lists them, so the actions are a guess (assumptions.CAMPAIGN_STATISTIC_ACTIONS). An action the
list misses would lose its rows with exit 0, so each campaign's own answer (GET campaign/{id}, one request per
campaign) is asked first: it holds a counter per action. An action counted there but not listed is read too,
with one warning naming the action and the guess. If the statistics route then refuses it, the sync stops
with the error naming the route (errors.py), as it does for a listed action: never a silent loss. An answer
without the counters cannot verify the list: one warning says so and the listed actions are read.

A plain function of the answer: the reader asks the route and logs the warnings returned here, so this
module never calls back into the reader that walks the parents.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from source_crisp.objects import CrispObject


@dataclass(frozen=True)
class FanOverFinding:
    """What one parent's answer says: `extra`, the `fan_over` values it names beyond the listed ones ({} when
    none), and the warnings to log once per sync, as (topic, message)."""

    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)
    warnings: tuple[tuple[Hashable, str], ...] = ()


def values_seen(obj: CrispObject, data: Any) -> FanOverFinding:
    """The `fan_over` values Crisp's answer `data` (to `obj.fan_over_check.path`) names beyond the listed
    ones."""
    check = obj.fan_over_check
    if check is None:
        return FanOverFinding()
    listed = obj.fan_over[check.fan_field]
    counters = data.get(check.map_field) if isinstance(data, dict) else None
    if not isinstance(counters, dict):
        unverified = (
            f"{obj.name}: Crisp's answer to {check.path} has no '{check.map_field}' counters, so the "
            f"{check.fan_field}s read ({', '.join(listed)}, assumptions.{check.guess}) could not be checked "
            f"against the ones Crisp has; an {check.fan_field} beyond them would be missed."
        )
        return FanOverFinding(warnings=(((obj.name, check.map_field), unverified),))
    extra = tuple(str(key) for key in counters if str(key) not in listed)
    warnings = tuple(
        (
            (obj.name, check.fan_field, value),
            f"{obj.name}: Crisp counts the {check.fan_field} '{value}', which assumptions.{check.guess} does "
            f"not list ({', '.join(listed)}); its rows are read too. Please report it so the list is "
            "updated.",
        )
        for value in extra
    )
    return FanOverFinding({check.fan_field: extra} if extra else {}, warnings)
