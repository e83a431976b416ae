"""A loopback HTTP listener that records who connected: for the tests of which hosts an api_url may reach."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

DENIED = b'{"error":true,"reason":"invalid_session","data":{}}'


@dataclass
class Listener:
    """A loopback HTTP listener that records who connected and answers with `reply(port)`."""

    family: socket.AddressFamily = socket.AF_INET
    reply: Callable[[], bytes] = lambda: _answer(401, DENIED)
    seen: list[tuple[str, bool]] = field(default_factory=list)  # (request line, carried Authorization)
    port: int = 0


def _answer(status: int, body: bytes = b"", headers: str = "") -> bytes:
    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + headers + "Connection: close\r\n\r\n").encode() + body


@contextmanager
def listening(listener: Listener) -> Iterator[Listener]:
    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            lines = []
            while (line := self.rfile.readline(65536)) not in (b"\r\n", b"\n", b""):
                lines.append(line.decode("latin-1").strip())
            has_auth = any(line.lower().startswith("authorization:") for line in lines[1:])
            listener.seen.append((lines[0] if lines else "", has_auth))
            self.wfile.write(listener.reply())

    class Server(socketserver.ThreadingTCPServer):
        address_family = listener.family
        daemon_threads = True

    host = "::1" if listener.family == socket.AF_INET6 else "127.0.0.1"
    try:
        server = Server((host, 0), Handler)
    except OSError as error:  # a machine without IPv6 loopback
        pytest.skip(f"cannot listen on {host}: {error}")
    listener.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    try:
        yield listener
    finally:
        server.shutdown()
        server.server_close()
