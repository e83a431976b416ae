"""Documented Crisp fields per stream (reference §4), as dotted path -> column type.

Discovery starts from these, so a column exists even when the live sample lacks it; sampled fields are added
on top. Arrays are strings (their JSON text). Shared sub-objects are defined once and nested with `under`.
"""

from __future__ import annotations

from collections.abc import Mapping

from source_crisp.types import ColumnType

S, L, B, D = ColumnType.STRING, ColumnType.LONG, ColumnType.BOOLEAN, ColumnType.DOUBLE
Fields = Mapping[str, ColumnType]


def under(prefix: str, fields: Fields) -> dict[str, ColumnType]:
    return {f"{prefix}.{path}": column_type for path, column_type in fields.items()}


GEOLOCATION: Fields = {
    "country": S,
    "region": S,
    "city": S,
    "coordinates.latitude": D,
    "coordinates.longitude": D,
}
USER_REF: Fields = {"user_id": S, "nickname": S, "avatar": S}
NAME_VERSION: Fields = {"name": S, "version": S}
ACTIVE: Fields = {"now": B, "last": L}
COMPOSE: Fields = {"type": S, "excerpt": S, "timestamp": L, "automated": B, **under("user", USER_REF)}
DEVICE: Fields = {
    "capabilities": S,
    **under("geolocation", GEOLOCATION),
    **under("system.os", NAME_VERSION),
    **under("system.engine", NAME_VERSION),
    **under("system.browser", {**NAME_VERSION, "major": S}),
    "system.useragent": S,
    "timezone": L,
    "locales": S,
}
WEBSITE: Fields = {"website_id": S}

# A conversation's `meta` (the visitor's details), in the conversation and alone (conversation_metas).
META: Fields = {
    "nickname": S,
    "email": S,
    "phone": S,
    "address": S,
    "subject": S,
    "ip": S,
    "origin": S,
    "avatar": S,
    "connection.isp": S,
    "connection.asn": S,
    "segments": S,
    "data": S,  # the whole custom-data map as JSON text, next to its sampled <prefix>data_<key> columns
    **under("device", DEVICE),
}

CONVERSATION: Fields = {
    **WEBSITE,
    "session_id": S,
    "inbox_id": S,
    "people_id": S,
    "state": S,
    "status": L,
    "is_verified": B,
    "is_blocked": B,
    "availability": S,
    **under("active", ACTIVE),
    "last_message": S,
    "topic": S,
    "verifications": S,
    "participants": S,
    "mentions": S,
    **under("preview_message", {"type": S, "from": S, "excerpt": S, "fingerprint": L}),
    **under("compose.operator", COMPOSE),
    **under("compose.visitor", COMPOSE),
    "unread.operator": L,
    "unread.visitor": L,
    "assigned.user_id": S,
    **under("meta", META),
    "created_at": L,
    "updated_at": L,
    "waiting_since": L,
}

MESSAGE: Fields = {
    **WEBSITE,
    "session_id": S,
    "type": S,
    "from": S,
    "origin": S,
    "content": S,
    # Object contents, by message type: file, animation, audio, picker, field, carousel, event.
    **under(
        "content",
        {
            "name": S,
            "url": S,
            "type": S,
            "duration": L,
            "id": S,
            "text": S,
            "choices": S,
            "required": B,
            "explain": S,
            "value": S,
            "targets": S,
            "namespace": S,
        },
    ),
    "preview": S,
    "mentions": S,
    "read": S,
    "delivered": S,
    "edited": B,
    "translated": B,
    "automated": B,
    "stamped": B,
    "fingerprint": L,
    "timestamp": L,
    **under("user", {**USER_REF, "type": S}),
    "references": S,
    "original.original_id": S,
    # npm crisp-api 11 ConversationMessage: maps whose keys are data (CrispObject.json_fields): JSON text.
    "ignored": S,  # Record<string, {type, reason}>
    "properties": S,  # Record<string, string | number | boolean>
}

# --- per-conversation children (npm crisp-api 11: ConversationEvent, ConversationPage, ConversationFile,
# ConversationParticipants; the routing answer is typed `any` there, go-crisp-api ConversationRoutingAssign)
CONVERSATION_CHILD: Fields = {**WEBSITE, "session_id": S}
CONVERSATION_EVENT: Fields = {
    **CONVERSATION_CHILD,
    "text": S,
    "data": S,  # Record<string, any>: its keys are data, so JSON text (CrispObject.json_fields)
    "color": S,
    "timestamp": L,
}
CONVERSATION_PAGE: Fields = {
    **CONVERSATION_CHILD,
    "page_title": S,
    "page_url": S,
    "page_referrer": S,
    "timestamp": L,
}
CONVERSATION_FILE: Fields = {
    **CONVERSATION_CHILD,
    "name": S,
    "type": S,
    "url": S,
    "fingerprint": L,
    "timestamp": L,
}
CONVERSATION_PARTICIPANT: Fields = {**CONVERSATION_CHILD, "type": S, "target": S}
CONVERSATION_ROUTING: Fields = {**CONVERSATION_CHILD, "assigned.user_id": S}
CONVERSATION_META: Fields = {**CONVERSATION_CHILD, **META}

PEOPLE_PROFILE: Fields = {
    **WEBSITE,
    "people_id": S,
    "email": S,
    "segments": S,
    "notepad": S,
    "score": L,
    **under("active", ACTIVE),
    "created_at": L,
    "updated_at": L,
    **under(
        "person",
        {
            "nickname": S,
            "avatar": S,
            "gender": S,
            "phone": S,
            "address": S,
            "description": S,
            "website": S,
            "timezone": L,
            "profiles": S,
            "locales": S,
            **under("geolocation", GEOLOCATION),
            **under("employment", {"name": S, "domain": S, "title": S, "role": S, "seniority": S}),
        },
    ),
    **under(
        "company",
        {
            "name": S,
            "legal_name": S,
            "domain": S,
            "url": S,
            "description": S,
            "timezone": L,
            "phones": S,
            "emails": S,
            "tags": S,
            **under("geolocation", GEOLOCATION),
            "metrics.employees": L,
            "metrics.market_cap": D,
            "metrics.raised": D,
            "metrics.arr": D,
        },
    ),
}

# `data.<key>` columns come from the sample; `data` itself holds the whole map as JSON text, so a key the
# sample did not show is not lost (records.RecordShaper: a column at an object's path).
PEOPLE_DATA: Fields = {**WEBSITE, "people_id": S, "data": S}

VISITOR: Fields = {
    **WEBSITE,
    "session_id": S,
    "inbox_id": S,
    "nickname": S,
    "email": S,
    "avatar": S,
    "useragent": S,
    "initiated": B,
    "active": B,
    "last_page.page_title": S,
    "last_page.page_url": S,
    **under("geolocation", GEOLOCATION),
    "timezone": L,
    "capabilities": S,
    "locales": S,
}

OPERATOR: Fields = {  # after `details` is hoisted; identifier/key are never emitted
    **WEBSITE,
    "type": S,
    "user_id": S,
    "email": S,
    "avatar": S,
    "first_name": S,
    "last_name": S,
    "role": S,
    "title": S,
    "availability": S,
    "has_token": B,
}

HELPDESK_LOCALE: Fields = {
    **WEBSITE,
    "locale_id": S,
    "locale": S,
    "url": S,
    "articles": L,  # legacy helpdesk (npm crisp-api 10.11 HelpdeskLocale)
    "categories": L,
    # Knowledge Base (npm crisp-api 11 HelpdeskLocaleStatistics): pages and groups per content type
    **{
        f"statistics.{content_type}.{count}": L
        for content_type in ("articles", "guides", "references", "news")
        for count in ("entries", "groups")
    },
}

TIMESTAMPS: Fields = {"created_at": L, "updated_at": L}

HELPDESK_CATEGORY: Fields = {
    **WEBSITE,
    "category_id": S,
    "locale": S,
    "name": S,
    "description": S,
    "color": S,
    "image": S,
    "url": S,
    "order": L,
    **TIMESTAMPS,
}

HELPDESK_SECTION: Fields = {
    **WEBSITE,
    "section_id": S,
    "category_id": S,
    "locale": S,
    "name": S,
    "order": L,
    **TIMESTAMPS,
}

HELPDESK_ARTICLE: Fields = {
    **WEBSITE,
    "article_id": S,
    "locale": S,
    "title": S,
    "description": S,
    "content": S,
    "status": S,
    "visibility": S,
    "featured": B,
    "visits": L,
    "order": L,
    "url": S,
    "category_id": S,
    "section_id": S,
    **TIMESTAMPS,
    "published_at": L,
    # Knowledge Base only (npm crisp-api 11 HelpdeskPage, HelpdeskTreeMetadata)
    "tree_path": S,
    "format": S,
    "author.user_id": S,
}

# --- the website's own objects (npm crisp-api 11: WebsiteBase, WebsiteSettings, WebsiteAvailability,
# WebsiteTeams, WebsiteInbox types)
WEBSITE_ROW: Fields = {
    **WEBSITE,
    "name": S,
    "domain": S,
    "logo": S,
    "verified": B,
    "institutional": B,
}

CHATBOX_SWITCHES = (
    "conversations", "wait_game", "website_logo", "last_operator_face", "ongoing_operator_face",
    "activity_metrics", "operator_privacy", "visitor_privacy", "availability_tooltip", "hide_vacation",
    "hide_on_away", "hide_on_mobile", "position_reverse", "email_visitors", "phone_visitors",
    "force_identify", "ignore_privacy", "visitor_compose", "file_transfer", "audio_record", "home",
    "overlay_search", "overlay_mode", "helpdesk_link", "helpdesk_only", "status_health_dead", "check_domain",
)  # fmt: skip
CHATBOX_TEXTS = (  # the *_pages, *_countries, *_locales and *_ips lists are arrays: JSON text
    "tile", "guard_level", "mode_initial", "helpdesk_navigate", "color_theme", "color_mode", "layout_theme",
    "text_theme", "welcome_message", "locale", "allowed_pages", "blocked_pages", "blocked_countries",
    "blocked_locales", "blocked_ips",
)  # fmt: skip
WEBSITE_SETTINGS: Fields = {
    **WEBSITE,
    "name": S,
    "domain": S,
    "domain_alternates": S,
    "logo": S,
    "audit.log": B,
    **{
        f"contact.{name}": S
        for name in ("email", "phone", "messenger", "telegram", "twitter", "whatsapp", "instagram")
    },
    # inbox.force_operator_token is left out: flatten.is_credential reads `token` in it as a credential
    **under("inbox", {"lock_removal": B, "locale": S}),
    **under("emails", {"rating": B, "transcript": B, "trackers": B, "junk_filter": B}),
    **{f"chatbox.{name}": B for name in CHATBOX_SWITCHES},
    **{f"chatbox.{name}": S for name in CHATBOX_TEXTS},
}

WEBSITE_AVAILABILITY: Fields = {**WEBSITE, "status": S, "since": L}

OPERATOR_AVAILABILITY: Fields = {**WEBSITE, "user_id": S, "type": S, "time.for": L, "time.since": L}

TEAM: Fields = {**WEBSITE, "team_id": S, "name": S, "emoji": S, "operators": S, **TIMESTAMPS}

INBOX: Fields = {
    **WEBSITE,
    "inbox_id": S,
    "name": S,
    "emoji": S,
    "order": L,
    "operators": S,
    "teams": S,
    "team_operators": S,
    "conditions": S,
    "operator": S,
    **TIMESTAMPS,
}

# --- campaigns (npm crisp-api 11: WebsiteCampaignExcerpt, WebsiteCampaignTemplateExcerpt)
CAMPAIGN: Fields = {
    **WEBSITE,
    "campaign_id": S,
    "type": S,
    "format": S,
    "name": S,
    "subject": S,
    "tag": S,
    "ready": B,
    "dispatched": B,
    "running": B,
    "progress": L,
    "targets": L,
    "reached": L,
    **TIMESTAMPS,
    "dispatched_at": L,
}

CAMPAIGN_TEMPLATE: Fields = {**WEBSITE, "template_id": S, "type": S, "name": S, "format": S, **TIMESTAMPS}

CAMPAIGN_TAG: Fields = {**WEBSITE, "tag": S}  # `campaigns/tags` lists bare strings: one row per tag

# --- suggestions and spam (npm crisp-api 11: ConversationSuggestedSegment, ConversationSuggestedData,
# ConversationSpam, PeopleStatistics, PeopleSuggestedSegment, PeopleSuggestedDataKey, PeopleSuggestedEvent)
SUGGESTED_SEGMENT: Fields = {**WEBSITE, "segment": S, "count": L}
SUGGESTED_DATA_KEY: Fields = {**WEBSITE, "key_name": S, "count": L}  # Crisp's `key` (CrispObject.renames)
SUGGESTED_EVENT: Fields = {**WEBSITE, "text": S, "count": L}
SPAM: Fields = {
    **WEBSITE,
    "spam_id": S,
    "type": S,
    "reason": S,
    "metadata": S,  # Record<string, unknown>: JSON text (CrispObject.json_fields)
    "headers": S,  # Record<string, unknown>, mail headers: JSON text
    "timestamp": L,
}
PEOPLE_STATISTICS: Fields = {**WEBSITE, "total": L}

# --- the help center itself (npm crisp-api 11 and 10.11: Helpdesk, HelpdeskSettings, HelpdeskRedirection;
# the same routes in both families). access.password and access.jwt_secret are never emitted.
HELPDESK: Fields = {**WEBSITE, "name": S, "url": S}
HELPDESK_BEHAVIOR_SWITCHES = (
    "frequently_read", "show_category_images", "show_chatbox", "ask_feedback", "report_incorrect",
    "serve_markdown", "agent_chat_bar", "agent_copy_button", "table_of_contents", "locale_picker",
    "refer_link", "forbid_indexing", "status_health_dead",
)  # fmt: skip
HELPDESK_SETTINGS: Fields = {
    **WEBSITE,
    "name": S,
    "appearance.color.mode": S,
    "appearance.color.mode_changeable": B,
    **under("appearance.logos", {"favicon": S, "header": S, "footer": S}),
    "appearance.banner": S,
    "localization.writing_locale": S,
    "localization.translated_automatic": B,
    "localization.translated_locales_readonly": B,
    **under("section", {"articles": S, "guides": S, "references": S, "news": S}),
    **{f"behavior.{name}": B for name in HELPDESK_BEHAVIOR_SWITCHES},
    "service.mcp_server": B,
    "include.html": S,
    "access.restrict_mode": S,
}
HELPDESK_REDIRECTION: Fields = {**WEBSITE, "redirection_id": S, "path": S, "target": S, **TIMESTAMPS}

# --- per-parent streams of campaigns and people (npm crisp-api 11: WebsiteCampaignRecipient,
# WebsiteCampaignStatistic, PeopleEvent, PeopleCampaign, PeopleSubscription; `listPeopleConversations`
# answers a bare list of session ids)
PERSON_CARD: Fields = {"nickname": S, "avatar": S}
CAMPAIGN_RECIPIENT: Fields = {
    **WEBSITE,
    "campaign_id": S,
    "people_id": S,
    "email": S,
    **under("person", PERSON_CARD),
    "subscribed": B,
}
CAMPAIGN_STATISTIC: Fields = {
    **WEBSITE,
    "campaign_id": S,
    "action": S,  # the action asked for in the route (CrispObject.fan_over), not a field of Crisp's item
    "type": S,
    "profile.people_id": S,
    "profile.email": S,
    **under("profile.person", {**PERSON_CARD, **under("geolocation", GEOLOCATION)}),
    "data": S,  # Record<string, unknown>: JSON text (CrispObject.json_fields)
    **TIMESTAMPS,
}
PEOPLE_EVENT: Fields = {
    **WEBSITE,
    "people_id": S,
    "text": S,
    "data": S,  # `object` whose keys are the event's own: JSON text (CrispObject.json_fields)
    "color": S,
    "timestamp": L,
}
PEOPLE_CONVERSATION: Fields = {**WEBSITE, "people_id": S, "session_id": S}  # a link table
PEOPLE_CAMPAIGN: Fields = {
    **WEBSITE,
    "people_id": S,
    "campaign_id": S,
    "type": S,
    "name": S,
    **TIMESTAMPS,
    "dispatched_at": L,
    "occurred_at": L,
    "statistics": S,  # string[] (the actions this person took): JSON text
}
PEOPLE_SUBSCRIPTION: Fields = {**WEBSITE, "people_id": S, "email": B}  # subscribed to emails
