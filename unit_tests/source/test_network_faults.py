"""Network faults in the middle of an answer (issue 18, J.23): a connection reset inside a child's body, a
50 MB page. Each is retried or read whole, or refused by name: never a silent drop, a duplicate or a crash."""

from __future__ import annotations

import json
import socket
import struct
import threading
import tracemalloc

import pytest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp.client import Backoff, CrispClient
from source_crisp.config import CrispConfig
from source_crisp.objects import BY_NAME
from source_crisp.reader import CrispReader
from testing.hostile_server import hostile_server
from testing.source_builders import WEBSITE_ID, config, envelope

MESSAGES = [{"fingerprint": n, "timestamp": 1_700_000_000_000 + n, "content": f"m{n}"} for n in range(3)]


def _reply(status: int, body: bytes) -> bytes:
    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


class _ResetOnce:
    """The first answer stops half-way through its body with a TCP reset; every later one is whole."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.tries = 0
        self._lock = threading.Lock()

    def __call__(self, connection: socket.socket) -> None:
        with self._lock:
            self.tries += 1
            first = self.tries == 1
        answer = _reply(200, self.body)
        if first:
            connection.sendall(answer[: len(answer) - len(self.body) // 2])
            # SO_LINGER 0: close() sends an RST, as a proxy or a dying server would.
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()
            return
        connection.sendall(answer)


def test_a_reset_in_the_middle_of_a_childs_body_is_retried_and_nothing_is_lost_or_doubled():
    server = _ResetOnce(json.dumps(envelope(MESSAGES)).encode())
    with hostile_server(server) as base:
        crisp = CrispClient(CrispConfig.from_mapping(config(api_url=base)), backoff=Backoff.immediate())
        reader = CrispReader(crisp, WEBSITE_ID, 50)
        messages = reader.messages(BY_NAME["conversation_messages"], {"session_id": "session_1"})
        reader.close()
    assert server.tries == 2
    assert messages == MESSAGES  # every message once, in order


def test_a_50_mb_page_is_read_whole_with_memory_bounded_by_its_size():
    size = 50 * 2**20
    items = [{"session_id": f"s{n}", "text": "x" * (size // 50)} for n in range(50)]
    body = json.dumps(envelope(items)).encode()
    assert len(body) > size

    def serve(connection: socket.socket) -> None:
        connection.sendall(_reply(206, body))

    with hostile_server(serve) as base:
        crisp = CrispClient(CrispConfig.from_mapping(config(api_url=base)), backoff=Backoff(max_retries=0))
        tracemalloc.start()
        try:
            reply = crisp.get(f"website/{WEBSITE_ID}/conversations/1")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        crisp.close()
    assert reply is not None
    assert [item["session_id"] for item in reply.data] == [f"s{n}" for n in range(50)]
    assert all(len(item["text"]) == size // 50 for item in reply.data)
    # The body buffer, its decoded text and the parsed strings: about three times the page (the chunks
    # joined into a second copy before parsing made it four), and MAX_BODY_BYTES bounds the page.
    assert peak < 3.5 * len(body), peak / len(body)


def test_a_page_past_the_size_limit_is_refused_by_name_and_retried_once(monkeypatch):
    monkeypatch.setattr("source_crisp.client.MAX_BODY_BYTES", 2**20)
    tries = []

    def serve(connection: socket.socket) -> None:
        tries.append(1)
        connection.sendall(_reply(206, b" " * (3 * 2**20)))

    with hostile_server(serve) as base:
        crisp = CrispClient(CrispConfig.from_mapping(config(api_url=base)), backoff=Backoff.immediate())
        with pytest.raises(AirbyteTracedException, match=r"an answer larger than 1 MB") as error:
            crisp.get(f"website/{WEBSITE_ID}/conversations/1")
        crisp.close()
    assert "Gave up after 1 retries" in error.value.message
    assert len(tries) == 2
