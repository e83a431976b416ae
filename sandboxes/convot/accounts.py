"""Apps, teammates and API keys: who may call the API, for which app, with which scopes.

Documented: a key `ck_<id>:<secret>` belongs to one app, carries scopes, never expires, can be revoked,
and only a hash of the secret is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from .errors import ApiError
from .fields import now_iso
from .store import Store

# Every scope of the documented scope table (api-scopes-and-permissions); the default key holds them all.
SCOPED_RESOURCES = ("contacts", "conversations", "messages", "helpdesk", "changelog", "roadmap", "webhooks")
ALL_SCOPES = (*(f"{resource}:{action}" for resource in SCOPED_RESOURCES for action in ("read", "write")),
              "uploads:write")  # fmt: skip

TOKEN_PATTERN = re.compile(r"Bearer (ck_[A-Za-z0-9]+):(\S+)")
DEFAULT_KEY_ID = "ck_sandbox0001"
UNAUTHORIZED = "Missing, malformed or revoked API key: send Authorization: Bearer ck_<id>:<secret>"


@dataclass(frozen=True)
class Caller:
    app_id: int
    organization_id: int
    scopes: frozenset[str]

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise ApiError(403, f"This API key lacks the {scope} scope")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_app(store: Store, organization_id: int | None = None, name: str = "Sandbox app") -> int:
    """A new app; without an organization it gets its own, so nothing is shared with other apps."""
    with store.transaction():
        if organization_id is None:
            organization_id = (store.scalar("SELECT MAX(organization_id) FROM apps") or 0) + 1
        return store.insert(
            "apps", {"organization_id": organization_id, "name": name, "created_at": now_iso()}
        )


def create_user(store: Store, app_id: int, email: str, name: str | None = None) -> int:
    return store.insert("users", {"app_id": app_id, "email": email, "name": name, "created_at": now_iso()})


def create_token(
    store: Store, app_id: int, scopes: tuple[str, ...] | list[str], key_id: str | None = None
) -> str:
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        raise ValueError(f"scopes: unknown {unknown}; accepted: {', '.join(ALL_SCOPES)}")
    key_id = key_id or f"ck_{secrets.token_hex(8)}"
    secret = secrets.token_hex(16)
    store.insert(
        "api_keys",
        {
            "key_id": key_id,
            "app_id": app_id,
            "secret_sha256": _digest(secret),
            "scopes": sorted(set(scopes)),
            "created_at": now_iso(),
        },
    )
    return f"{key_id}:{secret}"


def revoke_token(store: Store, token: str) -> None:
    key_id = token.split(":", 1)[0]
    store.update("api_keys", {"key_id": key_id}, {"revoked_at": now_iso()})


def ensure_seeded(store: Store) -> str:
    """App 1 with an owner and a key holding every scope; the same token on every restart of one database.

    The sandbox keeps that one token in clear in `settings` so the CLI can print it again: a convenience a
    real server would not have.
    """
    with store.transaction():
        token = store.setting("default_token")
        if token is None:
            app_id = create_app(store, name="Sandbox")
            create_user(store, app_id, "owner@sandbox.convot.test", "Sandbox Owner")
            token = create_token(store, app_id, ALL_SCOPES, key_id=DEFAULT_KEY_ID)
            store.set_setting("default_token", token)
    return token


def authenticate(store: Store, authorization: str | None) -> Caller:
    match = TOKEN_PATTERN.fullmatch((authorization or "").strip())
    if not match:
        raise ApiError(401, UNAUTHORIZED)
    key_id, secret = match.groups()
    key = store.one(
        "SELECT k.*, a.organization_id FROM api_keys k JOIN apps a ON a.id = k.app_id WHERE k.key_id = ?",
        key_id,
    )
    if key is None or key["revoked_at"] or not hmac.compare_digest(key["secret_sha256"], _digest(secret)):
        raise ApiError(401, UNAUTHORIZED)
    return Caller(key["app_id"], key["organization_id"], frozenset(key["scopes"]))


def user_exists(store: Store, app_id: int, user_id: int) -> bool:
    return store.scalar("SELECT 1 FROM users WHERE id = ? AND app_id = ?", user_id, app_id) is not None


def list_users(store: Store, app_id: int) -> list[dict]:
    return store.all("SELECT id, email, name FROM users WHERE app_id = ? ORDER BY id", app_id)
