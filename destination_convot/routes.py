"""Which source-crisp stream becomes which ledger kind, keyed how: the routing table of the writer.

Pending kinds wait in the ledger until written to Convot; fact kinds are Crisp-side knowledge later records
need (operator emails for attribution, sections for article positions) and are only stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from destination_convot.ledger import Pending
from destination_convot.mapping import event_key, file_key, iso_from_ms

Record = Mapping[str, Any]


@dataclass(frozen=True)
class Route:
    kind: str
    key: tuple[str, ...]  # columns forming the Crisp id, joined by ":" (and that a record must carry)
    counter: str | None = None  # the counters' name for this kind
    parent: str | None = None  # column naming the parent (messages -> their conversation)
    sort: str | None = None  # column ordering siblings (messages: oldest first)
    fact: bool = False
    identity: Callable[[Record], str] | None = None  # the Crisp id, when the key columns alone are not it

    def crisp_id(self, record: Record) -> str:
        if self.identity is not None:
            return self.identity(record)
        return ":".join(str(record[column]) for column in self.key)

    def problem(self, record: Record) -> str | None:
        """Why a record cannot be kept (its ordering column is not a number), or None."""
        if self.sort is None or record.get(self.sort) is None:
            return None
        value = record[self.sort]
        if iso_from_ms(value) is None:  # not a number, or beyond what a date can hold (2**70)
            return f"{self.sort} is not a time in milliseconds (got {str(value)[:40]!r})"
        return None

    def pending(self, record: Record) -> Pending:
        return Pending(
            website_id=str(record["website_id"]),
            kind=self.kind,
            crisp_id=self.crisp_id(record),
            parent_id=str(record[self.parent]) if self.parent else None,
            sort_key=float(record.get(self.sort) or 0) if self.sort else 0.0,
            record=dict(record),
        )


ROUTES: dict[str, Route] = {
    "operators": Route("operator", ("user_id",), fact=True),
    "people_profiles": Route("contact", ("people_id",), "contacts"),
    "people_data": Route("contact_data", ("people_id",), "contacts"),
    "conversations": Route("conversation", ("session_id",), "conversations"),
    "conversation_messages": Route(
        "message", ("session_id", "fingerprint"), "messages", parent="session_id", sort="timestamp"
    ),
    # Events wait for their contact as messages wait for their conversation; oldest first.
    "people_events": Route(
        "event", ("people_id", "timestamp"), "events", "people_id", "timestamp", identity=event_key
    ),
    # A file is a message of its conversation (its fingerprint): only checked against that message's link.
    "conversation_files": Route("file", ("session_id", "url"), "files", "session_id", identity=file_key),
    "helpdesk_locales": Route("language", ("locale",), "languages"),
    "helpdesk_categories": Route("category", ("locale", "category_id"), "categories"),
    "helpdesk_sections": Route("section", ("locale", "section_id"), fact=True),
    "helpdesk_articles": Route("article", ("locale", "article_id"), "articles"),
}

NO_COUNTERPART = "no Convot counterpart"
SEGMENT_SUGGESTIONS = (
    "suggested segment names: Convot has no tags API for the list, and each contact's own segments are "
    "already in its custom attribute crisp_segments"
)
# Streams source-crisp reads that Convot has no place for, by why; any other stream the destination does not
# know is counted the same way (UNKNOWN_STREAM), never an error.
NO_PLACE_IN_CONVOT = {
    "live visitor snapshots": "visitors website_availability operator_availabilities",
    SEGMENT_SUGGESTIONS: "people_segments conversation_segments",
    "suggested names and keys, each contact's own data being in its custom attributes": (
        "people_data_keys conversation_data_keys people_event_names"
    ),
    "workspace settings and structure": (
        "website website_settings teams inboxes helpdesk helpdesk_settings helpdesk_redirections"
    ),
    "campaigns": (
        "campaigns campaign_templates campaign_tags campaign_recipients campaign_statistics people_campaigns"
    ),
    "conversation details Convot does not store": (
        "conversation_events conversation_pages conversation_participants conversation_routing "
        "spam_conversations"
    ),
    "a conversation's visitor details, which its conversations record carries too": "conversation_metas",
    "profile links and statistics": "people_conversations people_subscriptions people_statistics",
}
NOT_IMPORTED = {
    stream: f"{NO_COUNTERPART} ({why})"
    for why, streams in NO_PLACE_IN_CONVOT.items()
    for stream in streams.split()
}
UNKNOWN_STREAM = f"{NO_COUNTERPART} (a stream this destination does not know)"

COUNTER_OF_KIND: dict[str, str] = {route.kind: route.counter for route in ROUTES.values() if route.counter}


def fact_value(route: Route, record: Record) -> Any:
    """The part of a fact record later steps read."""
    if route.kind == "operator":
        return {"email": record.get("email")}
    return {"category_id": record.get("category_id"), "order": record.get("order")}
