"""Which Crisp plugin scope each stream needs, as one table, and the sentences that name it.

A Production plugin token carries only the scopes its plugin asked for; a route outside them answers 403
`not_allowed` (reference §1.3, §1.4). discover, check and read use this table to say, per stream the token
cannot read, what would add it; docs/source-crisp.md's scope table is checked against it (unit test).

`None`: the reference does not name the scope of the stream's route, so messages name the route instead of
guessing a scope name. A child stream also needs its parent's scope (its parents are listed first).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType

from source_crisp.objects import BY_NAME, CrispObject

# Scopes the reference confirms for the route (§4.1, 4.4-4.8), or whose name in Crisp's scope list is the
# route's own (`website:conversation:events` for …/conversation/{id}/events, `website:availability` for
# …/availability/*, `website:people:subscriptions` for …/people/subscription/{id}).
STREAM_SCOPES: Mapping[str, str | None] = MappingProxyType(
    {
        "operators": "website:operators",
        "people_profiles": "website:people:profiles",
        "people_data": "website:people:data",
        "visitors": "website:visitors",
        "conversations": "website:conversation:sessions",
        "conversation_messages": "website:conversation:messages",
        "conversation_events": "website:conversation:events",
        "conversation_pages": "website:conversation:pages",
        "conversation_files": None,
        "conversation_participants": "website:conversation:participants",
        "conversation_routing": "website:conversation:routing",
        "conversation_metas": None,
        "website": None,  # every token installed on the website reads it (reference §4.8): check's proof
        "website_settings": "website:settings",
        "website_availability": "website:availability",
        "operator_availabilities": "website:availability",
        "teams": None,
        "inboxes": None,
        "campaigns": None,
        "campaign_templates": None,
        "campaign_tags": None,
        "spam_conversations": None,
        "conversation_segments": None,
        "conversation_data_keys": None,
        "people_statistics": None,
        "people_segments": None,
        "people_data_keys": None,
        "people_event_names": None,
        "helpdesk": None,
        "helpdesk_settings": None,
        "helpdesk_redirections": None,
        "helpdesk_locales": None,
        "helpdesk_categories": None,
        "helpdesk_sections": None,
        "helpdesk_articles": None,
        "campaign_recipients": None,
        "campaign_statistics": None,
        "people_events": None,
        "people_conversations": None,
        "people_campaigns": None,
        "people_subscriptions": "website:people:subscriptions",
    }
)

NO_SCOPE = frozenset({"website"})  # None above means "no scope at all" for these, not "unnamed"

# The streams check requires at least one of (with the website): without them there is nothing to migrate.
CORE_STREAMS = ("conversations", "people_profiles")


def route_of(obj: CrispObject) -> str:
    """The stream's route as the user would look it up: `GET /website/{website_id}/teams/list/{page}`."""
    return "GET /" + obj.path


def _need(obj: CrispObject) -> str:
    scope = STREAM_SCOPES[obj.name]
    return scope if scope is not None else f"the scope Crisp's docs leave unnamed for {route_of(obj)}"


def needs(name: str, denied: Collection[str] | None = None) -> list[str]:
    """What a token needs to read stream `name`: its parents' scopes first (a child is read under the parents
    its parent lists), then its own, without repeats. With `denied` (the streams found unreadable), only
    what is missing: the parents the token may read are left out, the stream's own need never is."""
    chain: list[CrispObject] = []
    obj: CrispObject | None = BY_NAME[name]
    while obj is not None:
        chain.insert(0, obj)
        obj = BY_NAME[obj.parent] if obj.parent else None
    found: list[str] = []
    for each in chain:
        if each.name in NO_SCOPE or (each.name != name and denied is not None and each.name not in denied):
            continue
        need = _need(each)
        if need not in found:
            found.append(need)
    return found


def needs_text(name: str, denied: Collection[str] | None = None) -> str:
    """e.g. "website:people:profiles and website:people:data"."""
    return " and ".join(needs(name, denied))
