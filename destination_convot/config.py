"""The destination config, typed once at the edge.

`ConvotConfig.parse` never mutates the incoming mapping; every error names the field and what it accepts, and
never quotes the token.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from connector_shared.api_url import LOOPBACK_HINT, UnsafeApiUrl, parse_api_url
from connector_shared.config_error import ConfigError
from connector_shared.header_secret import secret_problem
from destination_convot.assumptions import DEFAULT_API_URL

TOKEN_PATTERN = re.compile(r"^(ck_[^:\s]+):\S+$")
DOCKER_LEDGER_DIR = Path("/local")
DEFAULT_MAX_CONCURRENCY = 4
MAX_CONCURRENCY_LIMIT = 32


def default_ledger_path(docker_dir: Path = DOCKER_LEDGER_DIR) -> Path:
    """`/local/destination-convot/ledger.sqlite` in Docker (its persistent volume), else a user state dir."""
    if docker_dir.is_dir() and os.access(docker_dir, os.W_OK):
        return docker_dir / "destination-convot" / "ledger.sqlite"
    state_home = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state_home) / "destination-convot" / "ledger.sqlite"


@dataclass(frozen=True)
class ConvotConfig:
    api_token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    operator_emails: Mapping[str, int] = field(default_factory=dict)
    help_center_url: str | None = None
    ledger_path: Path = field(default_factory=default_ledger_path)
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    preview: bool = False

    @property
    def app_key(self) -> str:
        """The non-secret `ck_<id>` part of the token: it identifies the Convot app in the ledger."""
        match = TOKEN_PATTERN.match(self.api_token)
        assert match is not None  # guaranteed by parse
        return match.group(1)

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> ConvotConfig:
        return cls(
            api_token=_token(raw.get("api_token")),
            api_url=_api_url(raw.get("api_url", DEFAULT_API_URL), raw.get("allow_insecure_http", False)),
            operator_emails=_operator_emails(raw.get("operator_emails") or []),
            help_center_url=_optional_url(raw.get("help_center_url"), "help_center_url"),
            ledger_path=_ledger_path(raw.get("ledger_path")),
            max_concurrency=_concurrency(raw.get("max_concurrency", DEFAULT_MAX_CONCURRENCY)),
            preview=_boolean(raw.get("preview", False), "preview"),
        )


def _token(value: Any) -> str:
    form = "expected a Convot API key of the form ck_<id>:<secret> (App Settings → API Keys → New key)"
    if not isinstance(value, str) or not TOKEN_PATTERN.match(value.strip()):
        raise ConfigError(f"api_token: {form}; the value given does not have that form.")
    problem = secret_problem(value.strip())
    if problem:
        # Sent as a Bearer header: a character HTTP headers cannot carry would crash the first request.
        raise ConfigError(f"api_token: {form}, {problem}; the value given is not shown, as it is secret.")
    return value.strip()


def _url(value: Any, name: str) -> str:
    parsed = urlparse(value) if isinstance(value, str) else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{name}: expected an http(s) URL such as {DEFAULT_API_URL}, got {value!r}.")
    return value.rstrip("/")


def _api_url(value: Any, allow_insecure_http: Any) -> str:
    """https, or plain http to a loopback address (the sandbox): the token rides on every request, so plain
    http anywhere else hands it to whoever is on the path, unless the user accepts that risk explicitly. The
    host checked is the host requests connects to (connector_shared/api_url.py)."""
    insecure_accepted = _boolean(allow_insecure_http, "allow_insecure_http")
    try:
        url = parse_api_url(value)
    except UnsafeApiUrl as problem:
        raise ConfigError(f"api_url: refused, {problem}. Convot's is {DEFAULT_API_URL}.") from None
    if url.sends_secret_in_clear and not insecure_accepted:
        raise ConfigError(
            f"api_url: plain http to {url.host} would send the API token unencrypted; use https, or http "
            f"only to a loopback address ({LOOPBACK_HINT}). To accept the risk (a sandbox on a Docker host, "
            "a test proxy), set allow_insecure_http to true."
        )
    return url.url


def _optional_url(value: Any, name: str) -> str | None:
    if value in (None, ""):
        return None
    return _url(value, name)


def upgrade_legacy_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the config in the current spec's shape. `operator_emails` used to be an object (email →
    user id); existing config files still hold it, and the spec check would reject it before `parse` runs."""
    config = dict(raw)
    legacy = config.get("operator_emails")
    if isinstance(legacy, Mapping):
        config["operator_emails"] = [{"email": email, "user_id": uid} for email, uid in legacy.items()]
    return config


def _operator_emails(value: Any) -> dict[str, int]:
    """`[{email, user_id}, …]` (the legacy `{email: user_id}` object is read too) → lower-cased email → id."""
    if isinstance(value, Mapping):
        value = upgrade_legacy_fields({"operator_emails": value})["operator_emails"]
    if not isinstance(value, list):
        raise ConfigError(
            "operator_emails: expected a list of {email, user_id} entries "
            "(Crisp operator email, Convot user id)."
        )
    mapping: dict[str, int] = {}
    for position, entry in enumerate(value):
        where = f"operator_emails[{position}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where}: expected an object with `email` and `user_id`.")
        email, user_id = entry.get("email"), entry.get("user_id")
        if not isinstance(email, str) or "@" not in email:
            raise ConfigError(f"{where}.email: {email!r} is not an email address.")
        if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id <= 0:
            raise ConfigError(
                f"{where}.user_id: the Convot user id for {email} must be a positive integer, "
                f"got {user_id!r}."
            )
        key = email.strip().lower()
        if mapping.get(key, user_id) != user_id:
            raise ConfigError(
                f"{where}: {email} is listed twice, with user ids {mapping[key]} and {user_id}."
            )
        mapping[key] = user_id
    return mapping


def _ledger_path(value: Any) -> Path:
    if value in (None, ""):
        return default_ledger_path()
    if not isinstance(value, str):
        raise ConfigError(f"ledger_path: expected a file path, got {value!r}.")
    return Path(value).expanduser()


def _concurrency(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CONCURRENCY_LIMIT:
        raise ConfigError(
            f"max_concurrency: expected an integer from 1 to {MAX_CONCURRENCY_LIMIT}, got {value!r}."
        )
    return value


def _boolean(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{name}: expected true or false, got {value!r}.")
    return value
