"""The HTTP layer: prefix, faults, auth, rate limit, scope, then the route; every error in the envelope.

Order matters and is part of the contract: 401 before 429 before 404/403, and the scope check before the
body is read (so an empty POST proves a write scope without writing).
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from . import admin
from . import routes as _routes  # noqa: F401  (registers the API routes)
from .accounts import authenticate
from .assumptions import API_PREFIXES
from .errors import ApiError
from .faults import DROP
from .router import ApiRequest, find_route

if TYPE_CHECKING:
    from .sandbox import ConvotSandbox

log = logging.getLogger(__name__)
Answer = tuple[int, dict, dict[str, str]]


class RequestLog:
    """Requests per "METHOD /v1/route/{template}" and responses per status, for API-cost assertions."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.routes: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()

    def count(self, counter: Counter[str], key: str) -> None:
        with self._lock:
            counter[key] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {"requests": dict(self.routes), "statuses": dict(self.statuses)}

    def reset(self) -> None:
        with self._lock:
            self.routes.clear()
            self.statuses.clear()


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # idle keep-alive clients must not hold stop() hostage
    request_queue_size = 128  # the default 5 drops SYNs under a burst of new connections: 1 s client stalls

    def __init__(self, address: tuple[str, int], sandbox: ConvotSandbox) -> None:
        self.sandbox = sandbox
        self.requests = RequestLog()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

    def close_connections(self) -> None:
        """Cut kept-alive connections so clients reconnect to whatever serves next."""
        with self._connections_lock:
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self._connections.clear()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real API behind a load balancer
    server: SandboxServer

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes; without this, Nagle + delayed ACK add ~40 ms per request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.track(self.connection, open_=False)
        super().finish()

    def log_message(self, format: str, *args: object) -> None:
        log.debug("convot sandbox: " + format, *args)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        is_api = not url.path.startswith(admin.PREFIX)
        try:
            body = self._read_body()
            if is_api:
                answer = self._api(method, url.path, query, body)
            else:
                answer = admin.handle(self.server.sandbox, method, url.path, query, body)
        except ApiError as error:
            answer = (error.status, error.envelope(), error.headers)
        except Exception:
            log.exception("convot sandbox: %s %s failed", method, url.path)
            answer = (500, ApiError(500, "Internal sandbox error; see the sandbox log").envelope(), {})
        if is_api:
            outcome = "dropped" if answer == DROP else str(answer[0])
            self.server.requests.count(self.server.requests.statuses, outcome)
        if answer == DROP:
            self.close_connection = True
            return
        self._send(*answer)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = self.headers.get("Content-Length") or "0"
        if not length.isdigit():
            self.close_connection = True  # the stream position is unknown: this connection is done
            raise ApiError(400, f"Invalid Content-Length {length[:20]!r}")
        return self.rfile.read(int(length))

    def _read_chunked(self) -> bytes:
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline().strip():  # optional trailers, up to the blank line
            pass
        return b"".join(chunks)

    def _api(self, method: str, path: str, query: dict[str, str], body: bytes) -> Answer | str:
        prefix = next((p for p in API_PREFIXES if path == p or path.startswith(f"{p}/")), None)
        relative = path[len(prefix) :] if prefix else path
        guesses = self.server.sandbox.guesses
        found = find_route(method, relative) if prefix else None
        if found and guesses.hides(found[0].template, method, prefix):
            found = None  # this Convot has no such route
        route_key = f"{method} /v1{found[0].template}" if found else f"{method} (no route)"
        self.server.requests.count(self.server.requests.routes, route_key)
        plan = self.server.sandbox.fault_plan
        plan.delay()
        fault = plan.before_auth(method, f"/v1{relative}")
        if fault == DROP:
            return DROP
        if fault:
            raise fault
        store = self.server.sandbox.store
        caller = authenticate(store, self.headers.get("Authorization"))
        limited = plan.rate_limit(caller.app_id)
        if limited:
            raise limited
        if not found:
            raise ApiError(404, f"No API route {method} {path}; the API lives under /v1")
        route, params = found
        caller.require(guesses.scope_of(route.template, method, route.scope))
        request = ApiRequest(store, caller, params, query, body, guesses)
        too_large = plan.too_large(method, body)
        if too_large:
            raise too_large
        rejected = plan.reject_content(method, request.body()) if method in ("POST", "PATCH") else None
        if rejected:
            raise rejected
        conflict = plan.conflict(store, caller.app_id, method, relative, request.body()) if body else None
        if conflict:
            raise conflict
        with store.transaction():  # a request is all or nothing
            status, payload = route.handler(request)
        if plan.lose_response(method, status):
            return DROP
        return (200, {}, {}) if plan.empty_success(method, f"/v1{relative}") else (status, payload, {})

    def _send(self, status: int, payload: dict, headers: dict[str, str]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
