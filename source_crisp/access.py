"""Partial access: what a token that cannot read every route may still read, and the words that say so.

Crisp answers a route outside a plugin token's scopes with 403 `not_allowed`, one its tier may not use with
403 `restricted_route_tier` (errors.AccessDenied). Such a token is normal, not broken: discover leaves the
stream out, check names it, read fails that stream alone (the CDK goes on with the others and ends the sync
with a stream-level error). Every message names the stream and what would add it (scopes.py).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from connector_shared.config_error import ConfigError
from source_crisp.errors import AccessDenied
from source_crisp.objects import OBJECTS, CrispObject, Family, Pagination
from source_crisp.reader import Context, CrispReader, Item
from source_crisp.scopes import STREAM_SCOPES, needs, needs_text

_WHY = {
    "not_allowed": "the token lacks the scope",
    "restricted_route_tier": "the token's tier may not use this route",
    "website_member_role_not_allowed": "the token's user role may not read it",
}


_PLAN = "a Crisp plan that includes it (upgrade the workspace's plan)"


def refusal(denied: AccessDenied) -> str:
    """e.g. "Crisp answered not_allowed on /website/…/settings: the token lacks the scope"."""
    why = "the workspace's plan lacks this feature" if denied.by_plan else _WHY.get(denied.reason, "refused")
    return f"Crisp answered {denied.status} {denied.reason} on {denied.route}: {why}"


def left_out_line(name: str, denied: AccessDenied, unreadable: Collection[str]) -> str:
    """discover's one line per stream it leaves out (`unreadable`: the streams left out so far)."""
    need = _PLAN if denied.by_plan else needs_text(name, unreadable)
    return f"discover: {name} left out of the catalog ({refusal(denied)}); it needs {need}."


def stream_not_read(name: str, denied: AccessDenied) -> AirbyteTracedException:
    """read's stream-level error for a selected stream the token may no longer read."""
    if denied.by_plan:
        fix = f"It needs {_PLAN}, or deselect {name}."
    else:
        other_tier = (
            " or a token of another tier ('tier')" if denied.reason == "restricted_route_tier" else ""
        )
        fix = (
            f"It needs {needs_text(name)}: add it to the plugin's token (Crisp Marketplace, your plugin, "
            f"Tokens){other_tier}, or deselect {name}."
        )
    message = f"{name} was not read: {refusal(denied)}. {fix} The other streams were read."
    return ConfigError(message)


def scopes_of(names: Collection[str], denied: Collection[str] | None = None) -> list[str]:
    """Everything the streams `names` need (only what is missing, given `denied`), in order, no repeats."""
    found: list[str] = []
    for name in names:
        found.extend(need for need in needs(name, denied) if need not in found)
    return found


# What else lifts a refusal that is not about scopes.
_OR = {
    "restricted_route_tier": ", or a token tier that may use the route (restricted_route_tier)",
    "website_member_role_not_allowed": (
        ", or a member role that may read it (website_member_role_not_allowed)"
    ),
}


def _what_adds(name: str, refused: AccessDenied, denied: Collection[str]) -> str:
    if refused.by_plan:
        return _PLAN
    return needs_text(name, denied) + _OR.get(refused.reason, "")


def unreadable_summary(denied: Mapping[str, AccessDenied]) -> str:
    """check's sentence: which streams the token cannot read, grouped by what would add them, e.g. "the token
    cannot read 3 streams: website:availability would add website_availability, operator_availabilities;
    website:settings would add website_settings"."""
    by_need: dict[str, list[str]] = {}
    for name, refused in denied.items():
        by_need.setdefault(_what_adds(name, refused, denied), []).append(name)
    groups = "; ".join(f"{need} would add {', '.join(names)}" for need, names in by_need.items())
    return f"the token cannot read {len(denied)} stream(s): {groups}"


def _first_items(reader: CrispReader, obj: CrispObject, context: Context) -> list[Item]:
    """The first answer of the stream's route: one request (a 404 of an optional feature is no item)."""
    if obj.pagination == Pagination.MESSAGE_WALK:
        reply = reader.client.get(reader.path(obj.path, context), child=True, quiet=True)
        return [item for item in (reply.data if reply else None) or [] if isinstance(item, dict)]
    # Sorted as an incremental read sorts it: the order probe asks the same page, which the page store keeps.
    # (A sort Crisp may refuse is not asked: its error would read as a missing scope.)
    scan, cursor = obj.scan, obj.default_cursor or ""
    sort = dict(scan.sort[cursor]) if scan and not scan.refusable and cursor in scan.sort else {}
    first = next(iter(reader.pages(obj, context, sort)), None)
    return first.items if first else []


def probe_access(reader: CrispReader) -> dict[str, AccessDenied]:
    """The streams this token may not read, by name, for check. Bounded: one request per scope the table
    names (its first stream speaks for the others), one per stream whose scope it does not name; a child of
    a denied parent is denied without a request, one whose parent listed nothing is not probed (unverified).
    The website itself is check's own first request."""
    denied: dict[str, AccessDenied] = {}
    by_scope: dict[str, AccessDenied | None] = {}
    first: dict[str, tuple[Item, Context]] = {}  # a listed item per probed parent, for its children's probe
    for obj in OBJECTS:
        if obj.name == "website":
            continue
        if obj.parent in denied:
            denied[obj.name] = denied[obj.parent]
            continue
        scope = STREAM_SCOPES[obj.name]
        if scope in by_scope:
            if by_scope[scope] is not None:
                denied[obj.name] = by_scope[scope]
            continue
        if obj.family == Family.HELPDESK:  # the helpdesk probe picks their routes: they follow their parent
            continue
        context: Context = {}
        if obj.parent is not None:
            if obj.parent not in first:
                continue
            item, parent_context = first[obj.parent]
            context = next(iter(obj.contexts_under(item, parent_context)), {})
        try:
            items = _first_items(reader, obj, context)
        except AccessDenied as refused:
            denied[obj.name] = refused
            items = []
        if items:
            first[obj.name] = (items[0], context)
        if scope is not None:
            by_scope[scope] = denied.get(obj.name)
    return denied
