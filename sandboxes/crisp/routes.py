"""The Crisp REST API v1 routes the source reads, one short function each (reference §4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import unquote

from . import assumptions
from .conversations import ConversationQuery, batch_bounds
from .helpdesk import HELPDESK_URL
from .knowledge_base import CONTENT_TYPES, FILLED_CONTENT_TYPE, locale_statistics
from .ordering import ASCENDING, IGNORED, LONGEST_WAITING_FIRST, NEWEST_FIRST, OLDEST_FIRST, REFUSED
from .protocol import ApiError, Call, Reply, Router, listed_page, not_found, resolved

if TYPE_CHECKING:
    from .dataset import Workspace

router = Router()
route = router.route
W = "/website/{website_id}"
CONVERSATIONS, MESSAGES = "website:conversation:sessions", "website:conversation:messages"
PARTICIPANTS, ROUTING = "website:conversation:participants", "website:conversation:routing"
PROFILES, PEOPLE_DATA = "website:people:profiles", "website:people:data"
SUBSCRIPTIONS = "website:people:subscriptions"
HELPDESK = assumptions.HELPDESK_SCOPE
CAMPAIGNS = assumptions.CAMPAIGNS_SCOPE
SETTINGS, AVAILABILITY = "website:settings", "website:availability"  # in Crisp's scope list (§1.3)


def _fixed(call: Call) -> int:
    """The page size of the lists without `per_page` (switch `fixed_page_size`)."""
    return call.sandbox.lists.fixed_page_size


@route("website", W)
def website(call: Call) -> Reply:
    return resolved(call.sandbox.workspace.website())


@route("website_settings", W + "/settings", SETTINGS)
def website_settings(call: Call) -> Reply:
    return resolved(call.sandbox.workspace.website_objects.settings)


@route("website_availability", W + "/availability/status", AVAILABILITY)
def website_availability(call: Call) -> Reply:
    return resolved(call.sandbox.workspace.website_objects.availability)


@route("operator_availabilities", W + "/availability/operators", AVAILABILITY)
def operator_availabilities(call: Call) -> Reply:
    availabilities = call.sandbox.workspace.website_objects.operator_availabilities
    return Reply(assumptions.UNPAGINATED_LIST_STATUS, "listed", availabilities)


@route("campaign_tags", W + "/campaigns/tags", CAMPAIGNS)
def campaign_tags(call: Call) -> Reply:
    return Reply(assumptions.UNPAGINATED_LIST_STATUS, "listed", call.sandbox.workspace.campaigns.tags)


def _campaign_id(call: Call) -> str:
    campaign_id = call.path["campaign_id"]
    if campaign_id not in call.sandbox.workspace.audience.recipients:
        raise ApiError(404, assumptions.UNKNOWN_CAMPAIGN_REASON, "campaign does not exist")
    return campaign_id


@route("campaign", W + "/campaign/{campaign_id}", CAMPAIGNS)
def campaign(call: Call) -> Reply:
    return resolved(call.sandbox.workspace.campaign(_campaign_id(call), call.sandbox.statistic_actions))


@route("campaign_recipients", W + "/campaign/{campaign_id}/recipients[/{page}]", CAMPAIGNS)
def campaign_recipients(call: Call) -> Reply:
    recipients = call.sandbox.workspace.campaign_recipients(_campaign_id(call))
    return listed_page(recipients, call.page(), _fixed(call))


@route("campaign_statistics", W + "/campaign/{campaign_id}/statistics/{action}[/{page}]", CAMPAIGNS)
def campaign_statistics(call: Call) -> Reply:
    campaign_id, action = _campaign_id(call), call.path["action"]
    if action not in call.sandbox.statistic_actions:
        known = ", ".join(call.sandbox.statistic_actions)
        raise ApiError(400, "invalid_data", f"action should be one of {known}")
    statistics = call.sandbox.workspace.campaign_statistics(campaign_id, action)
    return listed_page(statistics, call.page(), _fixed(call))


# Lists the server pages by itself (no per_page), each served whole from the generated workspace.
SERVER_PAGED_LISTS: tuple[tuple[str, str, str | None, Callable[[Workspace], list[dict]]], ...] = (
    ("teams", "/teams/list", "website:operators", lambda ws: ws.website_objects.teams),
    ("inboxes", "/inboxes/list", assumptions.INBOXES_SCOPE, lambda ws: ws.website_objects.inboxes),
    ("campaigns", "/campaigns/list", CAMPAIGNS, lambda ws: ws.campaigns.campaigns),
    ("campaign_templates", "/campaigns/templates", CAMPAIGNS, lambda ws: ws.campaigns.templates),
    ("spam_conversations", "/conversations/spams", CONVERSATIONS, lambda ws: ws.suggestions.spams),
    (
        "conversation_segments", "/conversations/suggest/segments", CONVERSATIONS,
        lambda ws: ws.suggestions.conversation_segments,
    ),
    (
        "conversation_data_keys", "/conversations/suggest/data", CONVERSATIONS,
        lambda ws: ws.suggestions.conversation_data_keys,
    ),
    ("people_segments", "/people/suggest/segments", PROFILES, lambda ws: ws.suggestions.people_segments),
    ("people_data_keys", "/people/suggest/data", PEOPLE_DATA, lambda ws: ws.suggestions.people_data_keys),
    ("people_event_names", "/people/suggest/events", PROFILES, lambda ws: ws.suggestions.people_events),
)  # fmt: skip


# The lists the sandbox can delete an item from (CrispSandbox.delete_listed), by route name.
DELETABLE: dict[str, Callable[[Workspace], list[dict]]] = {
    name: items_of for name, _path, _scope, items_of in SERVER_PAGED_LISTS
} | {"helpdesk_redirections": lambda ws: ws.website_objects.helpdesk_redirections}


def _server_paged(items_of: Callable[[Workspace], list[dict]]) -> Callable[[Call], Reply]:
    def handler(call: Call) -> Reply:
        return listed_page(items_of(call.sandbox.workspace), call.page(), _fixed(call))

    return handler


# Registered before `conversations`, whose optional page segment would take `spams` for a page number.
for _name, _path, _scope, _items_of in SERVER_PAGED_LISTS:
    route(_name, W + _path + "[/{page}]", _scope)(_server_paged(_items_of))


@route("conversations", W + "/conversations[/{page}]", CONVERSATIONS)
def conversations(call: Call) -> Reply:
    lists = call.sandbox.lists
    flag = next(
        (f for f in assumptions.ORDER_FLAG_PRECEDENCE if call.flag(f) and lists.direction(f) != IGNORED),
        None,
    )
    direction = lists.direction(flag) if flag else NEWEST_FIRST  # no flag: the default order
    query = ConversationQuery(
        order={"order_date_waiting": "waiting_since", "order_date_created": "created_at"}.get(
            flag or "", "updated_at"
        ),
        ascending=direction in (OLDEST_FIRST, LONGEST_WAITING_FIRST),
        waiting_only=direction == LONGEST_WAITING_FIRST,
        include_empty=call.flag("include_empty"),
        resolved=call.flag("filter_resolved"),
        not_resolved=call.flag("filter_not_resolved"),
        unread=call.flag("filter_unread"),
        date_field=call.sandbox.date_filter_field,
        date_start=call.date_ms("filter_date_start"),
        date_end=call.date_ms("filter_date_end"),
    )
    workspace = call.sandbox.workspace
    page, size = call.page(), call.per_page("conversations")
    listed = lists.misplace(workspace.list_conversations(query), size, workspace.store.negative_index)
    return listed_page(listed, page, size, workspace.conversation_object)


def _conversation_index(call: Call) -> int:
    i = call.sandbox.workspace.store.index_of(call.path["session_id"])
    if i is None:
        raise ApiError(
            assumptions.UNKNOWN_CONVERSATION_STATUS,
            assumptions.UNKNOWN_CONVERSATION_REASON,
            "conversation does not exist",
        )
    return i


@route("conversation", W + "/conversation/{session_id}", CONVERSATIONS)
def conversation(call: Call) -> Reply:
    return resolved(call.sandbox.workspace.conversation_object(_conversation_index(call)))


@route("conversation_messages", W + "/conversation/{session_id}/messages", MESSAGES)
def conversation_messages(call: Call) -> Reply:
    selectors = {
        name: call.integer(name) for name in ("timestamp_before", "timestamp_after", "timestamp_around")
    }
    if sum(value is not None for value in selectors.values()) > 1:
        raise ApiError(
            400, "invalid_data", "use only one of timestamp_before, timestamp_after, timestamp_around"
        )
    i = _conversation_index(call)
    workspace = call.sandbox.workspace
    stamps = workspace.store.message_timestamps(i)
    start, stop = batch_bounds(
        stamps,
        selectors["timestamp_before"],
        selectors["timestamp_after"],
        selectors["timestamp_around"],
        assumptions.MESSAGE_BATCH,
    )
    batch = workspace.message_objects(i, start, stop, stamps) if stop > start else []
    # 206: older messages remain before this batch; 200: the batch reaches the oldest (ruby-crisp-api #16).
    return Reply(206 if batch and start > 0 else 200, "listed", batch)


# A conversation's children (conversation_children.py); the scopes of events, pages, participants and routing
# are in Crisp's scope list, files are assumed to need the messages scope.
for _kind, _route, _scope in (
    ("event", "events", "website:conversation:events"),
    ("page", "pages", "website:conversation:pages"),
    ("file", "files", MESSAGES),
):

    def _children(call: Call, kind: str = _kind) -> Reply:
        items = call.sandbox.workspace.child_objects(_conversation_index(call), kind)
        return listed_page(items, call.page(), _fixed(call))

    _template = W + "/conversation/{session_id}/" + _route + "[/{page}]"
    route(f"conversation_{_route}", _template, _scope)(_children)


@route("conversation_participants", W + "/conversation/{session_id}/participants", PARTICIPANTS)
def conversation_participants(call: Call) -> Reply:
    return resolved(call.sandbox.workspace.participants_answer(_conversation_index(call)))


@route("conversation_routing", W + "/conversation/{session_id}/routing", ROUTING)
def conversation_routing(call: Call) -> Reply:
    return resolved(call.sandbox.workspace.routing_answer(_conversation_index(call)))


# npm crisp-api 11 getConversationMetas: the conversation's `meta` object alone; its scope is not in Crisp's
# list, so the sandbox asks the conversation's own (sessions).
@route("conversation_metas", W + "/conversation/{session_id}/meta", CONVERSATIONS)
def conversation_metas(call: Call) -> Reply:
    return resolved(call.sandbox.workspace.conversation_object(_conversation_index(call))["meta"])


@route("people_profiles", W + "/people/profiles[/{page}]", PROFILES)
def people_profiles(call: Call) -> Reply:
    default_field, default_order = assumptions.PEOPLE_DEFAULT_ORDER
    people_sort = call.sandbox.lists.people_sort
    asked = call.text("sort_field") or call.text("sort_order")
    if asked and people_sort == REFUSED:
        raise ApiError(400, "invalid_data", "sort_field and sort_order are not accepted")
    sort_field = call.text("sort_field") or default_field
    sort_order = call.text("sort_order") or default_order
    if people_sort == IGNORED:
        sort_field, sort_order = default_field, default_order
    if sort_field not in assumptions.PEOPLE_SORT_FIELDS:
        raise ApiError(
            400, "invalid_data", f"sort_field should be one of {', '.join(assumptions.PEOPLE_SORT_FIELDS)}"
        )
    if sort_order not in ("ascending", "descending"):
        raise ApiError(400, "invalid_data", "sort_order should be ascending or descending")
    people = call.sandbox.workspace.people
    indexes = people.query(
        sort_field,
        sort_order == "descending" and not (asked and people_sort == ASCENDING),
        call.text("search_text"),
        call.date_ms("filter_date_start"),
        call.date_ms("filter_date_end"),
    )
    return listed_page(indexes, call.page(), call.per_page("people_profiles"), people.profile)


def _people_index(call: Call) -> int:
    k = call.sandbox.workspace.people.index_of(call.path["people_id"])
    if k is None:
        raise ApiError(404, assumptions.UNKNOWN_PROFILE_REASON, "people profile does not exist")
    return k


@route("people_profile", W + "/people/profile/{people_id}", PROFILES)
def people_profile(call: Call) -> Reply:
    return resolved(call.sandbox.workspace.people.profile(_people_index(call)))


@route("people_data", W + "/people/data/{people_id}", PEOPLE_DATA)
def people_data(call: Call) -> Reply:
    return resolved({"data": call.sandbox.workspace.people.data(_people_index(call))})


@route("people_events", W + "/people/events/{people_id}/list[/{page}]", PROFILES)
def people_events(call: Call) -> Reply:
    events = call.sandbox.workspace.people.events(_people_index(call))
    return listed_page(events, call.page(), _fixed(call))


@route("people_conversations", W + "/people/conversations/{people_id}/list[/{page}]", PROFILES)
def people_conversations(call: Call) -> Reply:
    _people_index(call)
    sessions = call.sandbox.workspace.people_conversations(call.path["people_id"])
    return listed_page(sessions, call.page(), _fixed(call))


@route("people_campaigns", W + "/people/campaigns/{people_id}/list[/{page}]", PROFILES)
def people_campaigns(call: Call) -> Reply:
    _people_index(call)
    received = call.sandbox.workspace.people_campaigns(call.path["people_id"])
    return listed_page(received, call.page(), _fixed(call))


@route("people_subscription", W + "/people/subscription/{people_id}", SUBSCRIPTIONS)
def people_subscription(call: Call) -> Reply:
    _people_index(call)
    return resolved(call.sandbox.workspace.people_subscription(call.path["people_id"]))


@route("people_stats", W + "/people/stats", PROFILES)
def people_stats(call: Call) -> Reply:
    return resolved({"total": call.sandbox.workspace.people.count})


@route("visitors", W + "/visitors/list[/{page}]", "website:visitors")
def visitors(call: Call) -> Reply:
    return listed_page(call.sandbox.workspace.visitors(), call.page(), _fixed(call))


@route("operators", W + "/operators/list", "website:operators")
def operators(call: Call) -> Reply:
    return Reply(assumptions.UNPAGINATED_LIST_STATUS, "listed", call.sandbox.workspace.operators())


LEGACY_HELPDESK, KNOWLEDGE_BASE = ("legacy", "both"), ("knowledge_base", "both")  # modes serving each family


def _helpdesk(call: Call, family: tuple[str, ...] | None = None) -> None:
    """404 like an unknown route when the help center does not serve this family of routes."""
    mode = call.sandbox.helpdesk_mode
    if mode == "none":
        raise ApiError(404, assumptions.NO_HELPDESK_REASON, "the website has no helpdesk")
    if family is not None and mode not in family:
        raise ApiError(404, "not_found", "the route does not exist")


@route("helpdesk", W + "/helpdesk", HELPDESK)
def helpdesk(call: Call) -> Reply:
    _helpdesk(call)
    return resolved({"name": "Sandbox Café Help", "url": HELPDESK_URL})


@route("helpdesk_settings", W + "/helpdesk/settings", HELPDESK)
def helpdesk_settings(call: Call) -> Reply:
    _helpdesk(call)  # the same route in both families (npm crisp-api 10.11 and 11)
    return resolved(call.sandbox.workspace.website_objects.helpdesk_settings)


@route("helpdesk_redirections", W + "/helpdesk/redirections[/{page}]", HELPDESK)
def helpdesk_redirections(call: Call) -> Reply:
    _helpdesk(call)
    redirections = call.sandbox.workspace.website_objects.helpdesk_redirections
    return listed_page(redirections, call.page(), _fixed(call))


@route("helpdesk_locales", W + "/helpdesk/locales[/{page}]", HELPDESK)
def helpdesk_locales(call: Call) -> Reply:
    _helpdesk(call)
    mode, workspace = call.sandbox.helpdesk_mode, call.sandbox.workspace
    locales = []
    for locale in workspace.helpdesk_locales():
        shown = {
            k: v for k, v in locale.items() if mode in LEGACY_HELPDESK or k not in ("articles", "categories")
        }
        if mode in KNOWLEDGE_BASE:
            shown["statistics"] = locale_statistics(workspace.knowledge_base, locale["locale"])
        locales.append(shown)
    return listed_page(locales, call.page(), _fixed(call))


def _locale(call: Call, family: tuple[str, ...] = LEGACY_HELPDESK) -> str:
    _helpdesk(call, family)
    locale = call.path["locale"]
    if locale not in call.sandbox.workspace.helpdesk.articles:
        raise not_found("helpdesk locale")
    return locale


@route("helpdesk_categories", W + "/helpdesk/locale/{locale}/categories[/{page}]", HELPDESK)
def helpdesk_categories(call: Call) -> Reply:
    return listed_page(call.sandbox.workspace.helpdesk_categories(_locale(call)), call.page(), _fixed(call))


@route(
    "helpdesk_sections", W + "/helpdesk/locale/{locale}/category/{category_id}/sections[/{page}]", HELPDESK
)
def helpdesk_sections(call: Call) -> Reply:
    helpdesk = call.sandbox.workspace.helpdesk
    key = (_locale(call), call.path["category_id"])
    if key not in helpdesk.sections:
        raise not_found("helpdesk category")
    return listed_page(helpdesk.sections[key], call.page(), _fixed(call))


@route("helpdesk_locale", W + "/helpdesk/locale/{locale}", HELPDESK)
def helpdesk_locale(call: Call) -> Reply:
    """A locale's own route (npm crisp-api resolveHelpdeskLocale): how a 404 under it is confirmed."""
    locale = _locale(call)
    locales = call.sandbox.workspace.helpdesk_locales()
    return resolved(next(item for item in locales if item["locale"] == locale))


@route("helpdesk_category", W + "/helpdesk/locale/{locale}/category/{category_id}", HELPDESK)
def helpdesk_category(call: Call) -> Reply:
    """A category's own route (npm crisp-api resolveHelpdeskLocaleCategory)."""
    categories = call.sandbox.workspace.helpdesk_categories(_locale(call))
    wanted = call.path["category_id"]
    category = next((item for item in categories if item.get("category_id") == wanted), None)
    if category is None:
        raise not_found("helpdesk category")
    return resolved(dict(category))


@route("helpdesk_articles", W + "/helpdesk/locale/{locale}/articles[/{page}]", HELPDESK)
def helpdesk_articles(call: Call) -> Reply:
    articles = call.sandbox.workspace.helpdesk_articles(_locale(call))
    if not call.sandbox.article_list_content:
        articles = [{k: v for k, v in article.items() if k != "content"} for article in articles]
    return listed_page(articles, call.page(), _fixed(call))


def _article(call: Call) -> tuple[str, dict]:
    locale = _locale(call)
    article = call.sandbox.workspace.helpdesk.article(locale, call.path["article_id"])
    if article is None:
        raise ApiError(404, "article_not_found", "helpdesk article does not exist")
    return locale, article


@route("helpdesk_article", W + "/helpdesk/locale/{locale}/article/{article_id}", HELPDESK)
def helpdesk_article(call: Call) -> Reply:
    return resolved(dict(_article(call)[1]))


@route("helpdesk_article_category", W + "/helpdesk/locale/{locale}/article/{article_id}/category", HELPDESK)
def helpdesk_article_category(call: Call) -> Reply:
    locale, article = _article(call)
    link = call.sandbox.workspace.helpdesk.article_category.get((locale, article["article_id"]))
    if link is None:
        raise ApiError(404, assumptions.UNCATEGORIZED_CATEGORY_REASON, "the article has no category")
    return resolved(dict(link))


# --- the Knowledge Base (npm crisp-api 11.x) ---
def _content_type(call: Call) -> tuple[str, bool]:
    """(locale, whether this content type holds anything); an unknown content type is invalid."""
    locale = _locale(call, KNOWLEDGE_BASE)
    content_type = call.path["content_type"]
    if content_type not in CONTENT_TYPES:
        raise ApiError(400, "invalid_data", f"content_type should be one of {', '.join(CONTENT_TYPES)}")
    return locale, content_type == FILLED_CONTENT_TYPE


def _tree_path(call: Call) -> tuple[str, str]:
    locale, filled = _content_type(call)
    path = unquote(call.path["tree_path"]).strip("/")
    if not filled or (locale, path) not in call.sandbox.workspace.knowledge_base.metadata:
        raise ApiError(404, "path_not_found", "the tree path does not exist")
    return locale, path


@route("helpdesk_page_list", W + "/helpdesk/page/list/{locale}/{content_type}[/{page}]", HELPDESK)
def helpdesk_page_list(call: Call) -> Reply:
    locale, filled = _content_type(call)
    pages = call.sandbox.workspace.knowledge_base.pages[locale] if filled else []
    return listed_page(pages, call.page(), _fixed(call))


@route("helpdesk_page_entity", W + "/helpdesk/page/entity/{locale}/{content_type}/{entity_id}", HELPDESK)
def helpdesk_page_entity(call: Call) -> Reply:
    locale, filled = _content_type(call)
    pages = call.sandbox.workspace.knowledge_base.pages[locale] if filled else []
    page = next((p for p in pages if p["entity_id"] == call.path["entity_id"]), None)
    if page is None:
        raise ApiError(404, "entity_not_found", "the page does not exist")
    return resolved(dict(page))


@route("helpdesk_tree_list", W + "/helpdesk/tree/list/{locale}/{content_type}[/{page}]", HELPDESK)
def helpdesk_tree_list(call: Call) -> Reply:
    locale, filled = _content_type(call)
    entries = call.sandbox.workspace.knowledge_base.children(locale, call.text("sub_path") or None)
    if entries is None:
        raise ApiError(404, "path_not_found", "the tree path does not exist")
    return listed_page(entries if filled else [], call.page(), _fixed(call))


@route("helpdesk_tree_path", W + "/helpdesk/tree/path/{locale}/{content_type}/{tree_path:path}", HELPDESK)
def helpdesk_tree_path(call: Call) -> Reply:
    locale, path = _tree_path(call)
    parent, _, name = path.rpartition("/")
    entry = next(
        e for e in call.sandbox.workspace.knowledge_base.children(locale, parent) or () if e["slug"] == name
    )
    return resolved(entry)


@route(
    "helpdesk_tree_content", W + "/helpdesk/tree/content/{locale}/{content_type}/{tree_path:path}", HELPDESK
)
def helpdesk_tree_content(call: Call) -> Reply:
    locale, path = _tree_path(call)
    content = call.sandbox.workspace.knowledge_base.contents.get((locale, path))
    if content is None:
        raise ApiError(404, "content_not_found", "a group has no content")
    return resolved({"content": content})


@route(
    "helpdesk_tree_metadata", W + "/helpdesk/tree/metadata/{locale}/{content_type}/{tree_path:path}", HELPDESK
)
def helpdesk_tree_metadata(call: Call) -> Reply:
    locale, path = _tree_path(call)
    return resolved(dict(call.sandbox.workspace.knowledge_base.metadata[(locale, path)]))


@route("helpdesk_tree_page", W + "/helpdesk/tree/page/{locale}/{content_type}/{tree_path:path}", HELPDESK)
def helpdesk_tree_page(call: Call) -> Reply:
    locale, path = _tree_path(call)
    page = next(
        (p for p in call.sandbox.workspace.knowledge_base.pages[locale] if p["tree_path"] == path), None
    )
    if page is None:
        raise ApiError(404, "page_not_found", "a group is not a page")
    return resolved({"title": page["title"], "url": page["url"]})
