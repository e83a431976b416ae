"""The Airbyte config, parsed once into a frozen dataclass. Errors name the field and what is accepted."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from connector_shared.api_url import LOOPBACK_HINT, UnsafeApiUrl, parse_api_url
from connector_shared.config_error import ConfigError
from connector_shared.header_secret import secret_problem
from source_crisp.assumptions import MAX_CONCURRENCY_BY_TIER
from source_crisp.dates import DateValueError, resolve_variable, to_epoch_ms

DEFAULT_API_URL = "https://api.crisp.chat/v1"
TIERS = ("plugin", "website", "user")
PAGE_SIZE_MIN, PAGE_SIZE_MAX, PAGE_SIZE_DEFAULT = 20, 50, 50
# Every list walk stops with an error past this many pages (500,000 items at 50 a page): a server that never
# ends a list must not burn the token's daily quota. Raise it for a larger workspace.
MAX_PAGES_DEFAULT = 10_000
# Every profile's children (people_data, events, …) are read again within this many incremental syncs, changed
# or not (people_children.py): a month of daily syncs; about 1/30 of the profiles per sync.
PEOPLE_REFRESH_SYNCS_DEFAULT = 30
# Likewise every conversation's participants and routing (conversation_streams.py): no date of their own.
CONVERSATION_REFRESH_SYNCS_DEFAULT = 30
REFRESH_SYNCS_DEFAULTS = {
    "people_refresh_syncs": PEOPLE_REFRESH_SYNCS_DEFAULT,
    "conversation_refresh_syncs": CONVERSATION_REFRESH_SYNCS_DEFAULT,
}
MAX_CONCURRENCY_MAX = 32  # requests in flight; the default depends on the tier (assumptions.py)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class Comparison(Enum):
    NEWER_THAN = "newer_than"
    OLDER_THAN = "older_than"


class ReferenceKind(Enum):
    LAST_SUCCESSFUL_RUN = "last_successful_run"
    FIXED_DATE = "fixed_date"
    VARIABLE = "variable"


@dataclass(frozen=True)
class IncrementalSettings:
    comparison: Comparison = Comparison.NEWER_THAN
    reference: ReferenceKind = ReferenceKind.LAST_SUCCESSFUL_RUN
    # Epoch ms of a fixed date or variable; None for last_successful_run.
    reference_ms: int | None = None


@dataclass(frozen=True)
class CrispConfig:
    website_id: str
    identifier: str
    key: str = field(repr=False)
    tier: str = "plugin"
    api_url: str = DEFAULT_API_URL
    page_size: int = PAGE_SIZE_DEFAULT
    max_requests_per_minute: int | None = None
    max_requests_per_sync: int | None = None
    max_concurrency: int = MAX_CONCURRENCY_BY_TIER["plugin"]
    max_pages_per_list: int = MAX_PAGES_DEFAULT
    people_refresh_syncs: int = PEOPLE_REFRESH_SYNCS_DEFAULT
    conversation_refresh_syncs: int = CONVERSATION_REFRESH_SYNCS_DEFAULT
    incremental: IncrementalSettings = IncrementalSettings()

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> CrispConfig:
        tier = _tier(raw.get("tier", "plugin"))
        return cls(
            website_id=_website_id(raw.get("website_id")),
            # Basic auth joins identifier and key with ':', so an identifier with one would be misread.
            identifier=_credential(
                raw, "identifier", "the token identifier shown with your Crisp token", ":"
            ),
            key=_credential(raw, "key", "the token key shown with your Crisp token"),
            tier=tier,
            api_url=_api_url(raw.get("api_url") or DEFAULT_API_URL, raw.get("allow_insecure_http", False)),
            page_size=_page_size(raw.get("page_size", PAGE_SIZE_DEFAULT)),
            max_requests_per_minute=_positive_or_none(raw, "max_requests_per_minute"),
            max_requests_per_sync=_positive_or_none(raw, "max_requests_per_sync"),
            max_concurrency=_max_concurrency(raw.get("max_concurrency"), tier),
            max_pages_per_list=_max_pages(raw.get("max_pages_per_list", MAX_PAGES_DEFAULT)),
            people_refresh_syncs=_refresh_syncs(raw, "people_refresh_syncs", "profile", "data is"),
            conversation_refresh_syncs=_refresh_syncs(
                raw, "conversation_refresh_syncs", "conversation", "participants and routing are"
            ),
            incremental=_incremental(raw.get("incremental") or {}, environ),
        )


# The shape both connectors share, under the name the source's modules import from here.
config_error = ConfigError


def _required_text(raw: Mapping[str, Any], name: str, what: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise config_error(f"Config field '{name}' is required: {what}.")
    return value.strip()


def _credential(raw: Mapping[str, Any], name: str, what: str, forbidden: str = "") -> str:
    """A value for the Basic auth header: refused by name before any request, never quoted."""
    value = _required_text(raw, name, what)
    problem = secret_problem(value, forbidden=forbidden)
    if problem:
        raise config_error(
            f"Config field '{name}' must be {what}, {problem}. The value given is not shown, as it is secret."
        )
    return value


def _website_id(value: Any) -> str:
    if not isinstance(value, str) or not _UUID.match(value.strip()):
        raise config_error(
            "Config field 'website_id' must be the UUID of your Crisp workspace "
            "(Settings > Workspace settings > Setup instructions), e.g. 1e0a7f3c-6b2d-4b8e-a1d4-2c9f8e7b6a51."
        )
    return value.strip().lower()


def _tier(value: Any) -> str:
    if value not in TIERS:
        raise config_error(f"Config field 'tier' must be one of {', '.join(TIERS)}; got {value!r}.")
    return str(value)


def _api_url(value: Any, allow_insecure_http: Any) -> str:
    """https, or plain http to a loopback address (the local sandbox): the token travels in every request's
    Basic auth header, so plain http anywhere else hands it to whoever is on the path. The host checked is
    the host requests connects to (connector_shared/api_url.py)."""
    if not isinstance(allow_insecure_http, bool):
        raise config_error(
            f"Config field 'allow_insecure_http' must be true or false; got {allow_insecure_http!r}."
        )
    try:
        url = parse_api_url(value)
    except UnsafeApiUrl as problem:
        raise config_error(
            f"Config field 'api_url' is refused: {problem}. Crisp's is {DEFAULT_API_URL}."
        ) from None
    if url.sends_secret_in_clear and not allow_insecure_http:
        raise config_error(
            f"Config field 'api_url' uses plain http to {url.host}, which would send the token key "
            f"unencrypted: use https, or http only to a loopback address ({LOOPBACK_HINT}). To "
            "accept the risk (a sandbox on a Docker host, a test proxy), set 'allow_insecure_http' to true."
        )
    return url.url


def _max_pages(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise config_error(f"Config field 'max_pages_per_list' must be a positive integer; got {value!r}.")
    return value


def _refresh_syncs(raw: Mapping[str, Any], name: str, parent: str, what: str) -> int:
    """A rotating slice's period (rotating_slice.py): every parent read again within that many syncs."""
    value = raw.get(name, REFRESH_SYNCS_DEFAULTS[name])
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise config_error(
            f"Config field '{name}' must be a positive integer (every {parent}'s {what} read again within "
            f"that many incremental syncs; 1 reads every {parent} every sync); got {value!r}."
        )
    return value


def _page_size(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not PAGE_SIZE_MIN <= value <= PAGE_SIZE_MAX:
        raise config_error(
            f"Config field 'page_size' must be an integer from {PAGE_SIZE_MIN} to {PAGE_SIZE_MAX} "
            f"(Crisp's per_page bounds); got {value!r}."
        )
    return value


def _positive_or_none(raw: Mapping[str, Any], name: str) -> int | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise config_error(
            f"Config field '{name}' must be a positive integer, or empty for no limit; got {value!r}."
        )
    return value


def _max_concurrency(value: Any, tier: str) -> int:
    if value is None:
        return MAX_CONCURRENCY_BY_TIER[tier]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CONCURRENCY_MAX:
        raise config_error(
            f"Config field 'max_concurrency' must be an integer from 1 to {MAX_CONCURRENCY_MAX} (requests in "
            f"flight at once; empty: {MAX_CONCURRENCY_BY_TIER[tier]} for a {tier} token); got {value!r}."
        )
    return value


def _incremental(raw: Any, environ: Mapping[str, str] | None) -> IncrementalSettings:
    if not isinstance(raw, Mapping):
        raise config_error("Config field 'incremental' must be an object with 'comparison' and 'reference'.")
    comparisons = [c.value for c in Comparison]
    comparison = raw.get("comparison", Comparison.NEWER_THAN.value)
    if comparison not in comparisons:
        raise config_error(
            f"Config field 'incremental.comparison' must be one of {comparisons}; got {comparison!r}."
        )
    reference = raw.get("reference") or {"type": ReferenceKind.LAST_SUCCESSFUL_RUN.value}
    kinds = [k.value for k in ReferenceKind]
    kind = reference.get("type") if isinstance(reference, Mapping) else None
    if kind not in kinds:
        raise config_error(f"Config field 'incremental.reference.type' must be one of {kinds}; got {kind!r}.")
    try:
        if kind == ReferenceKind.FIXED_DATE.value:
            reference_ms = to_epoch_ms(reference.get("date"), "incremental.reference.date")
        elif kind == ReferenceKind.VARIABLE.value:
            name = "incremental.reference.value"
            reference_ms = to_epoch_ms(resolve_variable(reference.get("value", ""), name, environ), name)
        else:
            reference_ms = None
    except DateValueError as error:
        raise config_error(f"Config field {error}") from None
    return IncrementalSettings(Comparison(comparison), ReferenceKind(kind), reference_ms)
