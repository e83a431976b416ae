"""Every choice source-crisp makes where the Crisp reference says "unknown", "assumed" or "ambiguous".

One place to change when Crisp confirms (or contradicts) a behaviour. References are to
shared/reference/crisp-api.md.
"""

from __future__ import annotations

# §8.6: `filter_date_start/end` filter on creation date (2021 docs) or update date (current docs). We follow
# the current docs. Used only to push down `older_than` on this very cursor, one second wider than the
# reference and re-checked client-side. Were Crisp to filter on another field, records would be missed:
# set None to disable the push-down.
CONVERSATION_DATE_FILTER_FIELD: str | None = "updated_at"

# §4.1: `order_date_*=1` sorts "instead of default order"; the direction is not documented. Assumed
# DESCENDING (newest first), like the inbox. Verified on every record read (incremental.DescendingScan): the
# early stop and the covered ranges of incremental reads hold only while the pages read confirm it; the first
# value above its predecessor logs one warning and turns the read into a complete scan filtered client-side.
CONVERSATION_SORT_PARAMS: dict[str, str] = {
    "updated_at": "order_date_updated",
    "created_at": "order_date_created",
}
# Full refresh sorts by creation date: updates do not move a conversation in that order (§8.4 page drift).
# Completeness does not depend on it (every page is read; repeats are dropped by session_id, not by value).
FULL_REFRESH_SORT_PARAM = "order_date_created"

# §4.1: `order_date_waiting` is ambiguous: newest waiting first, or (the docs' reading) longest-waiting first
# with the conversations that are not waiting left out. Either way that list cannot give a complete
# `waiting_since` read, so it is never used: `waiting_since` reads scan the `order_date_updated` list and
# filter client-side, relying on a conversation waiting since one of its messages, so never after its
# updated_at. Checked on every conversation read: one with waiting_since > updated_at logs one warning and
# turns the read into a complete scan.
WAITING_SINCE_SCAN_AXIS = "updated_at"

# §3: the size of list pages without `per_page` (visitors, helpdesk) is undocumented. Made harmless: such
# lists are read until an EMPTY page; a short page is never trusted as the end, so a smaller or larger real
# size costs requests, never records (sandbox switch `fixed_page_size`).

# §4.3: messages arrive in batches of an undocumented size; inside a batch, order is undocumented (we sort).
# Relied on, not switchable: a new message always gets a timestamp later than its conversation's previous
# `updated_at`, and a conversation's `updated_at` is >= its newest message timestamp. Incremental messages
# (conversation_streams.ConversationChildStream) visit only conversations whose updated_at passed the
# reference.

# §4.1: whether adding an event, a browsed page or a file to a conversation moves its `updated_at` is
# undocumented. GUESSED yes, so incremental reads of these streams visit only the conversations whose
# updated_at passed the reference, as messages do. Verified on every record read: one dated after its
# conversation's listed updated_at (and at least a minute before the sync began, so the listing cannot simply
# predate it) contradicts it: one warning, the rest of that sync visits every conversation, the state keeps
# that sync's reference and records `visit_every_conversation`, so every later incremental sync of the stream
# visits every conversation (a change hidden in a conversation passed before the contradiction is read one
# sync later). Only a conversation visited anyway (changed otherwise) can show the contradiction.
# Sandbox switch `children_bump_updated_at=False`. The rows relying on it say so themselves: objects.py
# gives them `parent_bump=BumpRule.VERIFIED`, and a child of conversations without a rule fails at import.
CHILDREN_BUMP_UPDATED_AT = True

# §4.1: whether Crisp moves a conversation's `updated_at` when its participants, its routing (assignment) or
# its meta change is undocumented, and those answers carry no date to check it with. Not relied on:
# incremental syncs of conversation_participants, conversation_routing and conversation_metas (their rows'
# parent_bump SLICE) read the conversations whose updated_at passed the reference PLUS a rotating slice of
# the others (rotating_slice.py), so every conversation is read again within `conversation_refresh_syncs`
# syncs: an unbumped change arrives at most that many syncs late, never lost. Set True once Crisp is shown
# to bump it: no slice is read. Sandbox switch `undated_children_bump_updated_at` (the sandbox's
# reassign_conversation moves updated_at or not).
CONVERSATION_UPDATED_AT_COVERS_UNDATED_CHILDREN = False

# §2: no rate-limit headers are documented; `Retry-After` is honoured when present (seconds).
RATE_LIMIT_STATUSES = (420, 422, 429)

# Epoch numbers below this are seconds, above it milliseconds (1e11 s is the year 5138; 1e11 ms is 1973).
EPOCH_MS_THRESHOLD = 100_000_000_000

# §1: Crisp's record timestamps (`*_at`, a message's `timestamp`) are epoch milliseconds. A record cursor
# value that is not (guessed, undocumented): the source reads it right rather than let it sort as 1970 and
# vanish from incremental reads (dates.record_cursor), and says so in one warning per stream and field:
# - a number from RECORD_SECONDS_FROM up to EPOCH_MS_THRESHOLD is epoch SECONDS (as ms it would fall between
#   1970-01-12 and 1973-03-03, years before Crisp existed; as seconds it is 2001-09-09 to 5138);
# - an ISO-8601 text (`2024-05-01T12:30:00Z`; UTC when it has no offset) is that instant.
# The record is emitted as Crisp sent it; only its place in the state is converted, so every state mark stays
# epoch milliseconds and comparable. Smaller numbers stay milliseconds (1970 dates, harmless for ordering).
# Anything else (a word, NaN, a number past 9998) stays unusable: counted, kept out of the state.
RECORD_SECONDS_FROM = 1_000_000_000

# §4.9: whether helpdesk article list items carry `content` is undocumented. Verified, not trusted: the first
# listed article that carries these fields is also read on its own route; only when both answers agree are
# the other articles of the sync emitted from the list (one request fewer per article). Otherwise, or when
# the list lacks them, every article is read on its own route.
ARTICLE_LIST_FIELDS = ("content",)

# §4.9: an article's `…/category` route answering 404 means "no category" (an uncategorized article), not
# "article deleted", when the article's own route still answers: the article is emitted with category_id and
# section_id null. Verified per article (its own route), whatever the 404 reason says (category_not_found).

# Helpdesk routes (npm crisp-api 10.11 = legacy helpdesk/locale/{locale}/…; 11.x = Knowledge Base
# helpdesk/tree/… and helpdesk/page/…). Probed once per sync on the first locale (helpdesk.py): the Knowledge
# Base wins when both answer (it is where Crisp's current editor writes); neither answering is an error of
# the category/section/article streams, never an empty read.
KNOWLEDGE_BASE_CONTENT_TYPE = "articles"  # the content type the legacy streams carry (guides, references and
# news have no legacy equivalent: counted from the locale statistics and named in a warning)
# Knowledge Base tree paths: slugs from the root joined by "/"; page/list's `tree_path` uses the same form.
# Verified: a page whose tree_path matches no tree entry is emitted with a null category and a warning.
KNOWLEDGE_BASE_MAX_DEPTH = 8  # nested groups walked below the root (a loop guard; legacy has 2 levels)

# §4.4: the people profile list takes `sort_field`/`sort_order` ("based on available search field names, e.g.
# nickname"). npm crisp-api 11.3 `listPeopleProfiles(website, page, searchField, searchOrder, …)` passes both
# through as free strings and its types name no accepted field; the PyPI client (1.1.23) has no sort argument.
# Guessed: `updated_at` and `created_at` are accepted sort fields and `descending` lists newest first.
# Verified on every profile read (incremental.DescendingScan): the early stop and the covered ranges hold only
# while the pages confirm the order; the first value above its predecessor warns once and turns the read into
# a complete scan filtered client-side. Crisp answering the sort params with an error (a 400) is read as
# "not accepted": the list is read again without them, unsorted and filtered client-side, with one warning.
PEOPLE_SORT_PARAMS: dict[str, dict[str, str]] = {
    "updated_at": {"sort_field": "updated_at", "sort_order": "descending"},
    "created_at": {"sort_field": "created_at", "sort_order": "descending"},
}

# Whether Crisp bumps a profile's `updated_at` when its custom data (or its events, campaigns, subscription)
# change is undocumented. Not relied on: the people child streams (people_children.py) read the children of
# the profiles whose updated_at passed the reference PLUS a rotating slice of the others, so every profile is
# read again within `people_refresh_syncs` syncs. Set True once Crisp is shown to bump it: no slice is read.
PROFILE_UPDATED_AT_COVERS_DATA = False

# §2: plugin tokens are exempt from Crisp's API Global and API Route limits ("bursts are allowed"), only their
# daily quota counts; website and user tokens are subject to per-route limits Crisp does not disclose (the
# reference suggests about 1 request/s for them). So the default number of per-parent requests in flight
# (`max_concurrency`) depends on the tier. Made harmless: a limit that does hit pauses every worker and halves
# the requests in flight (pacing.py), and `max_requests_per_minute` caps the rate whatever the concurrency, so
# a wrong guess costs pauses, never records. Plugin default from bench/source_bench.py `concurrency` and from
# the peers' read (bench/peers.py streams) at 0, 20 and 100 ms (docs/source-crisp.md "Concurrency"): 25 in
# flight read the peers' streams a third faster than 10 at 100 ms, a little faster at 20 ms (where the CPU
# of the 2-core machine is the limit), no slower at 0 ms; 25 splits a 50-item parent page into 2 full rounds
# (10: 5 rounds, 16 and 17: 4 and 3 with a short last one), the pages being read one at a time.
# The other answer (a plugin token limited after all) is the sandbox's `Faults(rate_limit=...)`, which limits
# any tier: integration_tests/test_source_concurrency.py reads through a 429 storm with every record.
MAX_CONCURRENCY_BY_TIER: dict[str, int] = {"plugin": 25, "website": 2, "user": 2}

# npm crisp-api 11 `listCampaignStatistics(website, campaign, action, page)`: the actions are not listed (a
# free string; PyPI crisp-api has no campaign routes). Taken from the same client's
# WebsiteCampaignItemStatistics (`getCampaign` -> `statistics`), whose counters are these three; a profile's
# PeopleCampaign.statistics (string[]) names none. An action Crisp does not know fails discover and the sync
# with an error naming the route, so the action (errors.py 400/404), never reads as "no statistics".
# Verified per campaign (fan_over_check.py): the campaign's own `statistics` counters are read first (1
# request per campaign) and an action counted there beyond these is read too, with a warning naming it, so a
# missing action costs a request, never rows. Sandbox switches: `statistic_actions` narrows the actions the
# sandbox knows, `extra_statistic_action` plants one more (a counter, statistics rows, people_campaigns).
CAMPAIGN_STATISTIC_ACTIONS = ("opened", "clicked", "unsubscribed")

# §4.1, §4.4: a per-parent route (a conversation's messages, a profile's events, a campaign's recipients, a
# locale's categories) answering 404 is read as "the parent was deleted since it was listed" only once the
# parent's own route answers 404 too (parents.py, one request per 404): a 404 the parent contradicts is
# retried, then stops the stream at its last checkpoint with an error naming it. Sandbox switch
# `Faults.child_404` (a child route answering 404 for a parent that still exists).
CHILD_404_MEANS_PARENT_GONE = False

# §1: the reference says nothing of redirects, nor of the characters of a token. Relied on, not switchable
# (the tests use a hostile listener, unit_tests/test_api_url_hosts.py): a 30x is never followed
# (connector_shared/sessions.py) but reported as a config error naming api_url, so the token goes only to the
# host the config checked; credentials outside visible ASCII are refused by name before any request
# (connector_shared/header_secret.py). Were Crisp to put its API behind a redirect, the message says to set
# api_url to the new address.
