"""Conversations and their messages. Nothing here is deduplicated: every POST creates (documented)."""

from __future__ import annotations

import uuid

from . import assumptions as A
from .accounts import Caller, user_exists
from .contacts import contact_for_email, contact_visible
from .errors import bad_request, invalid, not_found
from .fields import Field, now_iso, parse_body
from .guesses import ConvotGuesses
from .store import Store

MESSAGE_FIELDS = (
    Field("content", required=True),
    Field("type", "choice", choices=A.MESSAGE_TYPES, default=A.DEFAULT_MESSAGE_TYPE),
    Field("created_at", "time"),
    Field("operator_id", "int"),
)
CONVERSATION_FIELDS = (
    *MESSAGE_FIELDS,
    Field("email", "email"),
    Field("contact_id", "int"),
    Field("external_id"),
    Field("status", "choice", choices=A.CONVERSATION_STATUSES, default="open"),
)
STATUS_FIELDS = (Field("status", "choice", required=True, choices=A.CONVERSATION_STATUSES),)
CONVERSATION_COLUMNS = (
    "id",
    "contact_id",
    "status",
    "messages_count",
    "external_id",
    "channel",
    "created_at",
    "updated_at",
)
MESSAGE_COLUMNS = ("id", "conversation_id", "type", "content", "operator_id", "created_at")


def _public(row: dict, columns: tuple[str, ...]) -> dict:
    return {column: row[column] for column in columns}


def get_conversation(store: Store, app_id: int, conversation_id: str) -> dict:
    row = store.one("SELECT * FROM conversations WHERE id = ? AND app_id = ?", conversation_id, app_id)
    if row is None:
        raise not_found("Conversation")
    return _public(row, CONVERSATION_COLUMNS)


def list_conversations(
    store: Store, app_id: int, filters: dict, page: int, per_page: int
) -> tuple[list, bool]:
    rows, has_more = store.page("conversations", {"app_id": app_id, **filters}, page=page, per_page=per_page)
    return [_public(row, CONVERSATION_COLUMNS) for row in rows], has_more


def list_messages(
    store: Store, app_id: int, conversation_id: str, page: int, per_page: int
) -> tuple[list, bool]:
    get_conversation(store, app_id, conversation_id)
    rows, has_more = store.page(
        "messages", {"conversation_id": conversation_id}, page=page, per_page=per_page, order="created_at, id"
    )
    return [_public(row, MESSAGE_COLUMNS) for row in rows], has_more


def _check_operator(store: Store, app_id: int, values: dict) -> None:
    operator_id = values.get("operator_id")
    if operator_id is not None and not user_exists(store, app_id, operator_id):
        raise invalid(["Operator must be a user of this app"])


def _contact_id(store: Store, caller: Caller, values: dict) -> int:
    if values.get("contact_id") is not None:
        if not contact_visible(store, caller.app_id, values["contact_id"]):
            raise invalid(["Contact must exist"])
        return values["contact_id"]
    if values.get("email"):
        return contact_for_email(store, caller, values["email"])
    raise bad_request("email or contact_id is required to start a conversation")


def start_conversation(store: Store, caller: Caller, body: dict, guesses: ConvotGuesses) -> dict:
    """The conversation and its seed message, as one write."""
    if not guesses.contact_id and "contact_id" in body:
        raise invalid(["Contact is not a permitted parameter; start a conversation with email"])
    guesses.refuse_message_fields(body)
    values = guesses.message_values(parse_body(body, CONVERSATION_FIELDS))
    with store.transaction():
        _check_operator(store, caller.app_id, values)
        contact_id = _contact_id(store, caller, values)
        stamp = now_iso()
        conversation_id = str(uuid.uuid4())
        store.insert(
            "conversations",
            {
                "id": conversation_id,
                "app_id": caller.app_id,
                "contact_id": contact_id,
                "status": values["status"],
                "external_id": values["external_id"],
                "channel": A.CHANNEL_IMPORTED if values["created_at"] else A.CHANNEL_LIVE,
                "created_at": values["created_at"] or stamp,
                "updated_at": stamp,
            },
        )
        _insert_message(store, caller.app_id, conversation_id, contact_id, values)
        return get_conversation(store, caller.app_id, conversation_id)


def add_message(
    store: Store, caller: Caller, conversation_id: str, body: dict, guesses: ConvotGuesses
) -> dict:
    with store.transaction():
        conversation = get_conversation(store, caller.app_id, conversation_id)
        guesses.refuse_message_fields(body)
        values = guesses.message_values(parse_body(body, MESSAGE_FIELDS))
        _check_operator(store, caller.app_id, values)
        message_id = _insert_message(
            store, caller.app_id, conversation_id, conversation["contact_id"], values
        )
        if values["type"] == "incoming" and conversation["status"] in A.REOPENED_BY_INCOMING:
            store.update("conversations", {"id": conversation_id}, {"status": "open"})
        return _public(store.one("SELECT * FROM messages WHERE id = ?", message_id), MESSAGE_COLUMNS)


def _insert_message(store: Store, app_id: int, conversation_id: str, contact_id: int, values: dict) -> int:
    stamp = now_iso()
    message_id = store.insert(
        "messages",
        {
            "app_id": app_id,
            "conversation_id": conversation_id,
            "type": values["type"],
            "content": values["content"],
            "operator_id": values["operator_id"],
            "created_at": values["created_at"] or stamp,
        },
    )
    store.execute(
        "UPDATE conversations SET messages_count = messages_count + 1, updated_at = ? WHERE id = ?",
        stamp,
        conversation_id,
    )
    email = store.scalar("SELECT email FROM contacts WHERE id = ?", contact_id)
    if values["type"] == "outgoing" and email:
        store.insert(
            "notifications",
            {
                "app_id": app_id,
                "kind": A.NOTIFY_KIND_EMAIL,
                "conversation_id": conversation_id,
                "message_id": message_id,
                "contact_id": contact_id,
                "email": email,
                "created_at": stamp,
            },
        )
    return message_id


def set_status(store: Store, caller: Caller, conversation_id: str, status: str) -> dict:
    with store.transaction():
        get_conversation(store, caller.app_id, conversation_id)
        store.update("conversations", {"id": conversation_id}, {"status": status, "updated_at": now_iso()})
        return get_conversation(store, caller.app_id, conversation_id)


def patch_conversation(store: Store, caller: Caller, conversation_id: str, body: dict) -> dict:
    get_conversation(store, caller.app_id, conversation_id)
    return set_status(store, caller, conversation_id, parse_body(body, STATUS_FIELDS)["status"])
