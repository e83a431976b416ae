"""Contacts: organisation-wide people, with custom_data kept per app (the docs' AppContact).

Documented: POST /contacts finds by external_id (within the organization), then by email, else creates;
omitted fields stay unchanged; custom_data is merged and a null value clears its key.
"""

from __future__ import annotations

from .accounts import Caller
from .errors import bad_request, invalid, not_found
from .fields import Field, now_iso, parse_body
from .store import Store

CONTACT_FIELDS = (
    Field("email", "email"),
    Field("external_id"),
    Field("name"),
    Field("phone"),
    Field("company"),
    Field("avatar_url"),
    Field("custom_data", "scalars"),
)
CONTACT_COLUMNS = ("id", "external_id", "email", "name", "phone", "company", "avatar_url", "custom_data",
                   "created_at", "updated_at")  # fmt: skip
# The contacts an app sees: those it has created or matched, with that app's custom_data.
VISIBLE = (
    f"SELECT {', '.join('ac.' + c if c == 'custom_data' else 'c.' + c for c in CONTACT_COLUMNS)} "
    "FROM contacts c JOIN app_contacts ac ON ac.contact_id = c.id AND ac.app_id = ?"
)
SAME_EMAIL = "email = ? COLLATE NOCASE"


def get_contact(store: Store, app_id: int, contact_id: int) -> dict:
    contact = store.one(f"{VISIBLE} WHERE c.id = ?", app_id, contact_id)
    if contact is None:
        raise not_found("Contact")
    return contact


def contact_visible(store: Store, app_id: int, contact_id: int) -> bool:
    sql = "SELECT 1 FROM app_contacts WHERE app_id = ? AND contact_id = ?"
    return store.scalar(sql, app_id, contact_id) is not None


def list_contacts(
    store: Store, app_id: int, filters: dict, page: int, per_page: int
) -> tuple[list[dict], bool]:
    conditions = "".join(
        f" AND c.{SAME_EMAIL if column == 'email' else 'external_id = ?'}" for column in filters
    )
    rows = store.all(
        f"{VISIBLE} WHERE 1{conditions} ORDER BY c.id LIMIT ? OFFSET ?",
        app_id,
        *filters.values(),
        per_page + 1,
        (page - 1) * per_page,
    )
    return rows[:per_page], len(rows) > per_page


def _match(store: Store, organization_id: int, values: dict) -> dict | None:
    """Documented order: external_id, then email. Conflicts answer 422 instead of merging two people."""
    base = "SELECT * FROM contacts WHERE organization_id = ?"
    email, external_id = values.get("email"), values.get("external_id")
    by_email = store.one(f"{base} AND {SAME_EMAIL} ORDER BY id", organization_id, email) if email else None
    if external_id:
        found = store.one(f"{base} AND external_id = ?", organization_id, external_id)
        if found:
            if by_email and by_email["id"] != found["id"]:
                raise invalid(["Email has already been taken"])
            return found
    if by_email and by_email["external_id"] and external_id:
        raise invalid([f"Email belongs to the contact with external id {by_email['external_id']}"])
    return by_email


def _same(column: str, stored: object, sent: object) -> bool:
    """Emails match case-insensitively, so a case-only difference is not a change."""
    if column == "email" and stored and sent:
        return str(stored).casefold() == str(sent).casefold()
    return stored == sent


def _merge(old: dict, sent: dict) -> dict:
    merged = {**old, **sent}
    return {key: value for key, value in merged.items() if value is not None}


def upsert_contact(store: Store, caller: Caller, body: dict) -> tuple[dict, bool]:
    """Find-or-create; returns the contact as this app sees it and whether it was created."""
    values = parse_body(body, CONTACT_FIELDS, partial=True)
    if not values.get("email") and not values.get("external_id"):
        raise bad_request("email or external_id is required to find or create a contact")
    custom_data = values.pop("custom_data", None) or {}
    stamp = now_iso()
    with store.transaction():
        found = _match(store, caller.organization_id, values)
        if found is None:
            row = {
                "organization_id": caller.organization_id,
                **values,
                "created_at": stamp,
                "updated_at": stamp,
            }
            contact_id = store.insert("contacts", row)
            link_contact(store, caller.app_id, contact_id, custom_data)
            return get_contact(store, caller.app_id, contact_id), True
        changed = {key: value for key, value in values.items() if not _same(key, found[key], value)}
        if link_contact(store, caller.app_id, found["id"], custom_data) or changed:
            store.update("contacts", {"id": found["id"]}, {**changed, "updated_at": stamp})
        return get_contact(store, caller.app_id, found["id"]), False


def link_contact(store: Store, app_id: int, contact_id: int, custom_data: dict | None = None) -> bool:
    """Make the contact known to the app, merging custom_data into what the app holds; True if it changed."""
    key = {"app_id": app_id, "contact_id": contact_id}
    with store.transaction():
        current = store.one(
            "SELECT custom_data FROM app_contacts WHERE app_id = ? AND contact_id = ?", *key.values()
        )
        if current is None:
            store.insert("app_contacts", {**key, "custom_data": _merge({}, custom_data or {})})
            return True
        merged = _merge(current["custom_data"], custom_data or {})
        if merged == current["custom_data"]:
            return False
        store.update("app_contacts", key, {"custom_data": merged})
        return True


def contact_for_email(store: Store, caller: Caller, email: str) -> int:
    """The contact a conversation started by email belongs to; created when missing (documented)."""
    contact, _ = upsert_contact(store, caller, {"email": email})
    return contact["id"]
