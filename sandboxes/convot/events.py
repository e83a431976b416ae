"""Contact events (the help center's "Contact events" article): `{name, occurred_at, properties}` on a
contact of this app. Nothing is deduplicated: every POST creates (neither an external id nor idempotency is
documented).
"""

from __future__ import annotations

from .accounts import Caller
from .contacts import contact_visible
from .errors import not_found
from .fields import Field, now_iso, parse_body
from .store import Store

EVENT_FIELDS = (
    Field("name", required=True),
    Field("occurred_at", "time"),
    Field("properties", "scalars"),
)
EVENT_COLUMNS = ("id", "contact_id", "name", "occurred_at", "properties", "created_at")


def _contact(store: Store, app_id: int, contact_id: int) -> None:
    if not contact_visible(store, app_id, contact_id):
        raise not_found("Contact")


def create_event(store: Store, caller: Caller, contact_id: int, body: dict) -> dict:
    _contact(store, caller.app_id, contact_id)
    values = parse_body(body, EVENT_FIELDS)
    stamp = now_iso()
    event_id = store.insert(
        "contact_events",
        {
            "app_id": caller.app_id,
            "contact_id": contact_id,
            "name": values["name"],
            "occurred_at": values["occurred_at"] or stamp,  # documented as client-supplied; else now
            "properties": values["properties"] or {},
            "created_at": stamp,
        },
    )
    return _public(store.one("SELECT * FROM contact_events WHERE id = ?", event_id))


def list_events(store: Store, app_id: int, contact_id: int, page: int, per_page: int) -> tuple[list, bool]:
    _contact(store, app_id, contact_id)
    rows, has_more = store.page(
        "contact_events",
        {"app_id": app_id, "contact_id": contact_id},
        page=page,
        per_page=per_page,
        order="occurred_at, id",
    )
    return [_public(row) for row in rows], has_more


def all_events(store: Store, app_id: int) -> list[dict]:
    rows = store.all(
        "SELECT * FROM contact_events WHERE app_id = ? ORDER BY contact_id, occurred_at, id", app_id
    )
    return [_public(row) for row in rows]


def _public(row: dict) -> dict:
    return {column: row[column] for column in EVENT_COLUMNS}
