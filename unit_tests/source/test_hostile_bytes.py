"""Any byte and any number Crisp can send is read, coerced with a warning, or refused by name: the source
emits only strict JSON (valid UTF-8, no lone surrogate, no NaN, integers within 64 bits), and one bad
character or number costs that value, never the page, the record or the sync.

Each read goes through the real `read` entry point (in-process), and every message it printed is checked
with orjson, a strict parser."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.test.entrypoint_wrapper import read

from source_crisp import SourceCrisp
from source_crisp.body_text import parse
from source_crisp.client import Backoff
from testing.source_builders import catalog_of, config, url

PAGE_1 = re.compile(r".*/conversations/1(\?.*)?$")
PAGE_2 = re.compile(r".*/conversations/2(\?.*)?$")
EMPTY = b'{"error":false,"reason":"listed","data":[]}'


def page_bytes(*items: bytes) -> bytes:
    """A list page assembled from raw JSON bytes, so a test can put any byte anywhere."""
    return b'{"error":false,"reason":"listed","data":[' + b",".join(items) + b"]}"


def conversation(session: str, extra: bytes = b"") -> bytes:
    head = b'{"session_id":"' + session.encode() + b'","created_at":1,"updated_at":2'
    return head + (b"," + extra if extra else b"") + b"}"


def serve_conversations(requests_mock, body: bytes, content_type: str = "application/json; charset=utf-8"):
    headers = {"Content-Type": content_type}
    requests_mock.get(PAGE_1, status_code=206, content=body, headers=headers)
    requests_mock.get(PAGE_2, status_code=200, content=EMPTY, headers=headers)


def read_stream(stream: str, cursor: str | None = None) -> Any:
    return read(SourceCrisp(backoff=Backoff.immediate()), config(page_size=20), catalog_of(stream, cursor))


def strictly_valid(output: Any) -> None:
    """Every record and state as the source prints it is valid UTF-8 and strict JSON."""
    for message in [*output.records, *output.state_messages]:
        line = AirbyteEntrypoint.airbyte_message_to_string(message)
        orjson.loads(line.encode("utf-8"))  # raises on a lone surrogate, NaN, Infinity


def records(output: Any) -> dict[str, dict]:
    return {r.record.data["session_id"]: r.record.data for r in output.records}


def warnings(output: Any) -> str:
    return "\n".join(m.log.message for m in output.logs if m.log.level.value == "WARN")


def page_requests(requests_mock) -> int:
    """Requests for page 1: 2 when nothing is retried (discover's sample for the schema, then the read)."""
    return sum(1 for request in requests_mock.request_history if PAGE_1.match(request.url))


# --- H.14: lone surrogates -------------------------------------------------------------------------------
def test_a_lone_surrogate_in_a_nickname_is_replaced_counted_and_named(requests_mock):
    serve_conversations(
        requests_mock,
        page_bytes(
            conversation("s1", b'"meta":{"nickname":"\\ud800private-name"}'),
            conversation("s2", b'"meta":{"nickname":"\\udfffA\\udc00"}'),
            conversation("s3", b'"meta":{"nickname":"\\ud83d\\ude00 ok"}'),  # a pair is a real character
        ),
    )
    output = read_stream("conversations")
    strictly_valid(output)
    emitted = records(output)
    assert emitted["s1"]["meta_nickname"] == "\ufffdprivate-name"
    assert emitted["s2"]["meta_nickname"] == "\ufffdA\ufffd"
    assert emitted["s3"]["meta_nickname"] == "\U0001f600 ok"
    said = warnings(output)
    assert "conversations: field 'meta.nickname': 3 character(s)" in said
    assert "session_id=s1" in said
    assert "session_id=s2" in said
    assert "s3" not in said
    assert "private-name" not in said  # the value is never shown
    assert said.count("meta.nickname") == 1  # one warning per stream and field


def test_a_lone_surrogate_in_a_message_and_in_a_key_is_replaced_too(requests_mock):
    # Neighbours: another stream (messages, on its own route) and a custom-data key, which becomes a column.
    serve_conversations(
        requests_mock, page_bytes(conversation("s1", b'"meta":{"data":{"pl\\udbffan":"pro"}}'))
    )
    message = b'{"session_id":"s1","fingerprint":7,"timestamp":2,"type":"text","content":"hi \\ud800"}'
    requests_mock.get(url("conversation/s1/messages"), status_code=200, content=page_bytes(message))
    conversations = read_stream("conversations")
    strictly_valid(conversations)
    assert records(conversations)["s1"]["meta_data"] == '{"pl\ufffdan":"pro"}'
    assert "field 'meta.data.pl\ufffdan (its key)': 1 character(s)" in warnings(conversations)
    messages = read_stream("conversation_messages")
    strictly_valid(messages)
    assert [r.record.data["content"] for r in messages.records] == ["hi \ufffd"]
    assert "conversation_messages: field 'content': 1 character(s)" in warnings(messages)
    assert "fingerprint=7" in warnings(messages)


# --- H.15: bytes that are not UTF-8 ------------------------------------------------------------------------
def test_two_invalid_utf8_bytes_cost_two_characters_not_the_page(requests_mock):
    serve_conversations(
        requests_mock,
        page_bytes(conversation("s1", b'"meta":{"nickname":"Jo\xff\xfeana"}'), conversation("s2")),
    )
    output = read_stream("conversations")
    strictly_valid(output)
    assert not output.errors
    assert page_requests(requests_mock) == 2  # no retry, no "could not reach Crisp"
    assert records(output)["s1"]["meta_nickname"] == "Jo\ufffd\ufffdana"
    assert set(records(output)) == {"s1", "s2"}
    assert "field 'meta.nickname': 2 character(s)" in warnings(output)
    assert "session_id=s1" in warnings(output)


def test_invalid_bytes_in_a_key_become_a_column_with_the_replacement_character(requests_mock):
    serve_conversations(requests_mock, page_bytes(conversation("s1", b'"meta":{"data":{"r\xe9f":"C-1"}}')))
    output = read_stream("conversations")
    strictly_valid(output)
    assert records(output)["s1"]["meta_data"] == '{"r\ufffdf":"C-1"}'
    assert "(its key)" in warnings(output)


def test_a_byte_order_mark_is_skipped(requests_mock):
    serve_conversations(requests_mock, b"\xef\xbb\xbf" + page_bytes(conversation("s1")))
    output = read_stream("conversations")
    assert set(records(output)) == {"s1"}
    assert not warnings(output)


def test_a_latin1_body_is_read_in_the_charset_it_declares(requests_mock):
    body = page_bytes(conversation("s1", '"meta":{"nickname":"Héloïse"}'.encode("latin-1")))
    serve_conversations(requests_mock, body, content_type="application/json; charset=ISO-8859-1")
    output = read_stream("conversations")
    strictly_valid(output)
    assert records(output)["s1"]["meta_nickname"] == "Héloïse"
    assert "not UTF-8" in warnings(output)
    # The same declaration on a body that is valid UTF-8: UTF-8 wins (RFC 8259), no warning.
    body = page_bytes(conversation("s1", '"meta":{"nickname":"Héloïse"}'.encode()))
    serve_conversations(requests_mock, body, content_type="application/json; charset=ISO-8859-1")
    assert records(read_stream("conversations"))["s1"]["meta_nickname"] == "Héloïse"


def test_invalid_bytes_in_an_error_body_keep_its_reason(requests_mock):
    error = b'{"error":true,"reason":"website_not_found","data":{"message":"\xff\xfe"}}'
    requests_mock.get(PAGE_1, status_code=404, content=error)
    output = read(
        SourceCrisp(backoff=Backoff.immediate()),
        config(),
        catalog_of("conversations"),
        expecting_exception=True,
    )
    said = " ".join(m.trace.error.message for m in output.errors)
    assert "website" in said.lower()
    assert "could not reach Crisp" not in said
    assert page_requests(requests_mock) == 1


# --- H.14, H.16: numbers ------------------------------------------------------------------------------
def test_numbers_no_column_can_hold_are_null_and_counted(requests_mock):
    serve_conversations(
        requests_mock,
        page_bytes(
            conversation("big", b'"unread":{"operator":1180591620717411303424},"status":1'),
            conversation("nan", b'"unread":{"operator":NaN},"meta":{"nickname":Infinity}'),
            conversation("inf", b'"meta":{"device":{"geolocation":{"coordinates":{"latitude":-Infinity}}}}'),
            conversation("huge", b'"status":' + b"9" * 5000),
            conversation("edge", b'"unread":{"operator":9223372036854775807,"visitor":-9223372036854775808}'),
            conversation("text", b'"meta":{"segments":[1,NaN]}'),
        ),
    )
    output = read_stream("conversations")
    strictly_valid(output)
    emitted = records(output)
    assert set(emitted) == {"big", "nan", "inf", "huge", "edge", "text"}  # no record lost, no page failed
    assert page_requests(requests_mock) == 2
    assert "unread_operator" not in emitted["big"]
    assert emitted["big"]["status"] == 1
    assert "unread_operator" not in emitted["nan"]
    assert "meta_nickname" not in emitted["nan"]
    assert "meta_device_geolocation_coordinates_latitude" not in emitted["inf"]
    assert "status" not in emitted["huge"]
    assert emitted["edge"]["unread_operator"] == 2**63 - 1
    assert emitted["edge"]["unread_visitor"] == -(2**63)
    assert "meta_segments" not in emitted["text"]
    said = warnings(output)
    assert "did not fit their column type" in said
    for column in ("unread_operator x2", "meta_nickname x1", "status x1", "meta_segments x1"):
        assert column in said


@pytest.mark.parametrize(
    "timestamp",
    [b"1180591620717411303424", b"NaN", b"-Infinity", b'"later"', b"9" * 5000, b"null", b"true", b"[1]"],
)
def test_no_cursor_value_crashes_an_incremental_read(requests_mock, timestamp):
    serve_conversations(
        requests_mock,
        page_bytes(
            b'{"session_id":"odd","created_at":1,"updated_at":' + timestamp + b"}",
            b'{"session_id":"fine","created_at":1,"updated_at":1714521600000}',
        ),
    )
    output = read_stream("conversations", "updated_at")
    strictly_valid(output)
    assert not output.errors
    assert "fine" in records(output)
    assert output.state_messages[-1].state.stream.stream_state.__dict__["updated_at"] == 1714521600000


def test_parse_names_each_record_and_field_without_the_value():
    parsed = parse(
        page_bytes(conversation("s1", b'"meta":{"nickname":"\xc3(bad"}'), b'{"fingerprint":5,"x":["\xff"]}')
    )
    assert dict(parsed.replaced) == {("meta.nickname", "session_id=s1"): 1, ("x", "fingerprint=5"): 1}
    assert parsed.value["data"][0]["meta"]["nickname"] == "\ufffd(bad"


@pytest.mark.parametrize(
    ("route", "key"), [("conversations", "session_id"), ("people/profiles", "people_id")]
)
@pytest.mark.parametrize("hostile_id", [b"[1]", b'{"a":1}', b"null", b"5"])
def test_no_record_id_crashes_a_scan(requests_mock, route, key, hostile_id):
    # Before: a list or an object as the id ended the sync with "unhashable type" (a traceback).
    items = [
        b'{"' + key.encode() + b'":' + hostile_id + b',"updated_at":5,"created_at":1}',
        b'{"' + key.encode() + b'":"ok","updated_at":4,"created_at":1}',
    ]
    requests_mock.get(re.compile(rf".*/{route}/1(\?.*)?$"), status_code=206, content=page_bytes(*items))
    requests_mock.get(re.compile(rf".*/{route}/2(\?.*)?$"), status_code=200, content=EMPTY)
    stream = "conversations" if route == "conversations" else "people_profiles"
    for cursor in (None, "updated_at"):
        output = read_stream(stream, cursor)
        strictly_valid(output)
        assert not output.errors
        assert len(output.records) == 2
