"""Which source-crisp stream becomes which ledger kind, keyed how: the routing table of the writer.

Pending kinds wait in the ledger until written to Convot; fact kinds are Crisp-side knowledge later records
need (operator emails for attribution, sections for article positions) and are only stored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from destination_convot.ledger import Pending

Record = Mapping[str, Any]


@dataclass(frozen=True)
class Route:
    kind: str
    key: tuple[str, ...]  # columns forming the Crisp id, joined by ":"
    counter: str | None = None  # the counters' name for this kind
    parent: str | None = None  # column naming the parent (messages -> their conversation)
    sort: str | None = None  # column ordering siblings (messages: oldest first)
    fact: bool = False

    def crisp_id(self, record: Record) -> str:
        return ":".join(str(record[column]) for column in self.key)

    def problem(self, record: Record) -> str | None:
        """Why a record cannot be kept (its ordering column is not a number), or None."""
        if self.sort is None or record.get(self.sort) is None:
            return None
        value = record[self.sort]
        try:
            if isinstance(value, bool) or not math.isfinite(float(value)):
                raise ValueError
        except (TypeError, ValueError):
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
    "helpdesk_locales": Route("language", ("locale",), "languages"),
    "helpdesk_categories": Route("category", ("locale", "category_id"), "categories"),
    "helpdesk_sections": Route("section", ("locale", "section_id"), fact=True),
    "helpdesk_articles": Route("article", ("locale", "article_id"), "articles"),
}

NOT_IMPORTED = {"visitors": "live visitor snapshots have no Convot counterpart"}

COUNTER_OF_KIND: dict[str, str] = {route.kind: route.counter for route in ROUTES.values() if route.counter}


def fact_value(route: Route, record: Record) -> Any:
    """The part of a fact record later steps read."""
    if route.kind == "operator":
        return {"email": record.get("email")}
    return {"category_id": record.get("category_id"), "order": record.get("order")}
