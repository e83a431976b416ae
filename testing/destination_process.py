"""destination-convot as Airbyte runs it, for the process-level tests: its console script, the files Airbyte
hands it (config, catalog, stdin) and the messages it prints."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteMessageSerializer,
    ConfiguredAirbyteCatalogSerializer,
)

from testing import destination_builders as B

EXECUTABLE = str(Path(sys.executable).parent / "destination-convot")


def files(
    directory: Path, config: dict[str, Any], messages: Sequence[AirbyteMessage] = ()
) -> dict[str, Path]:
    """The files Airbyte hands a destination: config, configured catalog, and (here) stdin."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        name: directory / file
        for name, file in (("config", "config.json"), ("catalog", "catalog.json"), ("input", "input.jsonl"))
    }
    paths["config"].write_text(json.dumps(config))
    paths["catalog"].write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(B.catalog())))
    paths["input"].write_text("".join(as_line(message) for message in messages))
    return paths


def as_line(message: AirbyteMessage) -> str:
    return json.dumps(AirbyteMessageSerializer.dump(message)) + "\n"


def command(verb: str, paths: dict[str, Path]) -> list[str]:
    extra = ["--catalog", str(paths["catalog"])] if verb == "write" else []
    return [EXECUTABLE, verb, "--config", str(paths["config"]), *extra]


def parse(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def states(messages: list[dict[str, Any]]) -> list[Any]:
    return [m["state"]["stream"]["stream_state"]["cursor"] for m in messages if m["type"] == "STATE"]


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
