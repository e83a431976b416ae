"""HTTP layer: envelope, authentication, tiers, faults, request accounting and the /_sandbox admin routes.

Each response is written with a single socket write (status line, headers and body together), which avoids
Nagle/delayed-ACK stalls on keep-alive connections and keeps per-request cost low for the benchmarks.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit

from . import assumptions, hostile_values
from .faults import FaultInjector, Faults
from .ordering import ListBehaviour
from .protocol import ApiError, Call, Reply
from .routes import router
from .tokens import TIERS, TOKENS_BY_IDENTIFIER, Token

if TYPE_CHECKING:
    from .dataset import Workspace

ROUTE_NAMES = tuple(router.names())
# The scope each route checks (None: any token installed on the website), from the routes' `scope=`.
ROUTE_SCOPES = {route.name: route.scope for route in router.routes}
UNKNOWN_ROUTE = "unknown_route"


@dataclass
class SandboxState:
    """Everything a request handler reads or changes; one per server instance."""

    workspace: Workspace
    date_filter_field: str = assumptions.DATE_FILTER_FIELD_DEFAULT
    injector: FaultInjector = field(default_factory=FaultInjector)
    route_tiers: dict[str, frozenset[str]] = field(default_factory=dict)  # route name -> allowed tiers
    plugin_scopes: frozenset[str] | None = None  # switch: the scopes of the "plugin" token (None: all)
    plan_lacks: frozenset[str] = frozenset()  # switch: routes the workspace's plan lacks (402)
    helpdesk_mode: str = assumptions.HELPDESK_MODE_DEFAULT  # which helpdesk routes answer
    article_list_content: bool = assumptions.ARTICLE_LIST_HAS_CONTENT
    statistic_actions: tuple[str, ...] = assumptions.CAMPAIGN_STATISTIC_ACTIONS  # the actions Crisp knows
    lists: ListBehaviour = field(default_factory=ListBehaviour)  # order and page-size switches
    counts: Counter = field(default_factory=Counter)
    calls: Counter = field(default_factory=Counter)  # "path?query" (query sorted) -> times requested
    in_flight: int = 0  # API requests being answered right now
    peak_in_flight: int = 0  # the most at once since the last reset: shows a client's concurrency
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, name: str, call: str | None = None) -> None:
        with self.lock:
            self.counts[name] += 1
            if call is not None:
                self.calls[call] += 1

    def repeated_calls(self) -> dict[str, int]:
        with self.lock:
            return {call: n for call, n in self.calls.items() if n > 1}

    def arrived(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def answered(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def snapshot(self) -> dict[str, int]:
        with self.lock:
            return dict(self.counts)

    def reset_counts(self) -> None:
        with self.lock:
            self.counts.clear()
            self.calls.clear()
            self.peak_in_flight = self.in_flight


def _authenticate(header: str | None, tier_header: str | None) -> Token:
    """The token behind the Basic credentials, sent under its own tier (reference §1.3)."""
    unauthorized = ApiError(401, "unauthorized")
    if not header or not header.startswith("Basic "):
        raise unauthorized
    try:
        identifier, _, key = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise unauthorized from None
    token = TOKENS_BY_IDENTIFIER.get(identifier)
    if token is None or not hmac.compare_digest(token.key.encode(), key.encode()):
        raise unauthorized
    tier = tier_header or assumptions.MISSING_TIER_HEADER_MEANS
    if tier != token.tier:
        raise ApiError(assumptions.WRONG_TIER_STATUS, assumptions.WRONG_TIER_REASON)
    return token


class CrispHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: benchmarks read 100k+ pages over a few connections
    server: CrispHTTPServer

    def setup(self) -> None:
        super().setup()
        # Nagle + delayed ACK cost ~8 ms per keep-alive request here (measured 15.4 -> 7.6 ms with this off).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        return

    def _send(self, status: int, body: bytes, extra: tuple[tuple[str, str], ...] = ()) -> None:
        phrase = "Enhance Your Calm" if status == 420 else HTTPStatus(status).phrase
        head = [
            f"HTTP/1.1 {status} {phrase}",
            "Content-Type: application/json; charset=utf-8",
            f"Content-Length: {len(body)}",
            "Bloom-Status: MISS",
        ]
        head += [f"{name}: {value}" for name, value in extra]
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)

    def _reply(self, reply: Reply, extra: tuple[tuple[str, str], ...] = ()) -> None:
        self._send(reply.status, reply.body(), extra)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path.startswith("/_sandbox/"):
            self._admin(parts.path, None)
        else:
            self._api(parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)))

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if parts.path.startswith("/_sandbox/"):
            self._admin(parts.path, raw)
        else:
            self._api(parts.path, {})

    do_PUT = do_PATCH = do_DELETE = do_POST

    def _api(self, path: str, query: dict[str, str]) -> None:
        self.server.state.arrived()
        try:
            self._answer(path, query)
        finally:
            self.server.state.answered()

    def _answer(self, path: str, query: dict[str, str]) -> None:
        state = self.server.state
        matched = router.match(path[3:]) if path.startswith("/v1/") and self.command == "GET" else None
        call = path + "?" + urlencode(sorted(query.items()))
        state.count(matched[0].name if matched else UNKNOWN_ROUTE, call)
        verdict = state.injector.decide()
        if verdict.drop:
            self.close_connection = True  # the socket closes with no response at all
            return
        if verdict.status is not None:
            error = ApiError(verdict.status, verdict.reason).reply()
            if verdict.dressed_as_200:
                error = Reply(200, error.reason, error.data, error=True)
            self._reply(error, verdict.headers)
            return
        try:
            if matched is None:
                raise ApiError(404, "not_found", "the route does not exist")
            route, params = matched
            cycle = state.injector.faults.page_cycle
            if cycle and "page" in params:
                params = params | {"page": str((Call(state, params, query).page() - 1) % cycle + 1)}
            self._authorize(route.name, route.scope, params)
            missing = state.injector.missing_child(route.name, params)
            if missing is not None:
                raise ApiError(missing.status or 404, missing.reason, "injected: the parent still exists")
            reply = route.handler(Call(state, params, query))
        except ApiError as error:
            self._reply(error.reply())
            return
        body = reply.body()
        if state.injector.faults.hostile_values:
            body = hostile_values.plant(route.name, body)
        if verdict.malformed:
            body = body[: max(len(body) // 2, 1)]
        if route.name == "conversations" and state.injector.faults.drift_per_page:
            # The page is already rendered; changing the data before sending it means the client's next
            # request always sees the change (no race with this thread on a fresh connection).
            state.workspace.store.touch(state.injector.faults.drift_per_page)
        self._send(reply.status, body)

    def _authorize(self, route_name: str, scope: str | None, params: dict[str, str]) -> None:
        state = self.server.state
        token = _authenticate(self.headers.get("Authorization"), self.headers.get("X-Crisp-Tier"))
        if token.tier not in state.route_tiers.get(route_name, TIERS):
            raise ApiError(assumptions.RESTRICTED_TIER_STATUS, "restricted_route_tier")
        if params.get("website_id") != state.workspace.website_id:
            raise ApiError(404, "website_not_found")
        if not token.installed:
            raise ApiError(404, "not_subscribed")
        scopes = token.scopes
        if token.name == "plugin" and state.plugin_scopes is not None:
            scopes = state.plugin_scopes
        if scope and scope not in scopes:
            raise ApiError(403, "not_allowed")
        if route_name in state.plan_lacks:  # reference §1.4: 402 subscription_upgrade_required
            raise ApiError(402, "subscription_upgrade_required")

    def _admin(self, path: str, raw: bytes | None) -> None:
        """Out-of-process controls (CLI users, benchmarks); not part of the Crisp API, never counted."""
        state = self.server.state
        try:
            body = json.loads(raw) if raw else {}
            if path == "/_sandbox/requests" and raw is None:
                counts = state.snapshot()
                repeated = state.repeated_calls()
                data = {"counts": counts, "total": sum(counts.values()),
                        "repeated": sum(repeated.values()) - len(repeated),
                        "peak_in_flight": state.peak_in_flight}  # fmt: skip
            elif path == "/_sandbox/reset" and raw is not None:
                state.reset_counts()
                data = {}
            elif path == "/_sandbox/faults" and raw is not None:
                state.injector.configure(Faults.from_mapping(body))
                data = {}
            elif path == "/_sandbox/touch" and raw is not None:
                touched = state.workspace.store.touch(
                    int(body.get("count", 1)), int(body.get("new_messages", 1))
                )
                data = {"session_ids": [state.workspace.store.session_id(i) for i in touched]}
            elif path == "/_sandbox/touch_profiles" and raw is not None:
                people = state.workspace.people
                changed = people.touch(int(body.get("count", 1)), bool(body.get("data", True)))
                data = {"people_ids": [people.people_id(i) for i in changed]}
            else:
                raise ApiError(404, "not_found", "the route does not exist")
        except (ValueError, TypeError) as error:
            self._reply(ApiError(400, "invalid_data", str(error)).reply())
            return
        except ApiError as error:
            self._reply(error.reply())
            return
        self._reply(Reply(200, "resolved", data))


class CrispHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops SYNs under a burst of new connections: 1 s client stalls

    def __init__(self, port: int, state: SandboxState) -> None:
        self.state = state
        super().__init__(("127.0.0.1", port), CrispHandler)
