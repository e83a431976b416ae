"""Everything one app holds, as the API would show it, for assertions (`ConvotSandbox.dump`)."""

from __future__ import annotations

from . import helpdesk as hd
from .accounts import list_users
from .contacts import list_contacts
from .conversations import list_conversations, list_messages
from .events import all_events
from .store import Store

EVERYTHING = 10**9  # one "page" holding every row


def dump_app(store: Store, app_id: int) -> dict:
    with store.transaction():  # one consistent picture even while requests are being served
        conversations, _ = list_conversations(store, app_id, {}, 1, EVERYTHING)
        for conversation in conversations:
            conversation["messages"], _ = list_messages(store, app_id, conversation["id"], 1, EVERYTHING)
        snapshot = {
            "contacts": list_contacts(store, app_id, {}, 1, EVERYTHING)[0],
            "contact_events": all_events(store, app_id),
            "conversations": conversations,
            **{
                resource.table: hd.list_items(store, resource, app_id, {}, 1, EVERYTHING)[0]
                for resource in hd.RESOURCES
            },
            "notifications": store.all(
                "SELECT id, kind, conversation_id, message_id, contact_id, email, created_at "
                "FROM notifications WHERE app_id = ? ORDER BY id",
                app_id,
            ),
            "users": list_users(store, app_id),
        }
    return snapshot
