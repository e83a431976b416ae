"""The environment's proxy settings apply to every request, as requests applies them (the client reads them
once per session, not per request)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from source_crisp.client import Backoff, CrispClient
from source_crisp.config import CrispConfig
from testing.source_builders import WEBSITE_ID, config, envelope

API = "http://api.crisp.test/v1"  # never resolved: only the proxy can answer it


@pytest.fixture
def proxy() -> Iterator[tuple[str, list[str]]]:
    """A forward proxy on loopback that answers every request itself and records the URL it was asked for."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            body = json.dumps(envelope({"website_id": WEBSITE_ID})).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()
    server.server_close()


def _client() -> CrispClient:
    return CrispClient(
        CrispConfig.from_mapping(config(api_url=API, allow_insecure_http=True)), backoff=Backoff.immediate()
    )


def test_every_request_goes_through_the_environments_proxy(proxy, monkeypatch):
    address, asked = proxy
    monkeypatch.setenv("HTTP_PROXY", address)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    crisp = _client()
    for _ in range(2):
        assert crisp.get(f"website/{WEBSITE_ID}").data == {"website_id": WEBSITE_ID}
    crisp.close()
    assert asked == [f"{API}/website/{WEBSITE_ID}"] * 2


def test_no_proxy_naming_crisps_host_bypasses_the_proxy(proxy, monkeypatch):
    address, asked = proxy
    monkeypatch.setenv("HTTP_PROXY", address)
    monkeypatch.setenv("NO_PROXY", "api.crisp.test")
    crisp = _client()
    with pytest.raises(Exception, match="Could not reach Crisp"):
        crisp.get(f"website/{WEBSITE_ID}")  # straight to api.crisp.test, which does not resolve
    crisp.close()
    assert asked == []
