"""People events for the destination's tests: a few events and a workspace that carries them."""

from __future__ import annotations

import json
from typing import Any

from testing import destination_builders as B


def event(people_id: str, text: str, at: int, color: str | None = "blue", **data: Any) -> dict[str, Any]:
    """A people_events record as source-crisp emits it: `data` kept whole as JSON text."""
    return {
        "website_id": B.WEBSITE,
        "people_id": people_id,
        "text": text,
        "data": json.dumps(data),
        "color": color,
        "timestamp": at,
    }


EVENTS = [
    event("p-1", "plan_upgraded", B.T0 + 5_000, from_plan="starter", seats=3),
    event("p-1", "invoice_paid", B.T0 + 9_000, color=None),
    event("p-2", "signed_up", B.T0 + 1_000, source="ads"),
]


def with_events(events: list[dict[str, Any]] = EVENTS) -> list:
    return [*B.workspace(), *(B.record("people_events", e) for e in events), B.state("people_events", 1)]
