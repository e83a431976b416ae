"""Admin routes outside /v1 for out-of-process users (CLI sandbox): read everything, counts, faults, setup.

No auth: the sandbox binds 127.0.0.1 only.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .errors import ApiError, bad_request
from .faults import ConvotFaults
from .guesses import ConvotGuesses

if TYPE_CHECKING:
    from .sandbox import ConvotSandbox

PREFIX = "/_sandbox/"


def _json(body: bytes) -> dict:
    try:
        parsed = json.loads(body or b"{}")
    except json.JSONDecodeError as error:
        raise bad_request(f"Malformed JSON body: {error.msg}") from None
    if not isinstance(parsed, dict):
        raise bad_request("The JSON body must be an object")
    return parsed


def _set_faults(sandbox: ConvotSandbox, body: dict) -> dict:
    try:
        sandbox.set_faults(ConvotFaults.from_dict(body))
    except (TypeError, ValueError) as error:
        raise bad_request(str(error)) from None
    return {"faults": sandbox.faults.to_dict()}


def _set_guesses(sandbox: ConvotSandbox, body: dict) -> dict:
    try:
        sandbox.guesses = ConvotGuesses.from_dict(body)
    except (TypeError, ValueError) as error:
        raise bad_request(str(error)) from None
    return {"guesses": sandbox.guesses.to_dict()}


def _reset_counts(sandbox: ConvotSandbox) -> dict:
    sandbox.reset_counts()
    return sandbox.request_log()


def _revoke(sandbox: ConvotSandbox, body: dict) -> dict:
    sandbox.revoke_token(body["token"])
    return {"revoked": True}


# (method, path) -> what it does with the sandbox, the query and the JSON body
ADMIN_ROUTES = {
    ("GET", "/_sandbox/dump"): lambda sb, q, b: sb.dump(int(q.get("app_id", 1))),
    ("GET", "/_sandbox/requests"): lambda sb, q, b: sb.request_log(),
    ("POST", "/_sandbox/requests/reset"): lambda sb, q, b: _reset_counts(sb),
    ("GET", "/_sandbox/faults"): lambda sb, q, b: {"faults": sb.faults.to_dict()},
    ("POST", "/_sandbox/faults"): lambda sb, q, b: _set_faults(sb, b),
    ("GET", "/_sandbox/guesses"): lambda sb, q, b: {"guesses": sb.guesses.to_dict()},
    ("POST", "/_sandbox/guesses"): lambda sb, q, b: _set_guesses(sb, b),
    ("POST", "/_sandbox/apps"): lambda sb, q, b: {"app_id": sb.create_app()},
    ("POST", "/_sandbox/users"): lambda sb, q, b: {
        "user_id": sb.create_user(int(b.get("app_id", 1)), b["email"], b.get("name"))
    },
    ("POST", "/_sandbox/tokens"): lambda sb, q, b: {
        "token": sb.create_token(int(b.get("app_id", 1)), b["scopes"])
    },
    ("POST", "/_sandbox/tokens/revoke"): lambda sb, q, b: _revoke(sb, b),
}


def handle(
    sandbox: ConvotSandbox, method: str, path: str, query: dict, body: bytes
) -> tuple[int, dict, dict]:
    action = ADMIN_ROUTES.get((method, path.rstrip("/")))
    if action is None:
        known = ", ".join(f"{m} {p}" for m, p in ADMIN_ROUTES)
        raise ApiError(404, f"No admin route {method} {path}; known: {known}")
    try:
        return 200, action(sandbox, query, _json(body)), {}
    except (KeyError, ValueError) as error:
        raise bad_request(f"Bad admin request: missing or invalid {error}") from None
