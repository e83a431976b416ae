"""Helpers for the source-crisp end-to-end tests: run the `source-crisp` command and read its messages.

(Support, not tests: the end-to-end tests of the source and the migration tests import it.)
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airbyte_cdk.models import AirbyteMessage, AirbyteMessageSerializer, ConfiguredAirbyteCatalog, Type
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.state_builder import StateBuilder

from source_crisp import SourceCrisp
from source_crisp.client import Backoff

SOURCE_CRISP = str(Path(sys.executable).parent / "source-crisp")


@dataclass
class Run:
    messages: list[dict[str, Any]]
    returncode: int | None = None
    stdout: str = ""

    @property
    def records(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for message in self.messages:
            if message["type"] == "RECORD":
                grouped[message["record"]["stream"]].append(message["record"]["data"])
        return grouped

    @property
    def states(self) -> list[dict[str, Any]]:
        return [message["state"] for message in self.messages if message["type"] == "STATE"]

    def last_states(self) -> list[dict[str, Any]]:
        """The newest STATE per stream, as a `--state` file holds them."""
        latest: dict[str, dict[str, Any]] = {}
        for state in self.states:
            name = state["stream"]["stream_descriptor"]["name"]
            latest[name] = {"type": "STREAM", "stream": state["stream"]}
        return list(latest.values())

    def logs(self, *levels: str) -> list[str]:
        logs = [m["log"] for m in self.messages if m["type"] == "LOG"]
        return [log["message"] for log in logs if log["level"] in levels]

    @property
    def errors(self) -> list[str]:
        return [
            m["trace"]["error"]["message"]
            for m in self.messages
            if m["type"] == "TRACE" and m["trace"].get("type") == "ERROR"
        ]

    @property
    def connection_status(self) -> dict[str, Any]:
        return next(m["connectionStatus"] for m in self.messages if m["type"] == "CONNECTION_STATUS")


def _write(directory: Path, name: str, content: Any) -> str:
    path = directory / name
    path.write_text(json.dumps(content))
    return str(path)


def command(verb: str, directory: Path, config: dict, catalog: dict | None, state: list | None) -> list[str]:
    args = [SOURCE_CRISP, verb, "--config", _write(directory, "config.json", config)]
    if catalog is not None:
        args += ["--catalog", _write(directory, "catalog.json", catalog)]
    if state is not None:
        args += ["--state", _write(directory, "state.json", state)]
    return args


def run(
    verb: str, tmp_path: Path, config: dict, catalog: dict | None = None, state: list | None = None
) -> Run:
    args = command(verb, tmp_path, config, catalog, state)
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    return Run(list(_parse(done.stdout.splitlines())), done.returncode, done.stdout)


def stream_messages(
    tmp_path: Path, config: dict, catalog: dict, state: list | None = None
) -> tuple[subprocess.Popen, Iterator[dict[str, Any]]]:
    """Start a read and yield its messages as they come (unbuffered), for tests that act mid-read."""
    process = subprocess.Popen(
        command("read", tmp_path, config, catalog, state),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    return process, _parse(process.stdout)


def read_in_process(
    config: dict, catalog: ConfiguredAirbyteCatalog, state: dict[str, Any] | None = None
) -> EntrypointOutput:
    """One read in this process, retries without waiting, from `state`: {stream name: its stream state}."""
    builder = StateBuilder()
    for stream, value in (state or {}).items():
        builder = builder.with_stream_state(stream, value)
    source = SourceCrisp(backoff=Backoff.immediate())
    return read(source, config, catalog, state=builder.build() if state else None)


def stream_records(output: EntrypointOutput, stream: str) -> list[dict[str, Any]]:
    return [message.record.data for message in output.records if message.record.stream == stream]


def last_states(output: EntrypointOutput) -> dict[str, Any]:
    """The last state of each stream of a read, by stream name (what the next read starts from)."""
    states: dict[str, Any] = {}
    for message in output.state_messages:
        states[message.state.stream.stream_descriptor.name] = message.state.stream.stream_state.__dict__
    return states


def _parse(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    return (json.loads(line) for line in lines if line.startswith("{"))


def discovered_catalog(config: dict) -> dict[str, Any]:
    """Discover in-process (the command itself is covered by the full-read test): saves a process start."""
    catalog = SourceCrisp().discover(logging.getLogger("airbyte"), config)
    message = AirbyteMessage(type=Type.CATALOG, catalog=catalog)
    return AirbyteMessageSerializer.dump(message)["catalog"]


def configure(catalog: dict[str, Any], streams: Iterable[str], incremental: bool = False) -> dict[str, Any]:
    """A configured catalog of `streams` (in discover order), incremental on the default cursor if asked."""
    wanted = set(streams)
    configured = []
    for stream in catalog["streams"]:
        if stream["name"] not in wanted:
            continue
        use_incremental = incremental and "incremental" in stream["supported_sync_modes"]
        configured.append(
            {
                "stream": stream,
                "sync_mode": "incremental" if use_incremental else "full_refresh",
                "destination_sync_mode": "append",
                "cursor_field": stream.get("default_cursor_field", []) if use_incremental else [],
            }
        )
    return {"streams": configured}


def unreadable_in_check(message: str) -> dict[str, str]:
    """check's list of the streams a token cannot read ("<what adds them> would add a, b; …"), as
    {stream: what would add it}."""
    found: dict[str, str] = {}
    for part in message.split(": ", 1)[-1].split("; "):
        need, _, streams = part.partition(" would add ")
        found.update(dict.fromkeys(streams.split(", "), need) if streams else {})
    return found
