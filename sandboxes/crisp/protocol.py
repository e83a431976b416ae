"""The wire protocol shared by routes and server: envelope, errors, route registry and query parsing."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


class ApiError(Exception):
    def __init__(self, status: int, reason: str, message: str | None = None) -> None:
        super().__init__(f"{status} {reason}: {message or ''}")
        self.status, self.reason, self.message = status, reason, message

    def reply(self) -> Reply:
        return Reply(self.status, self.reason, {"message": self.message} if self.message else {}, error=True)


@dataclass(frozen=True)
class Reply:
    status: int
    reason: str
    data: Any
    error: bool = False

    def body(self) -> bytes:
        return json.dumps(
            {"error": self.error, "reason": self.reason, "data": self.data},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()


def resolved(data: Any) -> Reply:
    return Reply(200, "resolved", data)


def listed_page(
    items: Sequence[Any], page: int, size: int, build: Callable[[Any], dict] | None = None
) -> Reply:
    """One page of a paginated list: 206 while the page has items, 200 with [] past the end (reference §3)."""
    chunk = items[(page - 1) * size : page * size]
    data = [build(item) for item in chunk] if build else list(chunk)
    return Reply(206 if data else 200, "listed", data)


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} does not exist")


@dataclass
class Call:
    """One routed request, as a route function sees it."""

    sandbox: Any  # server.SandboxState
    path: dict[str, str]
    query: dict[str, str]

    def text(self, name: str, default: str = "") -> str:
        return self.query.get(name, default)

    def integer(self, name: str, default: int | None = None) -> int | None:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise ApiError(400, "invalid_data", f"data.{name} should be integer") from None

    def flag(self, name: str) -> bool:
        raw = self.query.get(name, "0")
        if raw not in ("0", "1", "true", "false"):
            raise ApiError(400, "invalid_data", f"data.{name} should be 0 or 1")
        return raw in ("1", "true")

    def date_ms(self, name: str) -> int | None:
        raw = self.query.get(name)
        if not raw:
            return None
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise ApiError(400, "invalid_data", f'data.{name} should match format "date-time"') from None
        if moment.tzinfo is None:  # assumption: naive ISO dates are UTC
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp() * 1000)

    def page(self) -> int:
        raw = self.path.get("page") or "1"
        if not raw.isdigit() or int(raw) < 1:
            raise ApiError(400, "invalid_data", "page_number should be an integer >= 1")
        return int(raw)

    def per_page(self, route: str) -> int:
        """The page size `route` serves for the `per_page` asked (ordering.ListBehaviour.served_per_page)."""
        return self.sandbox.lists.served_per_page(route, self.integer("per_page"))


@dataclass(frozen=True)
class Route:
    name: str
    pattern: re.Pattern[str]
    handler: Callable[[Call], Reply]
    scope: str | None = None


@dataclass
class Router:
    routes: list[Route] = field(default_factory=list)

    def route(self, name: str, template: str, scope: str | None = None) -> Callable:
        """Register a GET handler (under /v1) for a template like /website/{website_id}/things[/{page}];
        `{name:path}` matches one or more segments."""
        regex = template.replace("[/{page}]", "(?:/(?P<page>[^/]+))?")
        regex = re.sub(r"\{(\w+):path\}", r"(?P<\1>.+?)", regex)  # a tree path spans segments
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
        pattern = re.compile(f"^{regex}/?$")

        def register(handler: Callable[[Call], Reply]) -> Callable[[Call], Reply]:
            self.routes.append(Route(name, pattern, handler, scope))
            return handler

        return register

    def match(self, path: str) -> tuple[Route, dict[str, str]] | None:
        for candidate in self.routes:
            found = candidate.pattern.match(path)
            if found:
                return candidate, {k: v for k, v in found.groupdict().items() if v is not None}
        return None

    def names(self) -> list[str]:
        return [r.name for r in self.routes]
