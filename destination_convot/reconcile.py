"""Start-of-sync repair of creates whose confirmation never reached the ledger (the process died in between).

Each intent was recorded before its POST. If Convot holds the object (conversations, categories and articles
by `external_id`; messages by created_at + type + content in their conversation; contact events by name +
occurred_at + properties in their contact's events), the ledger adopts it; otherwise the intent is dropped and
the record, still pending, is written normally. Either way nothing is created twice. An event Convot cannot
tell about (no events list) is recorded as unconfirmed and not sent again (`events.py`).
"""

from __future__ import annotations

import logging
from typing import Any

from destination_convot.errors import StreamUnwritable
from destination_convot.events import UNCONFIRMED
from destination_convot.events_api import ContactEvents, EventsUnverifiable
from destination_convot.helpdesk import held_extra
from destination_convot.ledger import Entry, Intent
from destination_convot.mapping import message_hash
from destination_convot.work import WorkContext

logger = logging.getLogger("airbyte")


def reconcile_intents(context: WorkContext) -> int:
    """Returns how many unconfirmed creates turned out to exist in Convot."""
    adopted = 0
    for intent in context.ledger.intents():
        try:
            found = _lookup(context, intent)
        except StreamUnwritable:
            continue  # its help-center route is missing: the intent stays until the stream can be written
        except EventsUnverifiable:
            entry = Entry(None, intent.payload["hash"], {"unconfirmed": True})
            done = [("event", intent.crisp_id)]
            context.ledger.confirm(intent.website_id, [("event", intent.crisp_id, entry)], done)
            context.counters.skip("events", UNCONFIRMED)
            logger.warning(
                f"Contact event {intent.crisp_id}: an interrupted run sent it and Convot cannot list events, "
                "so whether it holds it is unknown; it is not sent again. Check the contact in Convot."
            )
            continue
        if found is None:
            context.ledger.clear_intent(intent.kind, intent.website_id, intent.crisp_id)
            continue
        context.ledger.confirm(intent.website_id, *_adoption(intent, found))
        adopted += 1
    if adopted:
        logger.info(
            f"Ledger reconciled: {adopted} object(s) created by an interrupted run were found in Convot."
        )
    return adopted


def _lookup(context: WorkContext, intent: Intent) -> dict[str, Any] | None:
    api = context.api
    if intent.kind == "message":
        session_id = intent.crisp_id.rpartition(":")[0]  # a message's Crisp id is <session_id>:<fingerprint>
        confirmed = context.ledger.count_children("message", intent.website_id, session_id)
        return api.find_message(intent.parent_id, intent.payload, confirmed)
    if intent.kind == "event":
        return ContactEvents(api).find(intent.parent_id, intent.payload["request"])
    external_id = intent.payload["request"]["external_id"]
    if intent.kind == "conversation":
        return api.find_conversation(external_id)
    return api.find_helpdesk(intent.kind, external_id)


def _adoption(
    intent: Intent, found: dict[str, Any]
) -> tuple[list[tuple[str, str, Entry]], list[tuple[str, str]]]:
    """Ledger entries and consumed pending rows for an object Convot turned out to hold."""
    if intent.kind == "message":
        entry = Entry(found.get("id"), message_hash(intent.payload), {})
        return [("message", intent.crisp_id, entry)], [("message", intent.crisp_id)]
    if intent.kind == "event":
        entry = Entry(found.get("id"), intent.payload["hash"], {})
        return [("event", intent.crisp_id, entry)], [("event", intent.crisp_id)]
    if intent.kind == "conversation":
        seed = intent.payload["seed"]
        entries = [
            ("conversation", intent.crisp_id, Entry(found.get("id"), None, {"status": "open"})),
            ("message", seed, Entry(None, intent.payload["seed_hash"], {})),
        ]
        return entries, [("message", seed)]
    request = intent.payload["request"]
    entry = Entry(found.get("id"), intent.payload["hash"], held_extra(found, request))
    return [(intent.kind, intent.crisp_id, entry)], [(intent.kind, intent.crisp_id)]
