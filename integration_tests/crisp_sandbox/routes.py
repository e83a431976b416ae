"""The Crisp REST API v1 routes the source reads, one short function each (reference §4)."""

from __future__ import annotations

from . import assumptions
from .conversations import ConversationQuery, batch_bounds
from .protocol import ApiError, Call, Reply, Router, listed_page, not_found, resolved

router = Router()
route = router.route
W = "/website/{website_id}"
CONVERSATIONS, MESSAGES = "website:conversation:sessions", "website:conversation:messages"
PROFILES, PEOPLE_DATA = "website:people:profiles", "website:people:data"
HELPDESK = assumptions.HELPDESK_SCOPE
FIXED = assumptions.FIXED_PAGE_SIZE


@route("website", W)
def website(call: Call) -> Reply:
    return resolved(call.sandbox.workspace.website())


@route("conversations", W + "/conversations[/{page}]", CONVERSATIONS)
def conversations(call: Call) -> Reply:
    order = next(
        (flag for flag in assumptions.ORDER_FLAG_PRECEDENCE if call.flag(flag)), "order_date_updated"
    )
    query = ConversationQuery(
        order={"order_date_waiting": "waiting_since", "order_date_created": "created_at"}.get(
            order, "updated_at"
        ),
        include_empty=call.flag("include_empty"),
        resolved=call.flag("filter_resolved"),
        not_resolved=call.flag("filter_not_resolved"),
        unread=call.flag("filter_unread"),
        date_field=call.sandbox.date_filter_field,
        date_start=call.date_ms("filter_date_start"),
        date_end=call.date_ms("filter_date_end"),
    )
    workspace = call.sandbox.workspace
    page, size = call.page(), call.per_page()
    return listed_page(workspace.list_conversations(query), page, size, workspace.conversation_object)


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


@route("people_profiles", W + "/people/profiles[/{page}]", PROFILES)
def people_profiles(call: Call) -> Reply:
    default_field, default_order = assumptions.PEOPLE_DEFAULT_ORDER
    sort_field = call.text("sort_field") or default_field
    sort_order = call.text("sort_order") or default_order
    if sort_field not in assumptions.PEOPLE_SORT_FIELDS:
        raise ApiError(
            400, "invalid_data", f"sort_field should be one of {', '.join(assumptions.PEOPLE_SORT_FIELDS)}"
        )
    if sort_order not in ("ascending", "descending"):
        raise ApiError(400, "invalid_data", "sort_order should be ascending or descending")
    people = call.sandbox.workspace.people
    indexes = people.query(
        sort_field,
        sort_order == "descending",
        call.text("search_text"),
        call.date_ms("filter_date_start"),
        call.date_ms("filter_date_end"),
    )
    return listed_page(indexes, call.page(), call.per_page(), people.profile)


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


@route("people_stats", W + "/people/stats", PROFILES)
def people_stats(call: Call) -> Reply:
    return resolved({"total": call.sandbox.workspace.people.count})


@route("visitors", W + "/visitors/list[/{page}]", "website:visitors")
def visitors(call: Call) -> Reply:
    return listed_page(call.sandbox.workspace.visitors(), call.page(), FIXED)


@route("operators", W + "/operators/list", "website:operators")
def operators(call: Call) -> Reply:
    return Reply(assumptions.UNPAGINATED_LIST_STATUS, "listed", call.sandbox.workspace.operators())


@route("helpdesk_locales", W + "/helpdesk/locales[/{page}]", HELPDESK)
def helpdesk_locales(call: Call) -> Reply:
    return listed_page(call.sandbox.workspace.helpdesk_locales(), call.page(), FIXED)


def _locale(call: Call) -> str:
    locale = call.path["locale"]
    if locale not in call.sandbox.workspace.helpdesk.articles:
        raise not_found("helpdesk locale")
    return locale


@route("helpdesk_categories", W + "/helpdesk/locale/{locale}/categories[/{page}]", HELPDESK)
def helpdesk_categories(call: Call) -> Reply:
    return listed_page(call.sandbox.workspace.helpdesk_categories(_locale(call)), call.page(), FIXED)


@route(
    "helpdesk_sections", W + "/helpdesk/locale/{locale}/category/{category_id}/sections[/{page}]", HELPDESK
)
def helpdesk_sections(call: Call) -> Reply:
    helpdesk = call.sandbox.workspace.helpdesk
    key = (_locale(call), call.path["category_id"])
    if key not in helpdesk.sections:
        raise not_found("helpdesk category")
    return listed_page(helpdesk.sections[key], call.page(), FIXED)


@route("helpdesk_articles", W + "/helpdesk/locale/{locale}/articles[/{page}]", HELPDESK)
def helpdesk_articles(call: Call) -> Reply:
    articles = call.sandbox.workspace.helpdesk_articles(_locale(call))
    if not assumptions.ARTICLE_LIST_HAS_CONTENT:
        articles = [{k: v for k, v in article.items() if k != "content"} for article in articles]
    return listed_page(articles, call.page(), FIXED)


def _article(call: Call) -> tuple[str, dict]:
    locale = _locale(call)
    article = call.sandbox.workspace.helpdesk.article(locale, call.path["article_id"])
    if article is None:
        raise not_found("helpdesk article")
    return locale, article


@route("helpdesk_article", W + "/helpdesk/locale/{locale}/article/{article_id}", HELPDESK)
def helpdesk_article(call: Call) -> Reply:
    return resolved(dict(_article(call)[1]))


@route("helpdesk_article_category", W + "/helpdesk/locale/{locale}/article/{article_id}/category", HELPDESK)
def helpdesk_article_category(call: Call) -> Reply:
    locale, article = _article(call)
    return resolved(dict(call.sandbox.workspace.helpdesk.article_category[(locale, article["article_id"])]))
