"""Every behaviour of the sandbox that the Convot docs do not state, in one place.

Numbers in brackets are the gap numbers of /work/shared/reference/convot-api.md §8. The shared contract
(/work/briefs/convot_contract.md) picks the recommended assumption for each; change a value here and the
sandbox follows. Documented facts (401/403/404, the envelope, find-or-create, `meta`) are not listed.
"""

from __future__ import annotations

# [2] The docs use both prefixes; the sandbox serves both, `/v1` being the one it advertises.
API_PREFIXES = ("/v1", "/api/v1")
# The "Contact events" article is the one page writing `/api/v1`: POST /contacts/{id}/events is served under
# both prefixes like every route (switch `events_under_v1`), with scope contacts:write (none is documented).
# GET on the same path lists a contact's events, oldest first (undocumented; switch `events_list`).
EVENTS_ARTICLE_PREFIX = "/api/v1"

# [3] Page-number paging. page < 1 or not an integer -> 400; per_page not an integer in 1..100 -> 422
# (outside the bounds is rejected rather than clamped, so a client bug shows).
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100

# [4] Single objects are wrapped by the singular of the list key; the list key is the last path segment
# (`/helpdesk/articles` -> "articles" / "article"). 201 on create, 200 on update or match.

# Scope check happens before body validation, so an empty POST proves a write scope without writing:
# 403 when the scope is missing, else 400/422.
SCOPE_BEFORE_VALIDATION = True

# Unknown body fields are ignored (Rails strong-params style), never rejected.

# [5] Message `type` is accepted on messages and on the seed message of POST /conversations;
# `activity` is a system row and is rejected with 422. The default is the documented API behaviour.
MESSAGE_TYPES = ("incoming", "outgoing", "note")
DEFAULT_MESSAGE_TYPE = "outgoing"

# [6] `created_at` (ISO-8601, offset or Z; naive means UTC) is honoured on conversations (also stamped on the
# seed message) and on messages; otherwise the server clock. Stored and returned as UTC with milliseconds.

# Conversation `channel`: a conversation posted with a historical `created_at` is an import ("imported",
# the routing channel the docs name); one without is a live API start, which Convot delivers by "email".
CHANNEL_IMPORTED = "imported"
CHANNEL_LIVE = "email"

# Faults beyond the docs: an injected 5xx is 503 `service_unavailable`; a "lost response" applies a write
# and then closes the connection unanswered (what a client sees when a load balancer times out).

# [7] Would-notify events: every customer-visible outgoing message (seed or reply) to a contact with an
# email records {"kind": "email_contact"}; notes and incoming messages do not. Nothing is ever sent.
NOTIFY_KIND_EMAIL = "email_contact"

# [8] Nothing but contacts is deduplicated; no Idempotency-Key support.

# [9] POST /conversations accepts `contact_id` (a contact this app knows) as an alternative to `email`;
# an unknown email creates the contact. Neither given -> 400.

# [10] Status paths: POST /conversations/{uuid}/resolve, POST /conversations/{uuid}/reopen,
# PATCH /conversations/{uuid} {"status"}. Statuses: open | pending | resolved.
CONVERSATION_STATUSES = ("open", "pending", "resolved")
# Documented product behaviour, kept here because it drives state: an incoming message reopens these.
REOPENED_BY_INCOMING = ("resolved", "pending")

# [11] Helpdesk paths /helpdesk/{languages,categories,articles}; articles default to `draft` status.
ARTICLE_STATUSES = ("visible", "draft", "hidden")
DEFAULT_ARTICLE_STATUS = "draft"
# The slug is made at creation from the `slug` sent (the docs list it among the fields a client sends) or else
# from the title (lowercase ASCII words joined by "-", suffixed -2, -3 ... when taken within the app and
# locale), and kept when the title changes; `url` = /<locale>/article/<slug>. Both are in every answer
# (switches `article_slug_sent`, `article_slug_answered`: the docs say neither).

# [12] Languages are objects {locale, name} unique per app ("Locale has already been taken"); categories and
# articles carry a free `locale` string that need not name an existing language.

# [16] Contacts accept and store phone, company, avatar_url. Contacts are organisation-wide, custom_data is
# per app; an app sees a contact once it has created or matched it (the AppContact record). Two people are
# never merged: an email match whose external_id differs from the one sent, or an external_id match sending
# an email another contact holds, answers 422. Emails match case-insensitively and are stored as first sent.

# [1] Rate limits: a token bucket per app (off unless configured). 429 `rate_limited` carries
# `Retry-After` in seconds as a decimal string ("0.25") so sub-second buckets stay fast; the
# `retry_after_integer` fault option rounds it up to whole seconds as RFC 9110 writes it.

# Undocumented 5xx: the injected server error is 503 with code `service_unavailable` in the same envelope.
INJECTED_ERROR_STATUS = 503
