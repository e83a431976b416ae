"""`check`: prove the token and every scope `write` needs, without writing anything.

Read scopes: GET a list. Write scopes: POST an empty body, which Convot answers with 403 when the scope is
missing and 400/422 otherwise (the scope is checked before validation), so nothing is ever created.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from destination_convot import assumptions as A
from destination_convot.api import ConvotApi
from destination_convot.config import ConvotConfig
from destination_convot.errors import ADVICE, NEW_KEY_ADVICE, ConvotUnavailable


@dataclass(frozen=True)
class Probe:
    scope: str
    method: str
    path: str


NO_SUCH_CONVERSATION = f"/conversations/{A.PROBE_CONVERSATION_UUID}/messages"
PROBES = (
    Probe("contacts:read", "GET", "/contacts"),
    Probe("conversations:read", "GET", "/conversations"),
    Probe("messages:read", "GET", NO_SUCH_CONVERSATION),  # 404 (not 403) proves the scope
    Probe("helpdesk:read", "GET", A.ARTICLES_PATH),
    Probe("contacts:write", "POST", "/contacts"),
    Probe("conversations:write", "POST", "/conversations"),
    Probe("messages:write", "POST", NO_SUCH_CONVERSATION),
    Probe("helpdesk:write", "POST", A.ARTICLES_PATH),
)


def check_convot(config: ConvotConfig, api: ConvotApi) -> str | None:
    """None when everything write needs is in place, else what the user must fix."""
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
    if missing:
        return f"The Convot API key lacks the scope(s) {', '.join(missing)}. {NEW_KEY_ADVICE}"
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
