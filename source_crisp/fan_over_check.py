"""A guessed `fan_over` list verified per parent from Crisp's own answer (objects.FanOverCheck).

campaign_statistics reads one list per campaign and action. Crisp's route takes any action and neither
official client lists them, so the actions are a guess (assumptions.CAMPAIGN_STATISTIC_ACTIONS). An action the
list misses would lose its rows with exit 0, so each campaign's own answer (GET campaign/{id}, one request per
campaign) is asked first: it holds a counter per action. An action counted there but not listed is read too,
with one warning naming the action and the guess. If the statistics route then refuses it, the sync stops
with the error naming the route (errors.py), as it does for a listed action: never a silent loss. An answer
without the counters cannot verify the list: one warning says so and the listed actions are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from source_crisp.objects import CrispObject

if TYPE_CHECKING:
    from source_crisp.reader import CrispReader


def values_seen(
    reader: CrispReader, obj: CrispObject, parent: Mapping[str, Any], parent_context: Mapping[str, Any]
) -> dict[str, tuple[str, ...]]:
    """The `fan_over` values Crisp names for this parent beyond the listed ones ({} when it names none)."""
    check = obj.fan_over_check
    if check is None:
        return {}
    context = {name: parent.get(name, parent_context.get(name)) for name in obj.parent_fields}
    reply = reader.client.get(reader.path(check.path, context), child=True)
    if reply is None:  # the parent is gone: the client warned, and its children's reads skip it
        return {}
    listed = obj.fan_over[check.fan_field]
    counters = reply.data.get(check.map_field) if isinstance(reply.data, dict) else None
    if not isinstance(counters, dict):
        reader.warn_once(
            (obj.name, check.map_field),
            f"{obj.name}: Crisp's answer to {check.path} has no '{check.map_field}' counters, so the "
            f"{check.fan_field}s read ({', '.join(listed)}, assumptions.{check.guess}) could not be checked "
            f"against the ones Crisp has; an {check.fan_field} beyond them would be missed.",
        )
        return {}
    extra = tuple(str(key) for key in counters if str(key) not in listed)
    for value in extra:
        reader.warn_once(
            (obj.name, check.fan_field, value),
            f"{obj.name}: Crisp counts the {check.fan_field} '{value}', which assumptions.{check.guess} does "
            f"not list ({', '.join(listed)}); its rows are read too. Please report it so the list is "
            "updated.",
        )
    return {check.fan_field: extra} if extra else {}
