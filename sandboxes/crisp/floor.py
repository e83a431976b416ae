"""The request floor of a full read: the fewest requests a correct reader of this workspace makes, per stream.

Computed from the ground truth (the generated workspace), never from the connector: list pages needed by each
list's stop rule (source_crisp/reader.py), plus the requests each parent needs. Every list is walked once per
sync: a list's pages are charged to the first stream read that walks it, so a child stream read after its
parent's stream costs only its per-parent requests.

The sandbox's default switches are assumed (the legacy helpdesk; article lists with or without the body is a
Ground field). One entry per stream in STREAMS (what it walks, what it costs on its own) and one per list that
several streams walk in LISTS.
A new stream adds one entry, e.g. a per-conversation route: `Floor(("conversations",), _per_conversation(1))`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from math import ceil
from types import MappingProxyType

from . import assumptions
from .conversations import ConversationQuery
from .dataset import Workspace


@dataclass(frozen=True)
class Ground:
    """The workspace and the page sizes of one read."""

    workspace: Workspace
    page_size: int  # the source's `page_size` (lists with `per_page`)
    fixed_page_size: int = assumptions.FIXED_PAGE_SIZE  # the lists the server pages by itself
    message_batch: int = assumptions.MESSAGE_BATCH
    article_list_content: bool = assumptions.ARTICLE_LIST_HAS_CONTENT

    def conversations(self) -> list[int]:
        return self.workspace.store.query(ConversationQuery(include_empty=True))


# --- one function per paging style --------------------------------------------------------------------------
def one_request() -> int:
    """A single object or an unpaginated list."""
    return 1


def per_page_list(items: int, per_page: int) -> int:
    """Ends on a page shorter than a full page the list served before it, or on an empty page: the empty page
    after an exact multiple, and after a list of one page (its only page proves nothing about the page size:
    a server may ignore or cap per_page). 0 items: one page."""
    per_page = min(max(per_page, assumptions.PER_PAGE_MIN), assumptions.PER_PAGE_MAX)
    return items // per_page + 1 + (1 if 0 < items < per_page else 0)


def fixed_page_list(items: int, page_size: int) -> int:
    """The server picks the page size, so only an empty page ends the list."""
    return ceil(items / page_size) + 1


def message_walk(messages: int, batch: int) -> int:
    """Newest batch, then `timestamp_before` the oldest one held plus 1 ms: consecutive batches overlap by one
    message (messages sharing a millisecond are not skipped), so each later batch brings batch - 1 new ones;
    the batch that reaches the oldest message answers 200 and ends the walk."""
    if messages <= batch:
        return 1
    return 1 + ceil((messages - batch) / (batch - 1))


# --- the lists walked, and the streams ----------------------------------------------------------------------
Cost = Callable[[Ground], int]


def _fixed(items_of: Callable[[Workspace], list]) -> Cost:
    return lambda g: fixed_page_list(len(items_of(g.workspace)), g.fixed_page_size)


def _per_locale(items_of: Callable[[Workspace, str], list]) -> Cost:
    return lambda g: sum(
        fixed_page_list(len(items_of(g.workspace, locale["locale"])), g.fixed_page_size)
        for locale in g.workspace.helpdesk_locales()
    )


def _sections(g: Ground) -> int:
    return sum(
        fixed_page_list(len(g.workspace.helpdesk_sections(locale["locale"], category["category_id"])),
                        g.fixed_page_size)
        for locale in g.workspace.helpdesk_locales()
        for category in g.workspace.helpdesk_categories(locale["locale"])
    )  # fmt: skip


def _article_routes(g: Ground) -> int:
    """Each article's category route; its own route too unless the list carries the body (then the first
    article's own route only, to verify the list against it)."""
    workspace = g.workspace
    articles = sum(len(workspace.helpdesk_articles(loc["locale"])) for loc in workspace.helpdesk_locales())
    return articles + (min(articles, 1) if g.article_list_content else articles)


def _articles(g: Ground) -> int:
    return _per_locale(lambda ws, locale: ws.helpdesk_articles(locale))(g) + _article_routes(g)


def _messages(g: Ground) -> int:
    store = g.workspace.store
    return sum(message_walk(store.message_count(i), g.message_batch) for i in g.conversations())


def _per_conversation_list(kind: str) -> Cost:
    """A paged child list of each conversation (events, pages, files)."""
    return lambda g: sum(
        fixed_page_list(len(g.workspace.child_objects(i, kind)), g.fixed_page_size) for i in g.conversations()
    )


def _per_conversation(g: Ground) -> int:
    """A single-answer child route of each conversation (participants, routing)."""
    return len(g.conversations())


def _per_campaign(items_of: Callable[[Workspace, str], list]) -> Cost:
    """A paged child list of each campaign (recipients)."""
    return lambda g: sum(
        fixed_page_list(len(items_of(g.workspace, campaign["campaign_id"])), g.fixed_page_size)
        for campaign in g.workspace.campaigns.campaigns
    )


def _campaign_statistics(g: Ground) -> int:
    """Per campaign, its own answer (the counters naming its actions), then a paged list per action: the
    listed ones and any other Crisp counts (every action the workspace holds rows under)."""
    held = g.workspace.audience.statistics
    return sum(
        one_request()
        + sum(
            fixed_page_list(len(held.get((cid, action), ())), g.fixed_page_size)
            for action in dict.fromkeys(
                [*assumptions.CAMPAIGN_STATISTIC_ACTIONS, *(a for c, a in held if c == cid)]
            )
        )
        for cid in (campaign["campaign_id"] for campaign in g.workspace.campaigns.campaigns)
    )


def _per_profile(items_of: Callable[[Workspace, str], list]) -> Cost:
    """A paged child list of each profile (events, conversations, campaigns)."""
    return lambda g: sum(
        fixed_page_list(len(items_of(g.workspace, g.workspace.people.people_id(k))), g.fixed_page_size)
        for k in range(g.workspace.people.count)
    )


LISTS: Mapping[str, Cost] = MappingProxyType({
    "campaigns": _fixed(lambda ws: ws.campaigns.campaigns),
    "people_profiles": lambda g: per_page_list(g.workspace.people.count, g.page_size),
    "conversations": lambda g: per_page_list(len(g.conversations()), g.page_size),
    "helpdesk_locales": _fixed(lambda ws: ws.helpdesk_locales()),
    # Less the first locale's first page, which the probe reads for every helpdesk stream (below).
    "helpdesk_categories": lambda g: _per_locale(lambda ws, locale: ws.helpdesk_categories(locale))(g)
    - (1 if g.workspace.helpdesk_locales() else 0),
    # Which helpdesk answers: the first locale's Knowledge Base tree (404 on a legacy one) and its legacy
    # categories page 1 (the categories walk's own first page, so free when that stream is read too).
    "helpdesk_probe": lambda g: 2 if g.workspace.helpdesk_locales() else 0,
})  # fmt: skip


@dataclass(frozen=True)
class Floor:
    walks: tuple[str, ...] = ()  # LISTS the stream walks (its own list included when another stream walks it)
    own: Cost = field(default=lambda g: 0)  # requests no other stream shares


def _list(cost: Cost) -> Floor:
    """A list (or single object) no other stream walks."""
    return Floor(own=cost)


ONE = _list(lambda _g: one_request())


_HELPDESK = ("helpdesk_probe", "helpdesk_locales")
STREAMS: Mapping[str, Floor] = MappingProxyType({
    "operators": ONE,
    "people_profiles": Floor(("people_profiles",)),
    "people_data": Floor(("people_profiles",), lambda g: g.workspace.people.count),
    "visitors": _list(_fixed(lambda ws: ws.visitors())),
    "conversations": Floor(("conversations",)),
    "conversation_messages": Floor(("conversations",), _messages),
    "conversation_events": Floor(("conversations",), _per_conversation_list("event")),
    "conversation_pages": Floor(("conversations",), _per_conversation_list("page")),
    "conversation_files": Floor(("conversations",), _per_conversation_list("file")),
    "conversation_participants": Floor(("conversations",), _per_conversation),
    "conversation_routing": Floor(("conversations",), _per_conversation),
    "conversation_metas": Floor(("conversations",), _per_conversation),
    "website": ONE,
    "website_settings": ONE,
    "website_availability": ONE,
    "operator_availabilities": ONE,
    "teams": _list(_fixed(lambda ws: ws.website_objects.teams)),
    "inboxes": _list(_fixed(lambda ws: ws.website_objects.inboxes)),
    "campaigns": Floor(("campaigns",)),
    "campaign_templates": _list(_fixed(lambda ws: ws.campaigns.templates)),
    "campaign_tags": ONE,
    "spam_conversations": _list(_fixed(lambda ws: ws.suggestions.spams)),
    "conversation_segments": _list(_fixed(lambda ws: ws.suggestions.conversation_segments)),
    "conversation_data_keys": _list(_fixed(lambda ws: ws.suggestions.conversation_data_keys)),
    "people_statistics": ONE,
    "people_segments": _list(_fixed(lambda ws: ws.suggestions.people_segments)),
    "people_data_keys": _list(_fixed(lambda ws: ws.suggestions.people_data_keys)),
    "people_event_names": _list(_fixed(lambda ws: ws.suggestions.people_events)),
    "helpdesk": ONE,
    "helpdesk_settings": ONE,
    "helpdesk_redirections": _list(_fixed(lambda ws: ws.website_objects.helpdesk_redirections)),
    "helpdesk_locales": Floor(("helpdesk_locales",)),
    "helpdesk_categories": Floor((*_HELPDESK, "helpdesk_categories")),
    "helpdesk_sections": Floor((*_HELPDESK, "helpdesk_categories"), _sections),
    "helpdesk_articles": Floor(_HELPDESK, _articles),
    "campaign_recipients": Floor(("campaigns",), _per_campaign(Workspace.campaign_recipients)),
    "campaign_statistics": Floor(("campaigns",), _campaign_statistics),
    "people_events": Floor(("people_profiles",), _per_profile(Workspace.people_events)),
    "people_conversations": Floor(("people_profiles",), _per_profile(Workspace.people_conversations)),
    "people_campaigns": Floor(("people_profiles",), _per_profile(Workspace.people_campaigns)),
    "people_subscriptions": Floor(("people_profiles",), lambda g: g.workspace.people.count),
})  # fmt: skip


def request_floor(ground: Ground, streams: Iterable[str]) -> dict[str, int]:
    """The floor of each stream of a full read of `streams`, in the order they are read."""
    walked: set[str] = set()
    floors = {}
    for name in streams:
        entry = STREAMS.get(name)
        if entry is None:
            raise ValueError(f"floor.STREAMS has no entry for stream {name!r}: add what it walks and costs")
        first_walks = [walk for walk in entry.walks if walk not in walked]
        walked.update(first_walks)
        floors[name] = entry.own(ground) + sum(LISTS[walk](ground) for walk in first_walks)
    return floors
