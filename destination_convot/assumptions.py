"""Everything destination-convot sends that the public Convot docs do not show.

One module so that each guess is one place to change when Convot confirms or corrects it. Each entry names the
gap number of `shared/reference/convot-api.md` §8 it answers. None is trusted blindly: `api.py` checks each
against Convot's answers and falls back (`guesses.py`; the table in docs/destination-convot.md).
"""

from __future__ import annotations

# Gap 2: the docs show both `/v1` and `/api/v1`; `/v1` is what every quickstart example calls.
DEFAULT_API_URL = "https://app.convot.io/v1"

# Gap 3: page-number pagination with these parameter names; 100 is the largest page the sandbox accepts.
PAGE_PARAM = "page"
PER_PAGE_PARAM = "per_page"
PER_PAGE = 100

# Gap 4: single objects come wrapped by their singular name (`{"contact": {...}}`); `api.unwrap` accepts a
# bare object too.

# Gap 5: messages carry a `type`, so customer turns can be created as `incoming`. Gap 6: `created_at`
# (ISO-8601) is sent on conversations and messages and is expected to be honoured.
MESSAGE_TYPE_FIELD = "type"
CREATED_AT_FIELD = "created_at"

# Gap 8/9: conversations accept `contact_id` and `external_id`; articles and categories accept `external_id`;
# all three lists can be filtered by `external_id`. The ledger is the source of truth; the external id is how
# a crash between Convot's confirmation and the ledger commit is reconciled.
EXTERNAL_ID_FIELD = "external_id"
CONTACT_EXTERNAL_ID = "crisp:{people_id}"
CONVERSATION_EXTERNAL_ID = "crisp:{session_id}"
CATEGORY_EXTERNAL_ID = "crisp:category:{locale}:{category_id}"
ARTICLE_EXTERNAL_ID = "crisp:article:{locale}:{article_id}"

# Key rotation: no endpoint names a key's app. The docs say another app's resource answers 404, so a new
# key is tested on objects the ledger holds (see `app_identity.py`): messages of a conversation (documented
# route), then a contact and helpdesk objects by id (inferred from "read" in the scopes). A route that does
# not exist answers 404 like another app's object would: the key is then treated as a new app, and
# `rebuild.py` stops that from duplicating anything.
APP_PROBE_PATHS = {
    "conversation": "/conversations/{id}/messages",
    "contact": "/contacts/{id}",
    "article": "/helpdesk/articles/{id}",
    "category": "/helpdesk/categories/{id}",
}

# Gap 10: status paths.
RESOLVE_PATH = "/conversations/{uuid}/resolve"
REOPEN_PATH = "/conversations/{uuid}/reopen"

# Gap 11/12: helpdesk paths; languages are created explicitly; categories and articles carry a `locale`.
LANGUAGES_PATH = "/helpdesk/languages"
CATEGORIES_PATH = "/helpdesk/categories"
ARTICLES_PATH = "/helpdesk/articles"

# Gap 14: public article URL pattern, relative to the help center's public URL.
ARTICLE_URL = "/{locale}/article/{slug}"
# Gap 14 again: the docs list `slug` among the fields a client sends, not among those Convot answers. It is
# sent on create, made from the Crisp article URL's last segment (so a Convot URL keeps Crisp's slug), never
# on update (that would move a published URL). The link pass uses the slug Convot answers (on create, else
# a read-back GET); when Convot never says it, links to that article stay on Crisp and the run warns.
ARTICLE_SLUG_FIELD = "slug"

# Gap 16: contact fields named as in the widget's `identify` call.
CONTACT_FIELDS = ("email", "external_id", "name", "phone", "company", "avatar_url", "custom_data")

# Gap 18: no tags API; Crisp segments are kept as one comma-joined custom attribute.
SEGMENTS_ATTRIBUTE = "crisp_segments"

# Contact events (§2.7, the help center's "Contact events" article):
# `POST /api/v1/contacts/:contact_id/events` `{name, occurred_at, properties}`. Gap 2 again: that article
# alone writes the `/api/v1` prefix. Events are sent under `api_url` (`/v1`) like every other route; a 404
# there is retried once under the article's prefix (the `/v1` ending `api_url` replaced by
# EVENTS_ARTICLE_PREFIX): an unrouted POST created nothing, so the retry cannot duplicate. Scope: none is
# documented; contacts:write is assumed.
EVENTS_PATH = "/contacts/{contact_id}/events"
EVENTS_ARTICLE_PREFIX = "/api/v1"
# No external id and no idempotency is documented for events. A create whose answer is lost is looked up in
# GET EVENTS_PATH (undocumented: the contact's events, `{"events": [...]}` with the fields sent) by name +
# occurred_at + properties. When that list does not exist, such an event is never sent again (guesses.py).
EVENT_COLOR_PROPERTY = "crisp_color"  # Crisp's event color has no Convot field: kept as a property

# Gap 1: no documented numbers. When a 429 has no Retry-After, wait exponentially from 1 s up to 60 s.
# A Retry-After longer than 10 minutes is capped (and retried then): the platform must keep hearing from us.
RATE_LIMIT_FALLBACK_BASE_SECONDS = 1.0
RATE_LIMIT_CAP_SECONDS = 60.0
MAX_RETRY_AFTER_SECONDS = 600.0

# Not documented: a size limit, 409 and 413 (§2.10). A 413 on a message or a conversation's seed is
# answered by sending it once more with its content cut to this many characters (or half, if shorter) and
# this note appended (too_large.py). A 409 on a create is taken as "an object with this external id
# exists": it is looked up and adopted (a conversation's thread is then matched, not posted again), never
# created twice.
CONTENT_CHARS_AFTER_413 = 20_000
TRUNCATION_NOTE = (
    "\n\n[Cut by the Crisp import: Convot refused the full message as too large; {left_out} characters left "
    "out.]"
)

# Contract assumption: the scope check happens before body validation, so an empty-body POST answers 403 when
# the scope is missing and 400/422 otherwise. `check` proves write scopes this way without writing anything.
# An unknown conversation id answers 404 (not 403) when the messages scopes are present.
PROBE_CONVERSATION_UUID = "00000000-0000-0000-0000-000000000000"

# Not a gap but a choice: a POST that loses its connection may or may not have been applied. Non-idempotent
# creates are therefore never blindly retried: the writer first looks the object up (external id, or the
# message list).

# Not in the docs: whether the API ever redirects. Relied on that it does not: a 30x is never followed (a
# 307/308 would carry a POST's records to another host) but reported as ConvotRedirected, a config error
# naming api_url (connector_shared/sessions.py; tests with a hostile listener in
# unit_tests/test_api_url_hosts.py). Keys are `ck_<id>:<secret>` in visible ASCII
# (connector_shared/header_secret.py).
