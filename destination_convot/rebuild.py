"""An empty ledger in front of an app that already holds objects: match them by external id, never re-create.

A lost ledger, a new `ledger_path`, or a key the ledger could not tie to its app (`app_identity.py`) would
otherwise import everything a second time. When the ledger knows nothing of the app but Convot holds
conversations or help-center objects, the sync runs in *rebuild* mode until one sync completes: before each
create of a conversation, category or article it looks the object up by its `external_id` (one walk of each
list, indexed), and before posting a conversation's messages it lists the messages Convot already holds and
adopts those that match (created_at + type + content). Contacts are find-or-create by external id anyway, but
an app holding contacts imported from Crisp starts a rebuild too, even with nothing else: events carry no
external id, and only the rebuild's read-back of each contact's events before sending (events.py) keeps them
from being sent a second time.

The flag lives in the ledger, so a rebuild killed midway goes on rebuilding on the next run.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from destination_convot import assumptions
from destination_convot.api import HELPDESK_RESOURCES, MAX_SCANNED_OBJECTS, ConvotApi
from destination_convot.errors import ConvotAuthError, ConvotRejected
from destination_convot.ledger import Ledger

logger = logging.getLogger("airbyte")
FLAG = "rebuild"
LISTS = {"conversation": ("/conversations", "conversations"), **HELPDESK_RESOURCES}


class RebuildImpossible(Exception):
    """Convot's lists do not show external ids: the mapping cannot be rebuilt, so nothing is written."""


def start_if_needed(ledger: Ledger, api: ConvotApi) -> bool:
    """Whether this sync must match existing objects before creating (and remember it in the ledger)."""
    if ledger.flag(FLAG):
        logger.warning("Rebuilding the ledger from Convot (a previous rebuild did not complete).")
        return True
    if ledger.knows_anything():
        return False
    held = [kind for kind, (path, plural) in LISTS.items() if _first(api, path, plural)]
    if _holds_crisp_contacts(api):
        held.append("contact")
    if not held:
        return False
    ledger.set_flag(FLAG, True)
    logger.warning(
        f"The Convot app already holds {', '.join(sorted(held))} objects but the ledger {ledger.path} knows "
        "none of them (a lost or new ledger, or a key of an app it did not know): rebuilding the mapping "
        "from Convot by external id; objects already there are matched, not created again."
    )
    return True


def _first(api: ConvotApi, path: str, plural: str) -> dict[str, Any] | None:
    """The first object of a list; a list Convot does not serve (404: a guessed path) holds nothing, nor does
    one the key may not read (403): that key cannot write there either, so nothing can be duplicated."""
    try:
        return api.find_one(path, plural)
    except (ConvotRejected, ConvotAuthError) as error:
        if error.status in (403, 404):
            return None
        raise


def _holds_crisp_contacts(api: ConvotApi) -> bool:
    """Whether Convot holds a contact imported from Crisp (an external id of CONTACT_EXTERNAL_ID's form).

    Contacts made in Convot itself hold no Crisp event, so they start no rebuild: a rebuild reads each
    contact's events back before sending, and where Convot cannot list events it holds every event back as
    unconfirmed, which a first import must not do. A contact whose external id Convot's list does not show, or
    a list longer than MAX_SCANNED_OBJECTS, counts as imported: an event sent twice is the worse error."""
    prefix = assumptions.CONTACT_EXTERNAL_ID.split("{", 1)[0]
    try:
        for scanned, contact in enumerate(api.iter_list("/contacts", "contacts")):
            if assumptions.EXTERNAL_ID_FIELD not in contact or scanned >= MAX_SCANNED_OBJECTS:
                return True
            if str(contact[assumptions.EXTERNAL_ID_FIELD] or "").startswith(prefix):
                return True
    except ConvotRejected as error:
        if error.status != 404:
            raise
    return False


def finish(ledger: Ledger) -> None:
    """A complete sync has matched or written every record: later syncs trust the ledger again."""
    ledger.set_flag(FLAG, False)


class ExistingObjects:
    """What Convot holds, by external id, listed once per kind on first use (lanes share it)."""

    def __init__(self, api: ConvotApi, ledger_path: Any) -> None:
        self._api = api
        self._ledger_path = ledger_path
        self._lock = threading.Lock()
        self._index: dict[str, dict[str, dict[str, Any]]] = {}

    def find(self, kind: str, external_id: str) -> dict[str, Any] | None:
        with self._lock:
            if kind not in self._index:
                self._index[kind] = self._walk(kind)
            return self._index[kind].get(external_id)

    def _walk(self, kind: str) -> dict[str, dict[str, Any]]:
        path, plural = LISTS[kind]
        index: dict[str, dict[str, Any]] = {}
        if _first(self._api, path, plural) is None:
            return index
        for item in self._api.iter_list(path, plural):
            if assumptions.EXTERNAL_ID_FIELD not in item:
                raise RebuildImpossible(
                    f"The Convot app already holds {plural} and the ledger {self._ledger_path} does not know "
                    f"them, but Convot's list of {plural} shows no `{assumptions.EXTERNAL_ID_FIELD}`, so "
                    "they cannot be matched to Crisp: writing would import them twice. Restore the ledger "
                    "file from a backup, or import into an empty Convot app."
                )
            index.setdefault(str(item[assumptions.EXTERNAL_ID_FIELD]), item)
        return index
