"""`check`: prove the token and every scope `write` needs, without writing anything.

Read scopes: GET a list. Write scopes: POST an empty body, which Convot answers with 403 when the scope is
missing and 400/422 otherwise (the scope is checked before validation), so nothing is ever created.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from destination_convot import assumptions
from destination_convot.api import ConvotApi
from destination_convot.config import ConvotConfig
from destination_convot.errors import (
    ADVICE,
    CORE_SCOPES,
    HELP_CENTER_STREAMS,
    NEW_KEY_ADVICE,
    ConvotApiError,
    ConvotUnavailable,
)


@dataclass(frozen=True)
class Probe:
    scope: str
    method: str
    path: str


NO_SUCH_CONVERSATION = f"/conversations/{assumptions.PROBE_CONVERSATION_UUID}/messages"
PROBE_EXTERNAL_ID = "crisp:check-probe-matches-nothing"  # a filter that honours it lists nothing
PROBES = (
    Probe("contacts:read", "GET", "/contacts"),
    Probe("conversations:read", "GET", "/conversations"),
    Probe("messages:read", "GET", NO_SUCH_CONVERSATION),  # 404 (not 403) proves the scope
    Probe("helpdesk:read", "GET", assumptions.ARTICLES_PATH),
    Probe("contacts:write", "POST", "/contacts"),
    Probe("conversations:write", "POST", "/conversations"),
    Probe("messages:write", "POST", NO_SUCH_CONVERSATION),
    Probe("helpdesk:write", "POST", assumptions.ARTICLES_PATH),
)


def probe_guesses(api: ConvotApi) -> list[str]:
    """Which guesses of `assumptions.py` hold, from a few read-only requests; the others are checked by the
    first write that relies on them (each falls back safely, see `guesses.py`)."""
    found = [_languages(api), _page_size(api)]
    found += [
        _filter(api, path)
        for path in ("/conversations", assumptions.CATEGORIES_PATH, assumptions.ARTICLES_PATH)
    ]
    found.append(
        "resolve/reopen paths, contact_id, message type, created_at, and the contact events prefix and list: "
        "checked by the first write that uses them (cannot be probed without writing)"
    )
    return found


def _answer(api: ConvotApi, path: str, **params: object) -> tuple[int, list[dict]]:
    """(HTTP status, the listed items) of one GET."""
    try:
        body = api.probe_list("GET", path, **params)
    except ConvotApiError as error:
        return error.status, []
    items = next((value for value in (body or {}).values() if isinstance(value, list)), [])
    return 200, [item for item in items if isinstance(item, dict)]


def _languages(api: ConvotApi) -> str:
    status, _ = _answer(api, assumptions.LANGUAGES_PATH)
    if status in (404, 405):
        absent = f"absent (GET {assumptions.LANGUAGES_PATH} answered {status})"
        return f"Convot languages API: {absent}, locale sent on categories and articles"
    return "Convot languages API: present" if status == 200 else f"Convot languages API: answered {status}"


def _page_size(api: ConvotApi) -> str:
    status, _ = _answer(api, "/contacts", **{assumptions.PER_PAGE_PARAM: assumptions.PER_PAGE})
    if status in (400, 422):
        return f"page size {assumptions.PER_PAGE}: refused ({status}), Convot's default page size used"
    return f"page size {assumptions.PER_PAGE}: accepted" if status == 200 else f"page size: answered {status}"


def _filter(api: ConvotApi, path: str) -> str:
    label = f"external_id filter on GET {path}"
    status, listed = _answer(api, path, **{assumptions.EXTERNAL_ID_FIELD: PROBE_EXTERNAL_ID})
    if status in (404, 405):
        return f"{label}: the route is absent ({status}), that stream cannot be written"
    if status != 200:
        return f"{label}: answered {status}"
    if listed:
        return f"{label}: ignored, objects matched client-side"
    _, unfiltered = _answer(api, path)
    return f"{label}: honoured" if unfiltered else f"{label}: not provable yet (Convot holds none)"


def check_convot(config: ConvotConfig, api: ConvotApi, notes: list[str] | None = None) -> str | None:
    """None when write can import conversations and contacts, else what the user must fix. A key without
    the help-center scopes passes: `notes` then says what write will skip and which scopes would add it."""
    problem = _ledger_problem(config)
    if problem:
        return problem
    missing = []
    for probe in PROBES:
        try:
            error = api.probe(probe.method, probe.path)
        except ConvotUnavailable as exc:
            return f"Could not reach Convot at api_url {config.api_url}: {exc}"
        if error is None:
            continue
        if error.status == 401:
            return ADVICE[401]
        if error.status == 403:
            missing.append(probe.scope)
    if any(scope in CORE_SCOPES for scope in missing):
        return f"The Convot API key lacks the scope(s) {', '.join(missing)}. {NEW_KEY_ADVICE}"
    if missing and notes is not None:
        notes.append(
            f"The Convot API key lacks {', '.join(missing)}: contacts, conversations and messages will be "
            f"imported, the help center will not ({HELP_CENTER_STREAMS}: deselect them, or create a key that "
            "also has helpdesk:read and helpdesk:write). Contact events need a scope Convot does not "
            "document (contacts:write assumed): a key refused there skips people_events only."
        )
    return None


def _ledger_problem(config: ConvotConfig) -> str | None:
    if config.preview:
        return None
    path = Path(config.ledger_path)
    ancestor = path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    usable = ancestor.is_dir() and os.access(ancestor, os.W_OK)
    if not usable or (path.exists() and not os.access(path, os.W_OK)):
        return (
            f"ledger_path: {config.ledger_path} cannot be written ({ancestor} is not a writable directory). "
            "Point ledger_path at a writable file kept between syncs (in Docker, under the /local volume)."
        )
    return None
