"""The Crisp objects source-crisp reads, as data. One row per stream, in discover order (source_output.md).

Paths are relative to api_url and use `{website_id}`, `{page}` and the fields the row takes from its parent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from itertools import product
from types import MappingProxyType
from typing import Any

from source_crisp import known_fields as known
from source_crisp.assumptions import (
    ARTICLE_LIST_FIELDS,
    CAMPAIGN_STATISTIC_ACTIONS,
    CONVERSATION_DATE_FILTER_FIELD,
    CONVERSATION_SORT_PARAMS,
    PEOPLE_SORT_PARAMS,
    WAITING_SINCE_SCAN_AXIS,
)
from source_crisp.types import ColumnType

_W = "website/{website_id}"
# Request cost of a list paged by the server (FIXED_PAGE), shown in discover next to the stream.
_PAGED = "1 request per page, plus the empty page that ends the list"
# Lists paged by `per_page` (page_size), which an incremental read stops walking once it passed the reference.
_LISTED = (
    "1 request per page of page_size items, plus the page that ends the list; incremental syncs stop at the "
    "first page older than the reference"
)
# The helpdesk streams (helpdesk.py) probe once per sync which help center family answers; from the
# Knowledge Base they read its tree and pages instead: about the same, 1 request per list page and per
# category, section and article.
_HELPDESK_PROBE = (
    "plus a 3-request probe per sync shared by the helpdesk streams; from Crisp's Knowledge Base: 1 request "
    "per tree or page list page and 1 or 2 per category, section and article"
)


class Pagination(Enum):
    # Page number in the path, `per_page` query (page_size); ends on an empty page or one proven the last
    # (shorter than the route's real page size, page_sizes.py): never on a page shorter than asked alone.
    PER_PAGE = "per_page"
    FIXED_PAGE = "fixed_page"  # page number in the path, server-chosen size, ends on an empty page
    NOT_PAGINATED = "not_paginated"  # one request returns the whole list
    MESSAGE_WALK = "message_walk"  # newest batch first, then `timestamp_before` the oldest one held
    SINGLE = "single"  # one object per parent


class Family(Enum):
    """How a stream reads its row: the stream class it gets (source.BUILDERS picks it from this field, so
    no module decides by stream or parent name). Its table check (_check_families) keeps parents and
    children of the newest-first lists consistent."""

    GENERIC = "generic"  # streams.CrispStream: the row's paging, once per parent item for a child
    CONVERSATION_LIST = "conversation list"  # the conversation list, scanned newest first
    PER_CONVERSATION = "per conversation"  # read for the conversations the list scan admits
    PROFILE_LIST = "profile list"  # the people profile list, scanned newest first
    PER_PROFILE = "per profile"  # read for the profiles that changed plus a rotating slice
    HELPDESK = "helpdesk"  # read from whichever help center family the workspace answers (helpdesk.py)


class BumpRule(Enum):
    """For a child read only under the parents whose `updated_at` passed the reference: whether that holds
    every change of the child, i.e. adding or changing it moves its parent's `updated_at`. Required on every
    such row (_check_bump_rules): a new child cannot be trusted by default."""

    # Relied on and checked on every record: a child dated after its parent's listed updated_at contradicts
    # it (one warning, then every parent is visited). The child needs a date of its own to be checked.
    VERIFIED = "verified"
    TRUSTED = "trusted"  # relied on unchecked: assumptions.py says why it holds
    # Not relied on: incremental syncs also read a rotating slice of the other parents (rotating_slice.py).
    SLICE = "covered by the slice"


# The family a child of each newest-first list must have: its parent's scan decides which parents it reads.
_CHILD_FAMILY = MappingProxyType(
    {Family.CONVERSATION_LIST: Family.PER_CONVERSATION, Family.PROFILE_LIST: Family.PER_PROFILE}
)


@dataclass(frozen=True)
class FanOverCheck:
    """Where Crisp itself names, per parent, the values a `fan_over` field takes: the keys of the map
    `map_field` in the answer of `path` (a campaign's own `statistics` counters, one per action). The listed
    values are a guess (`guess`, in assumptions.py); a value Crisp names beyond them is read too, with a
    warning naming the guess, so a wrong list costs one request per parent, never rows (fan_over_check.py).
    """

    path: str
    map_field: str
    fan_field: str  # the `fan_over` field whose values the map's keys are
    guess: str  # the name in assumptions.py of the listed values


@dataclass(frozen=True)
class Scan:
    """How an incremental read asks a newest-first list (Family CONVERSATION_LIST, PROFILE_LIST) for the
    order of its cursor. The order is a guess (`guess`, in assumptions.py), checked on every record read
    (incremental.DescendingScan)."""

    sort: Mapping[str, Mapping[str, str]]  # cursor -> the query params listing newest first by it
    guess: str  # the name in assumptions.py of the sort guess, for the warning that says it failed
    # A cursor no sort gives completely, scanned on the list of a cursor that bounds it from above (and
    # filtered here): conversations' waiting_since on updated_at (assumptions.WAITING_SINCE_SCAN_AXIS).
    axes: Mapping[str, str] = field(default_factory=dict)
    date_filter_field: str | None = None  # the cursor Crisp's filter_date_start/end apply to
    # Crisp may answer the sort params with an error (a 400): the list is then read again without them
    # (profiles.sorted_pages), and check's access probe asks the list unsorted, so a refusal is not taken
    # for a missing scope.
    refusable: bool = False

    def axis(self, cursor: str) -> str:
        """The cursor whose sorted list a read on `cursor` scans."""
        return self.axes.get(cursor, cursor)


@dataclass(frozen=True)
class Enrichment:
    """An extra request per item whose answer is merged into it (`keep` = the fields taken, None = all).

    `is_item`: the item's own route, so its 404 means the item is gone (skipped). Any other route is a PART
    of the item that may be absent (an uncategorized article's category): its 404 emits the item with the
    `keep` columns null, once the item's own route confirms the item still exists (enrichment.py).
    `listed`: fields that make the request unnecessary when the list item already carries them, trusted only
    after the same sync saw this route answer the same values for a listed item.
    """

    path: str
    keep: tuple[str, ...] | None = None
    is_item: bool = False
    listed: tuple[str, ...] = ()


@dataclass(frozen=True)
class CrispObject:
    name: str
    description: str
    path: str
    pagination: Pagination
    primary_key: tuple[str, ...]
    known_fields: Mapping[str, ColumnType]
    parent: str | None = None
    parent_fields: tuple[str, ...] = ()  # copied from the parent into the path and into each record
    # Path fields read once per fixed value, for each parent (a campaign's statistics, per action); the
    # value is also a column of the records, like a parent field.
    fan_over: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    fan_over_check: FanOverCheck | None = None  # the answer that verifies the `fan_over` values per parent
    cursor_candidates: tuple[str, ...] = ()
    default_cursor: str | None = None
    list_params: Mapping[str, str] = field(default_factory=dict)
    scan: Scan | None = None  # the newest-first lists: how they are asked for each cursor's order
    hoist: str | None = None  # a sub-object merged into the top level (operators' `details`)
    never_emit: tuple[str, ...] = ()  # secret fields, dotted for nested ones (`access.password`)
    # Objects whose keys are data, not fields: one string column holding their JSON text (like arrays), so a
    # key that the discovery sample did not show is still emitted.
    json_fields: tuple[str, ...] = ()
    # Maps whose keys are data but which users want as columns too (custom data): a `<map>_<key>` column per
    # key the discovery sample showed, AND the whole map as JSON text in the column at the map's own path
    # (declared in known_fields), so a key that the sample did not show is never lost.
    whole_maps: tuple[str, ...] = ()
    enrichments: tuple[Enrichment, ...] = ()
    sample_parents: int = 1  # discovery: parents whose children are sampled
    optional: bool = False  # a feature a website may not have: a 404 on its list means "none", not an error
    # A list of bare values, not objects (campaign tags): each value becomes the record {value_field: value}.
    value_field: str | None = None
    # The answer is an object whose `list_field` holds the items (a conversation's {participants: [...]}).
    list_field: str | None = None
    # Crisp field -> column name, for a field named like a credential that holds a plain name (a suggested
    # data key's `key` is "plan", not a secret): flatten.is_credential would drop it under its own name.
    renames: Mapping[str, str] = field(default_factory=dict)
    family: Family = Family.GENERIC  # which stream class reads the row (Family)
    parent_bump: BumpRule | None = None  # required for the children of a newest-first list (BumpRule)
    # The column holding the parent's updated_at when the child was read, the child's default cursor: what a
    # child covered by the slice is selected on (set by _with_parent_cursor, with the column and cursor).
    parent_cursor: str | None = None

    @property
    def incremental(self) -> bool:
        return bool(self.cursor_candidates)

    def contexts_under(
        self,
        parent: Mapping[str, Any],
        parent_context: Mapping[str, Any],
        seen: Mapping[str, tuple[str, ...]] | None = None,
    ) -> Iterator[dict]:
        """The path fields of each read under one parent item: its parent fields, times `fan_over` (plus the
        values `seen` in this parent's `fan_over_check` answer beyond the listed ones)."""
        base = {name: parent.get(name, parent_context.get(name)) for name in self.parent_fields}
        values_of = [
            (*listed, *(v for v in (seen or {}).get(name, ()) if v not in listed))
            for name, listed in self.fan_over.items()
        ]
        for values in product(*values_of):
            yield base | dict(zip(self.fan_over, values, strict=True))


def _with_parent_cursor(obj: CrispObject, column: str) -> CrispObject:
    """The row with the parent's updated_at copied into `column` of each record: a LONG column, the first
    cursor candidate and the default one (its own dates stay candidates)."""
    own = tuple(candidate for candidate in obj.cursor_candidates if candidate != column)
    return replace(
        obj,
        parent_cursor=column,
        known_fields=MappingProxyType({**obj.known_fields, column: ColumnType.LONG}),
        cursor_candidates=(column, *own),
        default_cursor=column,
    )


_ARTICLE = _W + "/helpdesk/locale/{locale}/article/{article_id}"


def _suggested(
    name: str,
    what: str,
    path: str,
    key: str,
    fields: Mapping[str, ColumnType],
    renames: Mapping[str, str] | None = None,
) -> CrispObject:
    """What Crisp suggests from the workspace's data (segments, data keys, event names), with counts."""
    return CrispObject(
        name=name,
        description=f"{what} ({_PAGED}).",
        path=_W + path,
        pagination=Pagination.FIXED_PAGE,
        primary_key=(key,),
        known_fields=fields,
        renames=MappingProxyType(dict(renames or {})),
    )


_DATA_KEY = MappingProxyType({"key": "key_name"})

# --- per-conversation children (conversation_streams.ConversationChildStream) -------------------------
# Their request cost, said in each description: the conversation list is walked once per sync however many
# of them are selected (the walk's pages are shared), then each selected stream reads its own route per
# conversation.
_AFTER_WALK = "after the conversation list walk the conversation streams of a sync share"
_PER_CONVERSATION_LIST = (
    "1 request per page of each conversation's list plus the empty page that ends it: 2 per conversation "
    "that has any, 1 per conversation that has none"
)
_PER_CONVERSATION = "1 request per conversation"
# The conversation's updated_at when its undated children (participants, routing) were read: their cursor.
CONVERSATION_CURSOR = "conversation_updated_at"
# A profile's updated_at when its children were read: the default cursor of every per-profile stream.
PROFILE_CURSOR = "profile_updated_at"


def _per_conversation(
    name: str,
    what: str,
    route: str,
    pagination: Pagination,
    key: tuple[str, ...],
    fields: Mapping[str, ColumnType],
    bump: BumpRule,
    **options: object,
) -> CrispObject:
    """A child of conversations: dated ones are incremental on `timestamp` (for conversations that changed);
    the others (participants, routing) on the copied `conversation_updated_at`, read for the conversations
    that changed plus a rotating slice of the others (conversation_streams.py, rotating_slice.py)."""
    dated = "timestamp" in fields
    cost = _PER_CONVERSATION_LIST if pagination == Pagination.FIXED_PAGE else _PER_CONVERSATION
    when = (
        "incremental syncs read only the conversations that changed"
        if dated
        else "no date of its own: incremental syncs read the conversations that changed plus a rotating "
        "slice of the others (conversation_refresh_syncs)"
    )
    row = CrispObject(
        name=name,
        description=f"{what} ({cost}, {_AFTER_WALK}; {when}).",
        path=_W + "/conversation/{session_id}/" + route,
        pagination=pagination,
        primary_key=("session_id", *key),
        known_fields=fields,
        parent="conversations",
        parent_fields=("session_id",),
        family=Family.PER_CONVERSATION,
        parent_bump=bump,
        cursor_candidates=("timestamp",) if dated else (),
        default_cursor="timestamp" if dated else None,
        sample_parents=3,
        **options,  # type: ignore[arg-type]
    )
    return row if dated else _with_parent_cursor(row, CONVERSATION_CURSOR)


CONVERSATION_CHILDREN: tuple[CrispObject, ...] = (
    _per_conversation(
        "conversation_events",
        "Events of each conversation (custom events pushed on the conversation; `data` as JSON text)",
        "events/{page}",
        Pagination.FIXED_PAGE,
        ("timestamp", "text"),
        known.CONVERSATION_EVENT,
        BumpRule.VERIFIED,  # assumptions.CHILDREN_BUMP_UPDATED_AT
        json_fields=("data",),
    ),
    _per_conversation(
        "conversation_pages",
        "Pages the visitor of each conversation browsed",
        "pages/{page}",
        Pagination.FIXED_PAGE,
        ("timestamp", "page_url"),
        known.CONVERSATION_PAGE,
        BumpRule.VERIFIED,  # assumptions.CHILDREN_BUMP_UPDATED_AT
    ),
    _per_conversation(
        "conversation_files",
        "Files shared in each conversation",
        "files/{page}",
        Pagination.FIXED_PAGE,
        ("fingerprint",),
        known.CONVERSATION_FILE,
        BumpRule.VERIFIED,  # assumptions.CHILDREN_BUMP_UPDATED_AT
    ),
    _per_conversation(
        "conversation_participants",
        "External participants of each conversation (e.g. emails in copy), one row per participant",
        "participants",
        Pagination.NOT_PAGINATED,
        ("type", "target"),
        known.CONVERSATION_PARTICIPANT,
        BumpRule.SLICE,  # assumptions.CONVERSATION_UPDATED_AT_COVERS_UNDATED_CHILDREN
        list_field="participants",
    ),
    _per_conversation(
        "conversation_routing",
        "Who each conversation is routed (assigned) to, one row per conversation",
        "routing",
        Pagination.SINGLE,
        (),
        known.CONVERSATION_ROUTING,
        BumpRule.SLICE,  # assumptions.CONVERSATION_UPDATED_AT_COVERS_UNDATED_CHILDREN
    ),
    _per_conversation(
        "conversation_metas",
        "The visitor details of each conversation (nickname, email, device, segments; custom data as "
        "data_<key> columns and whole as JSON text in `data`) from its own meta route, one row per "
        "conversation",
        "meta",
        Pagination.SINGLE,
        (),
        known.CONVERSATION_META,
        BumpRule.SLICE,  # assumptions.CONVERSATION_UPDATED_AT_COVERS_UNDATED_CHILDREN
        whole_maps=("data",),
    ),
)


def _per_parent(parent: str) -> str:
    """The request cost of a list read once per parent, paged by the server (FIXED_PAGE)."""
    return f"1 request per {parent}, plus 1 per page for one that has any (the empty page ends each list)"


# The per-profile streams are read by people_children.PeopleChildStream, whatever their own dates.
def _per_profile(**fields: Any) -> CrispObject:
    """A child of people_profiles: read for the profiles that changed plus a rotating slice of the others
    (people_children.py), as the profile's updated_at is not known to move when its children change; each
    record carries that updated_at as `profile_updated_at`, its default cursor."""
    row = CrispObject(
        **fields,
        parent="people_profiles",
        parent_fields=("people_id",),
        family=Family.PER_PROFILE,
        parent_bump=BumpRule.SLICE,  # assumptions.PROFILE_UPDATED_AT_COVERS_DATA
    )
    return _with_parent_cursor(row, PROFILE_CURSOR)


_PER_PROFILE_SYNC = (
    "Incremental syncs read the profiles that changed plus a rotating slice of the others "
    "(people_refresh_syncs)."
)


# Per-parent streams of campaigns and people: each costs requests per parent, so none is a suggested stream.
# Their items carry no id of their own: the parent's id (and the action) are part of the primary key.
CAMPAIGN_AND_PEOPLE_CHILDREN: tuple[CrispObject, ...] = (
    CrispObject(
        name="campaign_recipients",
        description="The profiles each campaign targets, with whether they are subscribed to emails ("
        + _per_parent("campaign")
        + "). Full refresh only: a recipient has no date, and the list changes without the campaign's "
        "updated_at moving.",
        path=_W + "/campaign/{campaign_id}/recipients/{page}",
        pagination=Pagination.FIXED_PAGE,
        primary_key=("campaign_id", "people_id"),
        known_fields=known.CAMPAIGN_RECIPIENT,
        parent="campaigns",
        parent_fields=("campaign_id",),
    ),
    CrispObject(
        name="campaign_statistics",
        description="What each campaign's recipients did, one row per profile and action ("
        + ", ".join(CAMPAIGN_STATISTIC_ACTIONS)
        + ", and any other action the campaign's own statistics counters name), the action in `action` (1 "
        "request per campaign for its counters, then 1 request per campaign and action, plus 1 per page for "
        "one that has any). Incremental on the statistic's own dates, filtered here: a recipient opening a "
        "campaign does not move the campaign's updated_at, so every campaign and action is read on every "
        "sync; an incremental sync saves rows, not requests.",
        path=_W + "/campaign/{campaign_id}/statistics/{action}/{page}",
        pagination=Pagination.FIXED_PAGE,
        # A profile may come back under one action more than once (clicks on several links): its first
        # date keeps such rows apart.
        primary_key=("campaign_id", "action", "profile_people_id", "created_at"),
        known_fields=known.CAMPAIGN_STATISTIC,
        parent="campaigns",
        parent_fields=("campaign_id",),
        fan_over=MappingProxyType({"action": CAMPAIGN_STATISTIC_ACTIONS}),
        # npm crisp-api 11 getCampaign -> WebsiteCampaignItem.statistics: a counter per action.
        fan_over_check=FanOverCheck(
            _W + "/campaign/{campaign_id}", "statistics", "action", "CAMPAIGN_STATISTIC_ACTIONS"
        ),
        json_fields=("data",),
        cursor_candidates=("updated_at", "created_at"),
        default_cursor="updated_at",
    ),
    _per_profile(
        name="people_events",
        description="Events recorded on each profile, their data as JSON text ("
        + _per_parent("profile")
        + "). "
        + _PER_PROFILE_SYNC,
        path=_W + "/people/events/{people_id}/list/{page}",
        pagination=Pagination.FIXED_PAGE,
        # An event has no id: two events of one name in the same millisecond are one row.
        primary_key=("people_id", "timestamp", "text"),
        known_fields=known.PEOPLE_EVENT,
        json_fields=("data",),
        cursor_candidates=("timestamp",),
        default_cursor="timestamp",
    ),
    _per_profile(
        name="people_conversations",
        description="Which conversations each profile took part in, one row per profile and session id ("
        + _per_parent("profile")
        + "). "
        + _PER_PROFILE_SYNC,
        path=_W + "/people/conversations/{people_id}/list/{page}",
        pagination=Pagination.FIXED_PAGE,
        primary_key=("people_id", "session_id"),
        known_fields=known.PEOPLE_CONVERSATION,
        value_field="session_id",
    ),
    _per_profile(
        name="people_campaigns",
        description="The campaigns each profile received, with the actions it took in `statistics` ("
        + _per_parent("profile")
        + "). "
        + _PER_PROFILE_SYNC
        + " None of its own dates is a cursor: they are the campaign's and the delivery's, and none moves "
        "when the profile later opens or clicks.",
        path=_W + "/people/campaigns/{people_id}/list/{page}",
        pagination=Pagination.FIXED_PAGE,
        primary_key=("people_id", "campaign_id"),
        known_fields=known.PEOPLE_CAMPAIGN,
    ),
    _per_profile(
        name="people_subscriptions",
        description="Whether each profile is subscribed to emails, one row per profile (1 request per "
        "profile). " + _PER_PROFILE_SYNC,
        path=_W + "/people/subscription/{people_id}",
        pagination=Pagination.SINGLE,
        primary_key=("people_id",),
        known_fields=known.PEOPLE_SUBSCRIPTION,
    ),
)


OBJECTS: tuple[CrispObject, ...] = (
    CrispObject(
        name="operators",
        description="Operators of the workspace (token fields identifier/key are never emitted; 1 request).",
        path=_W + "/operators/list",
        pagination=Pagination.NOT_PAGINATED,
        primary_key=("user_id",),
        known_fields=known.OPERATOR,
        hoist="details",
        never_emit=("identifier", "key"),
    ),
    CrispObject(
        name="people_profiles",
        description=f"Contact profiles (people; {_LISTED}).",
        path=_W + "/people/profiles/{page}",
        pagination=Pagination.PER_PAGE,
        primary_key=("people_id",),
        known_fields=known.PEOPLE_PROFILE,
        cursor_candidates=("updated_at", "created_at"),
        default_cursor="updated_at",
        scan=Scan(sort=MappingProxyType(PEOPLE_SORT_PARAMS), guess="PEOPLE_SORT_PARAMS", refusable=True),
        family=Family.PROFILE_LIST,
    ),
    _per_profile(
        name="people_data",
        description="Custom attributes of each profile, as data_<key> columns (the keys discover saw) and "
        "whole as JSON text in `data` (every key). 1 request per profile; incremental syncs read the "
        "profiles that changed plus a rotating slice of the others (people_refresh_syncs).",
        path=_W + "/people/data/{people_id}",
        pagination=Pagination.SINGLE,
        primary_key=("people_id",),
        known_fields=known.PEOPLE_DATA,
        whole_maps=("data",),
        sample_parents=5,
    ),
    CrispObject(
        name="visitors",
        description=f"Visitors on the website right now (a live snapshot, not a history; {_PAGED}).",
        path=_W + "/visitors/list/{page}",
        pagination=Pagination.FIXED_PAGE,
        primary_key=("session_id",),
        known_fields=known.VISITOR,
    ),
    CrispObject(
        name="conversations",
        description="Conversations, including empty ones; custom data as meta_data_<key> columns (the keys "
        f"discover saw) and whole as JSON text in `meta_data` (every key) ({_LISTED}; the walk is shared "
        "with the conversation streams of the same sync).",
        path=_W + "/conversations/{page}",
        pagination=Pagination.PER_PAGE,
        primary_key=("session_id",),
        known_fields=known.CONVERSATION,
        whole_maps=("meta.data",),
        cursor_candidates=("updated_at", "created_at", "waiting_since"),
        default_cursor="updated_at",
        list_params=MappingProxyType({"include_empty": "1"}),
        scan=Scan(
            sort=MappingProxyType(
                {cursor: {param: "1"} for cursor, param in CONVERSATION_SORT_PARAMS.items()}
            ),
            guess="CONVERSATION_SORT_PARAMS",
            axes=MappingProxyType({"waiting_since": WAITING_SINCE_SCAN_AXIS}),
            date_filter_field=CONVERSATION_DATE_FILTER_FIELD,
        ),
        family=Family.CONVERSATION_LIST,
    ),
    CrispObject(
        name="conversation_messages",
        description="Messages of each conversation, oldest first within a conversation (1 request per batch "
        "of messages, newest batch first, walking back until a batch reaches the reference or the first "
        f"message: at least 1 per conversation, {_AFTER_WALK}; incremental syncs read only the conversations "
        "that changed).",
        path=_W + "/conversation/{session_id}/messages",
        pagination=Pagination.MESSAGE_WALK,
        primary_key=("session_id", "fingerprint"),
        known_fields=known.MESSAGE,
        json_fields=("ignored", "properties"),
        parent="conversations",
        parent_fields=("session_id",),
        family=Family.PER_CONVERSATION,
        parent_bump=BumpRule.TRUSTED,  # a new message moves updated_at (assumptions.py §4.3)
        cursor_candidates=("timestamp",),
        default_cursor="timestamp",
        sample_parents=3,
    ),
    *CONVERSATION_CHILDREN,
    CrispObject(
        name="website",
        description="The website itself, one row (1 request).",
        path=_W,
        pagination=Pagination.SINGLE,
        primary_key=("website_id",),
        known_fields=known.WEBSITE_ROW,
    ),
    CrispObject(
        name="website_settings",
        description="The website's settings, one row flattened: contact, inbox, emails, chatbox (1 request).",
        path=_W + "/settings",
        pagination=Pagination.SINGLE,
        primary_key=("website_id",),
        known_fields=known.WEBSITE_SETTINGS,
    ),
    CrispObject(
        name="website_availability",
        description="The website's availability status now, one row (a live snapshot; 1 request).",
        path=_W + "/availability/status",
        pagination=Pagination.SINGLE,
        primary_key=("website_id",),
        known_fields=known.WEBSITE_AVAILABILITY,
    ),
    CrispObject(
        name="operator_availabilities",
        description="Each operator's availability now (a live snapshot; 1 request).",
        path=_W + "/availability/operators",
        pagination=Pagination.NOT_PAGINATED,
        primary_key=("user_id",),
        known_fields=known.OPERATOR_AVAILABILITY,
    ),
    CrispObject(
        name="teams",
        description=f"Operator teams ({_PAGED}).",
        path=_W + "/teams/list/{page}",
        pagination=Pagination.FIXED_PAGE,
        primary_key=("team_id",),
        known_fields=known.TEAM,
        cursor_candidates=("updated_at", "created_at"),
        default_cursor="updated_at",
    ),
    CrispObject(
        name="inboxes",
        description=f"Conversation inboxes and their routing conditions ({_PAGED}).",
        path=_W + "/inboxes/list/{page}",
        pagination=Pagination.FIXED_PAGE,
        primary_key=("inbox_id",),
        known_fields=known.INBOX,
        cursor_candidates=("updated_at", "created_at"),
        default_cursor="updated_at",
    ),
    CrispObject(
        name="campaigns",
        description=f"Campaigns, without their message body ({_PAGED}).",
        path=_W + "/campaigns/list/{page}",
        pagination=Pagination.FIXED_PAGE,
        primary_key=("campaign_id",),
        known_fields=known.CAMPAIGN,
        cursor_candidates=("updated_at", "created_at", "dispatched_at"),
        default_cursor="updated_at",
    ),
    CrispObject(
        name="campaign_templates",
        description=f"Campaign templates, without their body ({_PAGED}).",
        path=_W + "/campaigns/templates/{page}",
        pagination=Pagination.FIXED_PAGE,
        primary_key=("template_id",),
        known_fields=known.CAMPAIGN_TEMPLATE,
        cursor_candidates=("updated_at", "created_at"),
        default_cursor="updated_at",
    ),
    CrispObject(
        name="campaign_tags",
        description="The tags campaigns use, one row per tag (1 request).",
        path=_W + "/campaigns/tags",
        pagination=Pagination.NOT_PAGINATED,
        primary_key=("tag",),
        known_fields=known.CAMPAIGN_TAG,
        value_field="tag",
    ),
    CrispObject(
        name="spam_conversations",
        description=f"Conversations Crisp's spam filter held back, without their content ({_PAGED}).",
        path=_W + "/conversations/spams/{page}",
        pagination=Pagination.FIXED_PAGE,
        primary_key=("spam_id",),
        known_fields=known.SPAM,
        json_fields=("metadata", "headers"),
        cursor_candidates=("timestamp",),
        default_cursor="timestamp",
    ),
    _suggested(
        "conversation_segments",
        "Segments Crisp suggests for conversations, with how many use each",
        "/conversations/suggest/segments/{page}",
        "segment",
        known.SUGGESTED_SEGMENT,
    ),
    _suggested(
        "conversation_data_keys",
        "Custom data keys Crisp suggests for conversations, with how many use each",
        "/conversations/suggest/data/{page}",
        "key_name",
        known.SUGGESTED_DATA_KEY,
        _DATA_KEY,
    ),
    CrispObject(
        name="people_statistics",
        description="How many contact profiles the workspace holds, one row (1 request).",
        path=_W + "/people/stats",
        pagination=Pagination.SINGLE,
        primary_key=("website_id",),
        known_fields=known.PEOPLE_STATISTICS,
    ),
    _suggested(
        "people_segments",
        "Segments Crisp suggests for contacts, with how many use each",
        "/people/suggest/segments/{page}",
        "segment",
        known.SUGGESTED_SEGMENT,
    ),
    _suggested(
        "people_data_keys",
        "Custom data keys Crisp suggests for contacts, with how many use each",
        "/people/suggest/data/{page}",
        "key_name",
        known.SUGGESTED_DATA_KEY,
        _DATA_KEY,
    ),
    _suggested(
        "people_event_names",
        "Event names Crisp suggests for contacts, with how many carry each",
        "/people/suggest/events/{page}",
        "text",
        known.SUGGESTED_EVENT,
    ),
    CrispObject(
        name="helpdesk",
        description="The help center itself, one row; empty without a help center (1 request).",
        path=_W + "/helpdesk",
        pagination=Pagination.SINGLE,
        primary_key=("website_id",),
        known_fields=known.HELPDESK,
        optional=True,
    ),
    CrispObject(
        name="helpdesk_settings",
        description="The help center's settings, one row flattened; its access password and JWT secret are "
        "never emitted (1 request).",
        path=_W + "/helpdesk/settings",
        pagination=Pagination.SINGLE,
        primary_key=("website_id",),
        known_fields=known.HELPDESK_SETTINGS,
        never_emit=("access.password", "access.jwt_secret"),
        optional=True,
    ),
    CrispObject(
        name="helpdesk_redirections",
        description=f"Help center URL redirections ({_PAGED}).",
        path=_W + "/helpdesk/redirections/{page}",
        pagination=Pagination.FIXED_PAGE,
        primary_key=("redirection_id",),
        known_fields=known.HELPDESK_REDIRECTION,
        cursor_candidates=("updated_at", "created_at"),
        default_cursor="updated_at",
        optional=True,
    ),
    CrispObject(
        name="helpdesk_locales",
        description=f"Languages of the help center ({_PAGED}).",
        path=_W + "/helpdesk/locales/{page}",
        pagination=Pagination.FIXED_PAGE,
        primary_key=("locale",),
        known_fields=known.HELPDESK_LOCALE,
        optional=True,  # websites without a help center
    ),
    CrispObject(
        name="helpdesk_categories",
        description=f"Help center categories, per locale ({_PAGED}, per locale; {_HELPDESK_PROBE}).",
        path=_W + "/helpdesk/locale/{locale}/categories/{page}",
        pagination=Pagination.FIXED_PAGE,
        primary_key=("locale", "category_id"),
        known_fields=known.HELPDESK_CATEGORY,
        parent="helpdesk_locales",
        parent_fields=("locale",),
        cursor_candidates=("updated_at", "created_at"),
        default_cursor="updated_at",
        family=Family.HELPDESK,
    ),
    CrispObject(
        name="helpdesk_sections",
        description=f"Sections of each help center category ({_PAGED}, per category; {_HELPDESK_PROBE}).",
        path=_W + "/helpdesk/locale/{locale}/category/{category_id}/sections/{page}",
        pagination=Pagination.FIXED_PAGE,
        primary_key=("locale", "section_id"),
        known_fields=known.HELPDESK_SECTION,
        parent="helpdesk_categories",
        parent_fields=("locale", "category_id"),
        cursor_candidates=("updated_at", "created_at"),
        default_cursor="updated_at",
        family=Family.HELPDESK,
        sample_parents=2,
    ),
    CrispObject(
        name="helpdesk_articles",
        description="Help center articles with their Markdown body and their category/section "
        f"({_PAGED}, per locale, plus up to 2 per article: its own route when the list lacks its body, and "
        f"its category; {_HELPDESK_PROBE}).",
        path=_W + "/helpdesk/locale/{locale}/articles/{page}",
        pagination=Pagination.FIXED_PAGE,
        primary_key=("locale", "article_id"),
        known_fields=known.HELPDESK_ARTICLE,
        parent="helpdesk_locales",
        parent_fields=("locale",),
        cursor_candidates=("updated_at", "created_at", "published_at"),
        default_cursor="updated_at",
        family=Family.HELPDESK,
        enrichments=(
            Enrichment(_ARTICLE, is_item=True, listed=ARTICLE_LIST_FIELDS),
            Enrichment(_ARTICLE + "/category", keep=("category_id", "section_id")),
        ),
    ),
    *CAMPAIGN_AND_PEOPLE_CHILDREN,
)

BY_NAME: Mapping[str, CrispObject] = MappingProxyType({obj.name: obj for obj in OBJECTS})


def _check_families(objects: tuple[CrispObject, ...]) -> None:
    """A child of a newest-first list has that list's child family, and only such a child has it: a child
    of conversations read as GENERIC would walk every conversation on every sync, and a PER_CONVERSATION
    row under another parent would read the wrong list. Raised at import, so a new row cannot ship wrong."""
    by_name = {obj.name: obj for obj in objects}
    lists_of = {child: parent for parent, child in _CHILD_FAMILY.items()}
    for obj in objects:
        parent = by_name[obj.parent] if obj.parent else None
        wanted = _CHILD_FAMILY.get(parent.family) if parent else None
        if parent and wanted and obj.family != wanted:
            raise ValueError(
                f"objects.py: {obj.name}, a child of {parent.name}, has family {obj.family.name}: "
                f"a child of a {parent.family.value} row needs family {wanted.name}"
            )
        if wanted is None and obj.family in lists_of:
            raise ValueError(
                f"objects.py: {obj.name} has family {obj.family.name}, which is only for the children of a "
                f"{lists_of[obj.family].value} row; its parent is {obj.parent or 'none'}"
            )


# The rules each child family's stream implements (conversation_streams.py, people_children.py).
_RULES_READ = MappingProxyType(
    {
        Family.PER_CONVERSATION: frozenset(BumpRule),
        Family.PER_PROFILE: frozenset({BumpRule.SLICE}),  # every per-profile stream reads the slice
    }
)


def _check_bump_rules(objects: tuple[CrispObject, ...]) -> None:
    """Every child of a newest-first list says how a change of it reaches the next sync (no silent trust),
    with a rule its stream implements; a VERIFIED child is checked on its own date, so it needs one; a
    child covered by the slice carries its parent's copied cursor (its own date could not select the
    children the slice reads again). Raised at import."""
    for obj in objects:
        rules = _RULES_READ.get(obj.family)
        if rules is None:
            if obj.parent_bump is not None:
                raise ValueError(
                    f"objects.py: {obj.name} has parent_bump {obj.parent_bump.name}, which only the children "
                    f"of a newest-first list ({', '.join(family.name for family in _RULES_READ)}) take"
                )
            continue
        if obj.parent_bump not in rules:
            raise ValueError(
                f"objects.py: {obj.name} ({obj.family.name}) needs parent_bump, one of "
                f"{', '.join(sorted(rule.name for rule in rules))}: whether its changes move its parent's "
                f"updated_at (verified, trusted or covered by the slice); it has {obj.parent_bump}"
            )
        own_date = obj.default_cursor in obj.known_fields and obj.default_cursor != obj.parent_cursor
        if obj.parent_bump == BumpRule.VERIFIED and not own_date:
            raise ValueError(f"objects.py: {obj.name} is VERIFIED but its cursor is not a date of its own")
        if (obj.parent_bump == BumpRule.SLICE) != (obj.parent_cursor is not None):
            raise ValueError(
                f"objects.py: {obj.name}: a child covered by the slice copies its parent's cursor "
                "(_with_parent_cursor), and only such a child"
            )


def _check_scans(objects: tuple[CrispObject, ...]) -> None:
    """A newest-first list has a scan giving every cursor it offers a sorted list to scan, directly or on an
    axis; no other row has one (nothing would read it). Raised at import."""
    for obj in objects:
        if obj.family not in _CHILD_FAMILY:
            if obj.scan is not None:
                raise ValueError(f"objects.py: {obj.name} has a scan but is not a newest-first list")
            continue
        unsorted = [
            c for c in obj.cursor_candidates if obj.scan is None or obj.scan.axis(c) not in obj.scan.sort
        ]
        if unsorted:
            raise ValueError(
                f"objects.py: {obj.name} ({obj.family.name}) has no sort for the cursor(s) "
                f"{', '.join(unsorted)}: give its scan a sort or an axis for each"
            )


_check_families(OBJECTS)
_check_bump_rules(OBJECTS)
_check_scans(OBJECTS)
