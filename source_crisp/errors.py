"""The HTTP error policy, as one data table over the CDK's defaults.

Keys are `(status, reason)` with `reason=None` as the fallback for a status. Crisp overloads 403 and 404,
so its `reason` string picks the row. Child reads (a conversation's messages, a profile's data, an
article's details) use CHILD_POLICY first: the parent listed the object, so a 404 means it was deleted
meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers.default_error_mapping import DEFAULT_ERROR_MAPPING
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp.assumptions import RATE_LIMIT_STATUSES

PolicyKey = tuple[int, str | None]

_FAIL, _RETRY, _LIMIT, _IGNORE = (
    ResponseAction.FAIL,
    ResponseAction.RETRY,
    ResponseAction.RATE_LIMITED,
    ResponseAction.IGNORE,
)
_CONFIG, _TRANSIENT, _SYSTEM = FailureType.config_error, FailureType.transient_error, FailureType.system_error


def _row(action: ResponseAction, failure: FailureType, message: str) -> ErrorResolution:
    return ErrorResolution(response_action=action, failure_type=failure, error_message=message)


_CDK_DEFAULTS: dict[PolicyKey, ErrorResolution] = {
    (status, None): resolution
    for status, resolution in DEFAULT_ERROR_MAPPING.items()
    if isinstance(status, int)
}

_CRISP_ROWS: dict[PolicyKey, ErrorResolution] = {
    (400, None): _row(_FAIL, _SYSTEM, "Crisp rejected the request as invalid (400) for {route}: {detail}."),
    (401, None): _row(
        _FAIL,
        _CONFIG,
        "Crisp rejected the token (401 unauthorized): check 'identifier' and 'key', and that 'tier' is the "
        "tier the token was issued for.",
    ),
    (402, None): _row(
        _FAIL, _CONFIG, "The Crisp workspace's plan lacks this feature (402 {reason}): upgrade the plan."
    ),
    (403, None): _row(
        _FAIL, _CONFIG, "Crisp refused access (403 {reason}): check the token's permissions on this website."
    ),
    (403, "not_allowed"): _row(
        _FAIL,
        _CONFIG,
        "The token lacks a scope for this route (403 not_allowed on {route}): request the read scopes "
        "website:conversation:sessions, website:conversation:messages, website:people:profiles, "
        "website:people:data, website:visitors, website:operators and the helpdesk scope for your plugin.",
    ),
    (403, "restricted_route_tier"): _row(
        _FAIL,
        _CONFIG,
        "The token's tier may not use this route (403 restricted_route_tier on {route}): set 'tier' to the "
        "kind of token you have (plugin, website or user), or use a plugin or website token.",
    ),
    (404, "website_not_found"): _row(
        _FAIL,
        _CONFIG,
        "Crisp has no website with this 'website_id' (404 website_not_found): copy the UUID "
        "from Crisp > Settings > Workspace settings.",
    ),
    (404, "not_subscribed"): _row(
        _FAIL,
        _CONFIG,
        "The plugin is not installed on this website (404 not_subscribed): install it on "
        "the workspace with your plugin's install link, then retry.",
    ),
    (404, None): _row(_FAIL, _SYSTEM, "Crisp answered 404 {reason} for {route}."),
    (423, None): _row(_FAIL, _CONFIG, "Crisp locked the account (423 {reason}): sign in to Crisp to fix it."),
    (423, "quota_limit_exceeded"): _row(
        _LIMIT, _TRANSIENT, "The token's daily Crisp quota is used up (423 quota_limit_exceeded)."
    ),
    **{
        (status, None): _row(_LIMIT, _TRANSIENT, f"Crisp rate limit ({status}).")
        for status in RATE_LIMIT_STATUSES
    },
}

ERROR_POLICY: Mapping[PolicyKey, ErrorResolution] = _CDK_DEFAULTS | _CRISP_ROWS

CHILD_POLICY: Mapping[PolicyKey, ErrorResolution] = {
    (404, None): _row(
        _IGNORE,
        _SYSTEM,
        "{route} no longer exists (404 {reason}): skipped, probably deleted since it was listed.",
    ),
}

# Features a website may simply not have set up (the help center): their list answering 404 means "none".
OPTIONAL_FEATURE_POLICY: Mapping[PolicyKey, ErrorResolution] = {
    (404, None): _row(
        _IGNORE,
        _SYSTEM,
        "{route} answered 404 {reason}: the website has not set this up; the stream is empty.",
    ),
}

_SERVER_ERROR = _row(_RETRY, _TRANSIENT, "Crisp server error ({status}).")
_UNKNOWN = _row(_FAIL, _SYSTEM, "Unexpected answer from Crisp ({status} {reason}) for {route}.")
_FLAGGED = _row(
    _RETRY,
    _TRANSIENT,
    "Crisp answered {status} but its envelope says error ({reason}) for {route}: nothing was read from it.",
)
# The client's session never follows a redirect (connector_shared/sessions.py): the host the config checked
# is the only host the token and the requests go to. A 30x means api_url is not the API's address.
_REDIRECT = _row(
    _FAIL,
    _CONFIG,
    "Crisp answered a redirect ({status}) to {detail} for {route}: it is not followed, so the token goes "
    "only to the host of 'api_url'. Set 'api_url' to the API's address (Crisp's: https://api.crisp.chat/v1).",
)
# Network failures and bodies that are not the JSON envelope: retried, bounded.
TRANSPORT_ERROR = _row(_RETRY, _TRANSIENT, "Could not reach Crisp or read its answer ({detail}).")


def resolve(
    status: int, reason: str | None, *, child: bool = False, optional: bool = False
) -> ErrorResolution:
    """The row for this answer. An exact (status, reason) row wins over any (status, None) fallback; at each
    step the scoped tables (child reads, optional features) come before the general policy."""
    scoped = ((CHILD_POLICY,) if child else ()) + ((OPTIONAL_FEATURE_POLICY,) if optional else ())
    for key in ((status, reason), (status, None)):
        for table in (*scoped, ERROR_POLICY):
            if key in table:
                return table[key]
    if 300 <= status < 400:
        return _REDIRECT
    return _SERVER_ERROR if status >= 500 else _UNKNOWN


def resolve_flagged(reason: str | None, *, child: bool = False, optional: bool = False) -> ErrorResolution:
    """The row for a 2xx answer whose envelope says `"error": true`: the flag wins over the status, so the
    reason picks the row it has under its real status (a 200 `website_not_found` is the 404 row). An unknown
    reason is retried, bounded, then fails: never read as an empty page."""
    statuses = [status for status, row_reason in ERROR_POLICY if reason is not None and row_reason == reason]
    return resolve(statuses[0], reason, child=child, optional=optional) if statuses else _FLAGGED


def describe(resolution: ErrorResolution, **facts: object) -> str:
    """Fill the message template; unknown facts stay readable."""
    values = {"status": "", "reason": "", "route": "this route", "detail": "", **facts}
    return (resolution.error_message or "").format(**values)


# Reasons that deny one route to this token while others may answer (a scope the plugin did not ask for, a
# route its tier may not use): discover leaves the stream out, check lists it, read fails that stream only.
# `not_subscribed` (plugin not installed), `website_not_found` and 401 deny everything: they stay fatal.
ROUTE_DENIAL_REASONS = frozenset({"not_allowed", "restricted_route_tier", "website_member_role_not_allowed"})
# A feature the workspace's plan lacks (402) denies its routes the same way, whatever the token.
ROUTE_DENIAL_STATUSES = frozenset({402})


class AccessDenied(AirbyteTracedException):
    """Crisp refused this token one route (ROUTE_DENIAL_REASONS); `route` and `reason` say which and why."""

    def __init__(self, message: str, route: str, reason: str, status: int) -> None:
        super().__init__(message=message, internal_message=message, failure_type=FailureType.config_error)
        self.route, self.reason, self.status = route, reason, status

    @property
    def by_plan(self) -> bool:
        """The workspace's plan lacks the feature: no scope would add it."""
        return self.status in ROUTE_DENIAL_STATUSES
