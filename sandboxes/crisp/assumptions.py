"""Every behaviour the Crisp reference marks unknown, assumed or inferred, with the choice this sandbox makes.

Change a behaviour here and nowhere else. Each constant is read by the module that implements it; the
`ASSUMPTIONS` table documents them (and the test-case notes) for humans and for `--help`.
"""

from __future__ import annotations

# Paging (reference §3): per_page is documented for conversations and people only.
PER_PAGE_MIN, PER_PAGE_MAX, PER_PAGE_DEFAULT = 20, 50, 20
PER_PAGE_OUT_OF_RANGE = "clamp"  # values outside 20..50 are clamped, not rejected
FIXED_PAGE_SIZE = 20  # visitors, helpdesk locales/categories/sections/articles
MESSAGE_BATCH = 20  # ruby-crisp-api #16 mentions 20 (unverified)
PAGE_ZERO_IS_INVALID = True  # page numbers start at 1; page 0 -> 400 invalid_data
UNPAGINATED_LIST_STATUS = 200  # operators/list: not paginated, answers 200 `listed`

# Conversations list (reference §4.1, §8.6).
DATE_FILTER_FIELD_DEFAULT = "updated_at"  # current docs; constructor switch `date_filter_field="created_at"`
DATE_FILTER_BOUNDS_INCLUSIVE = True  # start <= field <= end
NAIVE_ISO_DATES_ARE_UTC = True
ORDER_FLAGS_SORT_DESCENDING = True  # order_date_created / _updated / _waiting sort newest first
ORDER_FLAG_PRECEDENCE = ("order_date_waiting", "order_date_created", "order_date_updated")  # first set wins
WAITING_ORDER_MISSING_LAST = True  # conversations without waiting_since come after, by updated_at desc
FILTER_UNREAD_MEANS = "unread.operator > 0"  # unread by the operators

# Messages (reference §4.3).
MESSAGE_ORDER_IN_BATCH = "ascending"  # by timestamp
TIMESTAMP_AFTER_BATCH = "oldest"  # the 20 oldest messages newer than timestamp_after (walk forward)
MESSAGES_206_RULE = "older messages exist before the batch's first message"  # for every selector
TWO_SELECTORS_ARE_INVALID = True  # more than one of timestamp_before/_after/_around -> 400 invalid_data

# A conversation's events, pages, files (npm crisp-api 11 listConversationEvents/Pages/Files): paged by the
# fixed page size; participants and routing: one answer each (reference §4.1).
CHILDREN_BUMP_UPDATED_AT = True  # adding an event/page/file moves updated_at; switch children_bump_updated_at
# Reassigning a conversation (its routing) leaves updated_at alone: the case the source cannot see (its guess
# CONVERSATION_UPDATED_AT_COVERS_UNDATED_CHILDREN); switch undated_children_bump_updated_at.
UNDATED_CHILDREN_BUMP_UPDATED_AT = False

# People (reference §4.4).
PEOPLE_DEFAULT_ORDER = ("created_at", "descending")
PEOPLE_SORT_FIELDS = ("nickname", "email", "created_at", "updated_at", "score")
PEOPLE_DATE_FILTER_FIELD = "created_at"
PEOPLE_SEARCH_TEXT_MATCHES = ("person.nickname", "email")  # case-insensitive substring

# Helpdesk (reference §4.9; npm crisp-api 10.11 for the legacy routes, 11.x for the Knowledge Base).
# Which routes a help center answers (constructor `helpdesk=`, CLI --helpdesk):
#   legacy          helpdesk/locale/{locale}/categories|articles|article/… (10.11); KB routes 404
#   knowledge_base  helpdesk/tree/… and helpdesk/page/… (11.x); legacy routes 404 (a migrated workspace)
#   both            both families answer, over the same help center
#   neither         locales answer, both families 404 (what the source must report, never read as empty)
#   none            the website has no help center: every helpdesk route 404s helpdesk_not_found
HELPDESK_MODES = ("legacy", "knowledge_base", "both", "neither", "none")
HELPDESK_MODE_DEFAULT = "legacy"
NO_HELPDESK_REASON = "helpdesk_not_found"  # name guessed
ARTICLE_LIST_HAS_CONTENT = False  # default; constructor `article_list_content=True` / --article-list-content
UNCATEGORIZED_CATEGORY_REASON = "category_not_found"  # `…/article/{id}/category` of an uncategorized article
HELPDESK_SCOPE = "website:helpdesk"  # the real scope name is undocumented
CAMPAIGNS_SCOPE = "website:campaigns"  # likewise
INBOXES_SCOPE = "website:inboxes"  # likewise: no Crisp client names the scope of inboxes/list
KB_TREE_LIST_NESTS_CHILDREN = True  # tree/list returns whole subtrees; `sub_path` lists under a group

# Auth and errors (reference §1.3, §1.4, §8.7, §9).
MISSING_TIER_HEADER_MEANS = "user"  # the GO and NODE clients default to the user tier
WRONG_TIER_STATUS, WRONG_TIER_REASON = 401, "unauthorized"
RESTRICTED_TIER_STATUS = 403  # reason restricted_route_tier; status unverified
UNKNOWN_CONVERSATION_STATUS, UNKNOWN_CONVERSATION_REASON = 404, "not_found"  # also deleted ones
UNKNOWN_PROFILE_REASON = "people_not_found"  # 404; name guessed
UNKNOWN_CAMPAIGN_REASON = "campaign_not_found"  # 404; name guessed

# Campaign statistics (npm crisp-api 11 listCampaignStatistics(…, action, page)): the actions are those of
# WebsiteCampaignItemStatistics; another action answers 400 invalid_data (switch `statistic_actions`). The
# campaign's own answer (getCampaign) counts each action Crisp knows in `statistics`; switch
# `extra_statistic_action` adds one, with rows.
CAMPAIGN_STATISTIC_ACTIONS = ("opened", "clicked", "unsubscribed")

# Rate limiting (reference §2, §9).
RATE_LIMIT_REASON = "rate_limited"  # body reason undocumented
RATE_LIMIT_STATUS_DEFAULT = 429  # 420 configurable
QUOTA_STATUS, QUOTA_REASON = 423, "quota_limit_exceeded"
RETRY_AFTER_DEFAULT = None  # no Retry-After header unless configured

ASSUMPTIONS: tuple[tuple[str, str], ...] = (
    ("per_page outside 20..50", "clamped to the range (not 400)"),
    (
        "page size of other lists",
        "fixed 20: visitors, helpdesk locales/categories/sections/articles (switch fixed_page_size)",
    ),
    (
        "per_page honoured",
        "as asked, clamped (switches per_page_ignored: a route serves 20 whatever is asked; per_page_cap)",
    ),
    ("page 0", "400 invalid_data; pages start at 1, a missing page segment means 1"),
    ("operators/list status", "200 `listed` (not paginated, so never 206)"),
    ("filter_date_start/end field", "updated_at by default (current docs); created_at via constructor"),
    ("filter_date bounds", "inclusive on both ends; ISO-8601 without offset is UTC"),
    (
        "order_date_* direction",
        "descending (newest first); precedence waiting > created > updated (switch order: oldest_first, "
        "ignored; order_date_waiting also longest_waiting_first)",
    ),
    ("default conversation order", "updated_at descending (latest activity first)"),
    ("order_date_waiting", "conversations without waiting_since come last, by updated_at desc"),
    ("list order on every page", "strict (switch misplaced: an out-of-order item at the top of a page)"),
    ("filter_unread", "unread.operator > 0"),
    ("message batch", "20 messages, ascending by timestamp inside a batch"),
    ("no selector", "the newest batch"),
    ("timestamp_after", "the 20 oldest messages strictly newer than the value"),
    ("timestamp_around", "up to 10 messages before and 10 at/after the value"),
    ("206 vs 200 on messages", "206 when older messages exist before the batch, else 200 (also empty)"),
    ("two message selectors", "400 invalid_data"),
    ("conversation events/pages/files", "paged by the fixed page size (20), oldest first, 206 then 200 []"),
    (
        "children move updated_at",
        "adding an event, page or file moves the conversation's updated_at (switch children_bump_updated_at)",
    ),
    ("conversation routing", "{assigned: {user_id}} or {assigned: null}; {} for some unassigned ones"),
    ("people default order", "created_at descending"),
    ("people sort_field", "one of nickname, email, created_at, updated_at, score; else 400"),
    (
        "people sort honoured",
        "as asked (switch people_sort: ignored = default order, ascending, refused = 400 to any sort param)",
    ),
    ("people search_text", "case-insensitive substring of nickname or email"),
    ("article list items", "the article without `content` (switch: with it); GET article/{id} has content"),
    ("article -> category", "{category_id, section_id}; section_id null for articles outside a section"),
    ("uncategorized article (switch)", "its …/category answers 404 category_not_found"),
    ("helpdesk routes", "legacy by default; switches: knowledge_base, both, neither, none"),
    ("Knowledge Base tree entries", "type `group` (with children, whole subtree) or `entry` (a page)"),
    ("Knowledge Base tree paths", "slugs from the root joined by `/`; page/list `tree_path` is the same"),
    ("Knowledge Base content types", "only `articles` holds anything; guides, references, news are empty"),
    ("helpdesk scope", "named website:helpdesk (undocumented)"),
    ("inboxes scope", "named website:inboxes (undocumented); switch plugin_scopes leaves it out"),
    ("missing X-Crisp-Tier", "treated as tier `user` (client default)"),
    ("token under the wrong tier", "401 unauthorized"),
    ("tier not allowed on route", "403 restricted_route_tier; table default allows every tier"),
    ("deleted or unknown conversation", "404 not_found (also its messages and other children)"),
    ("unknown people profile", "404 people_not_found"),
    ("unknown campaign", "404 campaign_not_found (recipients, statistics)"),
    (
        "campaign statistic actions",
        "opened, clicked, unsubscribed, each counted in the campaign's `statistics`; another action 400 "
        "invalid_data (switches statistic_actions, extra_statistic_action)",
    ),
    ("people events, conversations, campaigns, campaign recipients/statistics", "paged by 20 like visitors"),
    (
        "rate limit body",
        '{"error":true,"reason":"rate_limited","data":{}}, 429 (or 420); no Retry-After unless set',
    ),
    ("daily quota", "423 quota_limit_exceeded after N requests"),
    (
        "meta.device_timezone collision (test case)",
        "a few conversations carry meta.device_timezone (string) next to meta.device.timezone (int); "
        "both flatten to meta_device_timezone, so the source must disambiguate",
    ),
    ("visitors", "a fixed live snapshot (no timestamps), paged by 20"),
)
