"""Convot API failures as exceptions that say what the user should do.

`error_for` turns a non-2xx response (with Convot's `{"error": {code, message, details}}` envelope) into one
of these. Auth problems are config errors (fix the key); rejections (400/404/409/413/422) concern one record
and the sync goes on (a 409 is first resolved by finding the existing object, a 413 by a shorter message);
`ConvotUnavailable` means Convot kept failing after bounded retries and the sync must stop.
"""

from __future__ import annotations

from typing import Any

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from connector_shared.config_error import ConfigError

REQUIRED_SCOPES = (
    "contacts:read",
    "contacts:write",
    "conversations:read",
    "conversations:write",
    "messages:read",
    "messages:write",
    "helpdesk:read",
    "helpdesk:write",
)

NEW_KEY_ADVICE = (
    "Scopes of a Convot key cannot be edited: create a new key (App Settings → API Keys → New key) "
    "with the scopes " + ", ".join(REQUIRED_SCOPES) + " and put it in api_token."
)

ADVICE = {
    401: "Convot rejected the API token (401 unauthorized): check api_token; the key may be mistyped or "
    "revoked. Create a key in App Settings → API Keys.",
    403: "The Convot API key lacks a scope this destination needs. " + NEW_KEY_ADVICE,
}


class ConvotApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list[str], request: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.request = request
        super().__init__(f"{request} -> {status} {code}: {self.reason}")

    @property
    def reason(self) -> str:
        return "; ".join([self.message, *self.details]) if self.details else self.message


class ConvotAuthError(ConvotApiError):
    """401 or 403: the key is wrong or lacks a scope. Stops the sync as a config error."""

    def as_config_error(self) -> AirbyteTracedException:
        advice = ADVICE[self.status]
        message = f"{advice} (Convot said: {self.message} on {self.request})"
        return ConfigError(message)


class ConvotRejected(ConvotApiError):
    """400/404/422: Convot refused this one object. Counted and logged with the reason; the sync goes on."""


class ConvotConflict(ConvotRejected):
    """409 (undocumented): Convot already holds the object a create names (its external id). Never sent
    again: the writer finds the existing object and adopts it; a conflict it cannot resolve is a rejection."""


class ConvotTooLarge(ConvotRejected):
    """413 (undocumented): the request body is larger than Convot accepts. Never retried as is: a message is
    sent once more with its content cut (api.py, with a warning); anything else is a rejection."""


# What Convot said, when its answer had no error envelope (a proxy's 413 page, an undocumented 409).
DEFAULT_MESSAGES = {
    409: "conflicts with an object Convot already holds",
    413: "the request is larger than Convot accepts",
}


class ConvotUnavailable(Exception):
    """Convot kept failing (5xx, dropped connections, endless rate limiting) after bounded retries."""

    def __init__(self, request: str, last_problem: str, attempts: int) -> None:
        self.request = request
        message = (
            f"Convot kept failing on {request} ({last_problem}) after {attempts} attempts. Nothing after the "
            "last emitted state is assumed written; re-run the sync to resume (already imported objects are "
            "not duplicated)."
        )
        super().__init__(message)

    def as_traced(self) -> AirbyteTracedException:
        return AirbyteTracedException(
            message=str(self), internal_message=str(self), failure_type=FailureType.transient_error
        )


def error_for(status: int, body: Any, request: str) -> ConvotApiError:
    envelope = body.get("error") if isinstance(body, dict) else None
    envelope = envelope if isinstance(envelope, dict) else {}
    code = str(envelope.get("code") or f"http_{status}")
    message = str(envelope.get("message") or DEFAULT_MESSAGES.get(status, "no error message"))
    details = envelope.get("details")
    details = [str(detail) for detail in details] if isinstance(details, list) else []
    kinds = {401: ConvotAuthError, 403: ConvotAuthError, 409: ConvotConflict, 413: ConvotTooLarge}
    return kinds.get(status, ConvotRejected)(status, code, message, details, request)


class AssumptionFailed(Exception):
    """A guess of `assumptions.py` proved wrong where no safe fallback exists: the sync stops, naming it."""

    def __init__(self, assumption: str, problem: str, advice: str) -> None:
        self.assumption = assumption
        super().__init__(
            f"{problem} (assumption {assumption} in destination_convot/assumptions.py). {advice} "
            "Nothing after the last emitted state is assumed written; objects already imported are not "
            "duplicated."
        )

    def as_traced(self) -> AirbyteTracedException:
        return AirbyteTracedException(
            message=str(self), internal_message=str(self), failure_type=FailureType.system_error
        )


class StreamUnwritable(Exception):
    """A whole stream cannot be written (its Convot route does not exist): the other streams go on."""

    def __init__(self, stream: str, request: str, assumption: str, status: int) -> None:
        self.stream = stream
        super().__init__(
            f"The {stream} could not be written: Convot answered {status} on {request}, so the path "
            f"guessed in destination_convot/assumptions.py ({assumption}) does not exist in this Convot API."
        )


# Scopes without which nothing is imported; the help center's are optional (partial access is normal: the
# rest is imported, and what is skipped is named with the scope that would allow it).
CORE_SCOPES = tuple(scope for scope in REQUIRED_SCOPES if not scope.startswith("helpdesk:"))
HELP_CENTER_STREAMS = "helpdesk_locales, helpdesk_categories, helpdesk_sections, helpdesk_articles"


class ScopeMissing(StreamUnwritable):
    """A whole stream cannot be written because the key lacks its scope (403): the other streams go on."""

    def __init__(self, stream: str, streams: str, scope: str, error: ConvotApiError) -> None:
        self.stream = stream
        Exception.__init__(
            self,
            f"The {stream} could not be written: the Convot API key lacks {scope} (Convot answered 403 on "
            f"{error.request}: {error.message}). To import it, create a key with that scope too (App "
            f"Settings → API Keys → New key) and put it in api_token; or deselect {streams}.",
        )


def unwritable_streams_error(problems: list[StreamUnwritable]) -> AirbyteTracedException:
    """The one error a run ends with when some streams could not be written and the others were."""
    fix = (
        "once the key has the scope"
        if all(isinstance(problem, ScopeMissing) for problem in problems)
        else "once the path is right (ask Convot for the route, or deselect the stream)"
    )
    message = (
        " ".join(str(problem) for problem in problems)
        + " Every other stream was written and its state saved; the records of the failed stream wait in the "
        f"ledger and are written by the next sync {fix}."
    )
    return AirbyteTracedException(
        message=message, internal_message=message, failure_type=FailureType.system_error
    )


class ConvotRedirected(ConvotUnavailable):
    """api_url answered a 30x. The session does not follow it (connector_shared/sessions.py): the token and
    the records go only to the host the config checked. Re-running does not help; fixing api_url does."""

    def __init__(self, request: str, status: int, target: str) -> None:
        Exception.__init__(
            self,
            f"{request} was answered with a redirect ({status}) to {target}: it is not followed, so the "
            "API token and the records go only to the host of api_url. Set api_url to the address of "
            "Convot's API (https://app.convot.io/v1 unless Convot told you otherwise).",
        )
        self.request = request

    def as_traced(self) -> AirbyteTracedException:
        return ConfigError(str(self))
