"""The documented error envelope `{"error": {"code", "message", "details"}}` as one exception type."""

from __future__ import annotations

from dataclasses import dataclass, field

# Documented codes (api-errors) plus the two the sandbox adds for server-side failures.
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",  # not documented: the sandbox's answer when a fault switch asks for it
    413: "payload_too_large",  # idem
    422: "unprocessable_entity",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


@dataclass
class ApiError(Exception):
    status: int
    message: str
    details: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return CODES.get(self.status, "error")

    def envelope(self) -> dict:
        error: dict = {"code": self.code, "message": self.message}
        if self.details:  # documented: details appear only on validation errors
            error["details"] = list(self.details)
        return {"error": error}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


def invalid(details: list[str]) -> ApiError:
    return ApiError(422, "Validation failed", details)
