"""Route-decorator registry and the request object every route function receives."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from . import assumptions as A
from .accounts import Caller
from .errors import ApiError, bad_request, invalid
from .guesses import ConvotGuesses
from .store import Store

Reply = tuple[int, dict]


def _integer(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


@dataclass
class ApiRequest:
    store: Store
    caller: Caller
    params: dict[str, str]
    query: dict[str, str]
    raw_body: bytes = b""
    guesses: ConvotGuesses = field(default_factory=ConvotGuesses)
    _body: dict | None = field(default=None, repr=False)

    def body(self) -> dict:
        """The JSON object sent; parsed only when a route asks, i.e. after the scope check."""
        if self._body is None:
            text = self.raw_body.decode("utf-8", "replace").strip()
            try:
                parsed = json.loads(text) if text else {}
            except json.JSONDecodeError as error:
                raise bad_request(f"Malformed JSON body: {error.msg} at position {error.pos}") from None
            if not isinstance(parsed, dict):
                raise bad_request("The JSON body must be an object")
            self._body = parsed
        return self._body

    def paging(self) -> tuple[int, int]:
        page = _integer(self.query.get("page", "1") if self.guesses.page_param else "1")
        if page is None or page < 1:
            raise bad_request("page must be an integer of 1 or more")
        per_page = _integer(self.query.get("per_page", str(A.DEFAULT_PER_PAGE)))
        largest = self.guesses.max_per_page
        if per_page is None or not 1 <= per_page <= largest:
            raise invalid([f"Per page must be an integer between 1 and {largest}"])
        return page, per_page

    def filters(self, names: tuple[str, ...], integers: tuple[str, ...] = ()) -> dict:
        chosen = self.guesses.filters({name: self.query[name] for name in names if name in self.query})
        for name in integers:
            if name in chosen:
                if not chosen[name].isdigit():
                    raise bad_request(f"{name} must be an integer")
                chosen[name] = int(chosen[name])
        return chosen

    def id_param(self, name: str = "id") -> int:
        value = self.params[name]
        if not value.isdigit():
            raise ApiError(404, "Not found")
        return int(value)


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # "/conversations/{uuid}/messages"
    scope: str
    handler: Callable[[ApiRequest], Reply]

    def match(self, method: str, path: str) -> dict[str, str] | None:
        wanted, given = self.template.strip("/").split("/"), path.strip("/").split("/")
        if method != self.method or len(wanted) != len(given):
            return None
        params = {}
        for part, value in zip(wanted, given, strict=True):
            if part.startswith("{"):
                params[part.strip("{}")] = value
            elif part != value:
                return None
        return params


ROUTES: list[Route] = []


def route(method: str, template: str, scope: str) -> Callable:
    def register(handler: Callable[[ApiRequest], Reply]) -> Callable[[ApiRequest], Reply]:
        ROUTES.append(Route(method, template, scope, handler))
        return handler

    return register


def find_route(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in ROUTES:
        params = candidate.match(method, path)
        if params is not None:
            return candidate, params
    return None


def listing(request: ApiRequest, key: str, fetch: Callable[[int, int], tuple[list, bool]]) -> Reply:
    """A documented list response: `{key: [...], "meta": {page, per_page, has_more}}`."""
    page, per_page = request.paging()
    rows, has_more = fetch(page, per_page)
    return 200, {key: rows, "meta": {"page": page, "per_page": per_page, "has_more": has_more}}
