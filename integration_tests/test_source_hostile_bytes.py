"""source-crisp against a Crisp sending what json.dumps cannot write (sandbox `Faults(hostile_values=True)`:
lone surrogates, bytes that are not UTF-8, a Latin-1 key, NaN, Infinity, 2**70), read through the real
`source-crisp read` command: every byte it prints is strict UTF-8 JSON, every value fits its column, nothing
else is lost, and each replaced or nulled value is named in a warning (issue 18 H.14-H.16)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import orjson

from sandboxes.crisp import CrispSandbox, Faults
from testing.source_runs import command, configure, discovered_catalog

STREAMS = ("conversations", "conversation_messages")
INT64 = range(-(2**63), 2**63)


def read_bytes(tmp_path: Path, config: dict, catalog: dict) -> tuple[int, list[bytes]]:
    done = subprocess.run(command("read", tmp_path, config, catalog, None), capture_output=True, timeout=300)
    return done.returncode, done.stdout.splitlines()


def strict_messages(lines: list[bytes]) -> list[dict[str, Any]]:
    """Each line as a strict parser reads it: raises on invalid UTF-8, a lone surrogate, NaN or Infinity."""
    return [orjson.loads(line.decode("utf-8", errors="strict")) for line in lines]


def records(messages: list[dict[str, Any]], stream: str) -> list[dict[str, Any]]:
    return [
        m["record"]["data"] for m in messages if m["type"] == "RECORD" and m["record"]["stream"] == stream
    ]


def warnings(messages: list[dict[str, Any]]) -> str:
    return "\n".join(
        m["log"]["message"] for m in messages if m["type"] == "LOG" and m["log"]["level"] == "WARN"
    )


def test_hostile_bytes_and_numbers_are_replaced_or_nulled_named_and_nothing_else_is_lost(
    crisp_sandbox: CrispSandbox, tmp_path: Path
):
    config = crisp_sandbox.source_config()
    baseline_catalog = configure(discovered_catalog(config), STREAMS)
    code, lines = read_bytes(tmp_path, config, baseline_catalog)
    assert code == 0
    baseline = strict_messages(lines)

    crisp_sandbox.set_faults(Faults(hostile_values=True))
    catalog = configure(discovered_catalog(config), STREAMS)  # discover samples the hostile values too
    code, lines = read_bytes(tmp_path, config, catalog)
    assert code == 0
    messages = strict_messages(lines)  # before: `\ud800` escapes and NaN tokens in the output

    for stream in STREAMS:
        keys = ("session_id", "fingerprint") if stream == "conversation_messages" else ("session_id",)

        def ids(found: list[dict[str, Any]], keys: tuple[str, ...] = keys) -> list[tuple]:
            return sorted(tuple(record[key] for key in keys) for record in found)

        assert ids(records(messages, stream)) == ids(records(baseline, stream))  # nothing lost

    schemas = {entry["stream"]["name"]: entry["stream"]["json_schema"] for entry in catalog["streams"]}
    for stream in STREAMS:
        columns = schemas[stream]["properties"]
        for record in records(messages, stream):
            for name, value in record.items():
                declared = columns[name]["type"] if name in columns else ["null", "string"]
                if "integer" in declared and value is not None:
                    assert isinstance(value, int), (stream, name, value)
                    assert value in INT64, (stream, name, value)

    conversations = records(messages, "conversations")
    nicknames = [record.get("meta_nickname") or "" for record in conversations]
    assert any(name.startswith("\ufffd") and not name.startswith("\ufffd\ufffd") for name in nicknames)
    assert any(name.startswith("\ufffd\ufffd") for name in nicknames)  # the two bytes that are not UTF-8
    contents = [str(record.get("content")) for record in records(messages, "conversation_messages")]
    assert any(content.startswith("\ufffd") for content in contents)

    said = warnings(messages)
    assert "conversations: field 'meta.nickname'" in said
    assert "conversation_messages: field 'content'" in said
    assert "(its key)" in said  # the Latin-1 byte in a custom-data key
    assert "session_id=" in said  # the record is named
    assert "did not fit their column type" in said
    assert "unread_operator" in said
    assert "meta_device_geolocation_coordinates_latitude" in said
