"""A tiny misbehaving HTTP server on 127.0.0.1 for tests: each connection is handed to a `serve` function
that writes whatever bytes it likes (slowly, wrongly, never)."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Serve = Callable[[socket.socket], None]


@contextmanager
def hostile_server(serve: Serve) -> Iterator[str]:
    """Yields the base URL (`http://127.0.0.1:<port>/v1`) while `serve` answers every connection."""

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.recv(65536)  # the request; its content does not matter here
            with contextlib.suppress(OSError):  # the client gave up: that is what these tests want
                serve(self.request)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
