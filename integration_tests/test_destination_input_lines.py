"""destination-convot reads every line a real source can send (issue 18, H.14).

Lines are written as bytes and read the way the CDK hands stdin to the destination (a UTF-8 TextIOWrapper),
in-process against the Convot sandbox. Before: a lone surrogate escape, NaN or Infinity, a BOM or an invalid
UTF-8 byte made the line "not JSON", skipped with exit 0 while the state after it was echoed, so its
conversation was lost for good (or, for invalid bytes, the whole run crashed with a traceback).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from airbyte_cdk.models import AirbyteMessage, ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from destination_convot import DestinationConvot
from sandboxes.convot import ConvotSandbox
from testing import destination_builders as B
from testing.destination_harness import NO_WAIT, by_external_id, counts, destination_config, duplicates
from testing.destination_process import as_line

SURROGATE = "__SURROGATE__"  # placeholders replaced in the serialized line by what json.dumps cannot write
BYTES = "__BYTES__"


def line(message: AirbyteMessage, **raw: str) -> bytes:
    """`message` as a source writes it, with each quoted placeholder value replaced by raw JSON text."""
    text = as_line(message)
    for placeholder, replacement in raw.items():
        text = text.replace(json.dumps(placeholder), replacement)
    return text.encode().replace(BYTES.encode(), b"\xff\xfe")


def write_bytes(sandbox: ConvotSandbox, tmp_path: Path, data: bytes) -> list[AirbyteMessage]:
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(B.catalog())))
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")  # exactly as the CDK wraps stdin
    destination = DestinationConvot(pacing=NO_WAIT, report_interval=3600)
    return list(destination._run_write(destination_config(sandbox, tmp_path), str(catalog), stdin))


def hostile_workspace() -> bytes:
    """The small workspace, with the forms of JSON and bytes Python sources do write in its records."""
    s1 = B.conversation("s-1", "p-1", "jane@example.com", "resolved", B.T0, nickname=SURROGATE)
    s1_lines = [
        line(B.record("conversations", s1), **{SURROGATE: '"Jo\\ud800e"'}),
        line(B.record("conversation_messages", B.message("s-1", 11, B.T0 + 100, content="caf" + SURROGATE))),
        line(
            B.record(
                "conversation_messages",
                B.message("s-1", 12, B.T0 + 200, "user", "audio", content=None, content_duration="__NAN__"),
            ),
            __NAN__="NaN",
        ),
        b"\xef\xbb\xbf"
        + line(B.record("conversation_messages", B.message("s-1", 13, B.T0 + 300, content="BOM"))),
        line(
            B.record("conversation_messages", B.message("s-1", 14, B.T0 + 400, content=f"bad {BYTES} bytes"))
        ).replace(b"\n", b"\r\n"),
        line(B.state("conversation_messages", "s-1 done")),
    ]
    # the surrogate in the message content is written as the escape json.dumps produces for a broken string
    s1_lines[1] = s1_lines[1].replace(SURROGATE.encode(), b"\\udc80")
    profile = B.profile("p-1", "jane@example.com", SURROGATE)
    data = B.people_data(
        "p-1", plan="pro", seats="__INF__", score="__NEGINF__", big="__HUGE__", tiny="__BIG__"
    )
    return b"".join(
        [
            line(B.record("people_profiles", profile), **{SURROGATE: '"Jane \\ud83d"'}),
            line(
                B.record("people_data", data),
                __INF__="Infinity",
                __NEGINF__="-Infinity",
                __HUGE__=str(2**70),
                __BIG__="1e400",
            ),
            line(B.state("people_data", "people done")),
            *s1_lines,
        ]
    )


def test_surrogates_nan_infinity_bom_crlf_and_invalid_bytes_are_read_and_written_safely(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    echoed = write_bytes(convot_sandbox, tmp_path, hostile_workspace())

    assert B.state_values(echoed) == [("people_data", "people done"), ("conversation_messages", "s-1 done")]
    dump = convot_sandbox.dump()
    conversation = by_external_id(dump, "conversations")["crisp:s-1"]
    contents = [m["content"] for m in conversation["messages"]]
    assert contents == ["caf\ufffd", "Audio message", "BOM", "bad \ufffd\ufffd bytes"]
    contact = by_external_id(dump, "contacts")["crisp:p-1"]
    assert contact["name"] == "Jane \ufffd"
    custom = contact["custom_data"]
    assert custom["plan"] == "pro"
    assert custom["big"] == str(2**70)  # beyond 64 bits: kept exactly, as text
    assert not {"seats", "score", "tiny"} & set(custom)  # Infinity, -Infinity and 1e400 read as null
    warnings = [r.getMessage() for r in caplog.records if "read leniently" in r.getMessage()]
    assert any("stream conversations" in w and "meta_nickname: lone surrogate" in w for w in warnings)
    assert any("stream conversation_messages" in w and "content: lone surrogate" in w for w in warnings)
    assert any("content_duration: nan (not a number JSON allows) read as null" in w for w in warnings)
    assert any("stream people_data" in w and "data_seats: inf" in w for w in warnings)
    assert any("content: invalid UTF-8 replaced by U+FFFD" in w for w in warnings)
    assert any("byte order mark dropped" in w for w in warnings)


def test_a_rerun_of_the_same_hostile_input_duplicates_nothing(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    write_bytes(convot_sandbox, tmp_path, hostile_workspace())
    first = counts(convot_sandbox.dump())
    write_bytes(convot_sandbox, tmp_path, hostile_workspace())
    dump = convot_sandbox.dump()
    assert counts(dump) == first
    assert duplicates(dump) == {}


def truncated_input(token: str) -> tuple[bytes, bytes]:
    """Two conversations each closed by a state, with a line cut in the middle between them (the record a
    source was writing when it was killed), which carries the api token a source might have printed."""
    before = b"".join(
        [
            line(B.record("conversations", B.conversation("s-1", "p-1", "jane@example.com"))),
            line(B.record("conversation_messages", B.message("s-1", 11, B.T0 + 100, content="first"))),
            line(B.state("conversation_messages", "s-1 done")),
        ]
    )
    after = b"".join(
        [
            line(B.record("conversations", B.conversation("s-2", "p-2", "max@example.com"))),
            line(B.record("conversation_messages", B.message("s-2", 21, B.T0 + 200, content="second"))),
            line(B.state("conversation_messages", "s-2 done")),
        ]
    )
    cut = (
        '{"type": "RECORD", "record": {"stream": "conversation_messages", "data": {"token": "' + token
    ).encode()
    return before + cut + b"\n", after


def test_an_unreadable_line_stops_the_sync_there_names_it_and_a_rerun_completes(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    before, after = truncated_input(convot_sandbox.token)
    echoed: list[AirbyteMessage] = []
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(B.catalog())))
    stdin = io.TextIOWrapper(io.BytesIO(before + after), encoding="utf-8")
    destination = DestinationConvot(pacing=NO_WAIT, report_interval=3600)
    with pytest.raises(AirbyteTracedException) as raised:
        echoed.extend(
            destination._run_write(destination_config(convot_sandbox, tmp_path), str(catalog), stdin)
        )

    message = raised.value.message
    assert "Input line 4 could not be read: not JSON" in message
    assert convot_sandbox.token not in message
    assert convot_sandbox.token[:8] not in message
    assert B.state_values(echoed) == [("conversation_messages", "s-1 done")]  # nothing claimed past line 4
    assert set(by_external_id(convot_sandbox.dump(), "conversations")) == {"crisp:s-1"}

    repaired = before.rsplit(b"\n", 2)[0] + b"\n"  # the source re-sends, this time whole
    write_bytes(convot_sandbox, tmp_path, repaired + after)
    dump = convot_sandbox.dump()
    assert set(by_external_id(dump, "conversations")) == {"crisp:s-1", "crisp:s-2"}
    assert duplicates(dump) == {}


@pytest.mark.parametrize(
    "junk",
    [
        b"null\n",
        b"[1, 2]\n",
        b"42\n",
        b'{"type": "RECORD"}\n',
        b'{"type": "STATE", "state": 7}\n',
        b'{"type": "RECORD", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
    ],
    ids=["null", "array", "number", "record-without-record", "state-not-an-object", "nested-too-deep"],
)
def test_json_that_is_not_an_airbyte_message_is_never_skipped_silently(
    convot_sandbox: ConvotSandbox, tmp_path: Path, junk: bytes
) -> None:
    good = line(B.record("conversations", B.conversation("s-1", "p-1", "jane@example.com")))
    later = line(B.state("conversations", "after the junk"))
    with pytest.raises(AirbyteTracedException, match="Input line 2 could not be read"):
        write_bytes(convot_sandbox, tmp_path, good + junk + later)


def test_a_message_type_of_a_newer_protocol_is_skipped_with_a_warning_and_the_sync_goes_on(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    newer = b'{"type": "FUTURE_KIND", "future_kind": {}}\n'
    messages = B.workspace()
    echoed = write_bytes(convot_sandbox, tmp_path, newer + b"".join(line(m) for m in messages))
    assert B.state_values(echoed) == B.state_values(messages)
    assert "Input line 1 skipped: unknown message type 'FUTURE_KIND'" in caplog.text
