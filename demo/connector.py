"""Run a connector's console script the way the Airbyte platform does: a subprocess that speaks the Airbyte
protocol (one JSON message per line) on stdout, reading its config and catalog from files.

The demo uses this instead of calling the connectors in-process, so it exercises the same entry points
(`source-crisp`, `destination-convot`) an operator runs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# The console scripts live next to the interpreter running the demo (.venv/bin under `make demo`).
BIN_DIR = Path(sys.executable).parent

MessageHandler = Callable[[dict], None]


class ConnectorFailed(RuntimeError):
    """A connector exited non-zero; the message is the connector's own error TRACE when it sent one."""


@dataclass
class ConnectorProcess:
    """One running connector command. Messages are read on a thread so the caller can poll while it runs."""

    connector: str
    args: list[str]
    stdin_path: Path | None = None
    on_message: MessageHandler | None = None
    keep: Callable[[dict], bool] = lambda message: message.get("type") != "RECORD"
    messages: list[dict] = field(default_factory=list)
    started: float = 0.0
    seconds: float = 0.0

    def __post_init__(self) -> None:
        # Unbuffered, so stream status messages arrive when the connector sends them, not at exit.
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        stdin = self.stdin_path.open("rb") if self.stdin_path else subprocess.DEVNULL
        self.started = time.monotonic()
        self._process = subprocess.Popen(
            [str(BIN_DIR / self.connector), *self.args],
            stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
        )
        if self.stdin_path:
            stdin.close()
        self._stderr: list[str] = []
        self._readers = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=lambda: self._stderr.extend(self._process.stderr), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_stdout(self) -> None:
        for line in self._process.stdout:
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue  # stray non-protocol output is ignored, as the platform does
            if self.on_message:
                self.on_message(message)
            if self.keep(message):
                self.messages.append(message)

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    def wait(self) -> ConnectorProcess:
        self._process.wait()
        for reader in self._readers:
            reader.join()
        self.seconds = time.monotonic() - self.started
        if self._process.returncode != 0:
            errors = [m["trace"]["error"]["message"] for m in self.traces("ERROR")]
            detail = "; ".join(errors) or "".join(self._stderr[-20:]).strip() or "no error message"
            command = f"{self.connector} {self.args[0]}"
            raise ConnectorFailed(f"{command} exited {self._process.returncode}: {detail}")
        return self

    def stop(self) -> None:
        if self.running:
            self._process.terminate()

    def of_type(self, message_type: str) -> list[dict]:
        return [m for m in self.messages if m.get("type") == message_type]

    def traces(self, trace_type: str) -> list[dict]:
        return [m for m in self.of_type("TRACE") if m["trace"].get("type") == trace_type]

    def logs(self) -> list[str]:
        return [m["log"]["message"] for m in self.of_type("LOG")]


def run(connector: str, *args: str, **options) -> ConnectorProcess:
    """Run a connector command to completion; raise ConnectorFailed with its error when it fails."""
    return ConnectorProcess(connector, list(args), **options).wait()


def write_json(path: Path, payload: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2))
    return path


def configured_catalog(catalog: dict, destination_sync_mode: str) -> dict:
    """Select every discovered stream for a full-refresh read, keyed by the source's primary key."""
    return {
        "streams": [
            {
                "stream": stream,
                "sync_mode": "full_refresh",
                "destination_sync_mode": destination_sync_mode,
                "primary_key": stream.get("source_defined_primary_key") or [],
            }
            for stream in catalog["streams"]
        ]
    }


class StreamTracker:
    """Seconds of each stream of a read, between its STARTED and COMPLETE status messages."""

    def __init__(self) -> None:
        self._started: dict[str, float] = {}
        self.seconds: dict[str, float] = {}

    def __call__(self, message: dict) -> None:
        if message.get("type") != "TRACE" or message["trace"].get("type") != "STREAM_STATUS":
            return
        status = message["trace"]["stream_status"]
        name = status["stream_descriptor"]["name"]
        if status["status"] == "STARTED":
            self._started[name] = time.monotonic()
        elif status["status"] in ("COMPLETE", "INCOMPLETE") and name in self._started:
            self.seconds[name] = time.monotonic() - self._started[name]


STREAM_REQUESTS = re.compile(r"(\w+): ([\d,]+) requests$")  # source-crisp's line at the end of each stream


def stream_requests(logs: list[str]) -> dict[str, int]:
    """The requests each stream sent, as source-crisp counts them (request_counts.py): the stream being read
    when each request was sent, so pages a later stream reads from the sync's page store cost it nothing."""
    found = (STREAM_REQUESTS.match(line) for line in logs)
    return {match.group(1): int(match.group(2).replace(",", "")) for match in found if match}


def counter_summary(logs: list[str], prefix: str) -> tuple[dict[str, dict[str, int]], list[str]] | None:
    """Parse destination-convot's last counters line starting with `prefix`.

    The line reads `contacts 40 imported, 35 updated | messages 614 imported | skipped 5 contacts: …; … |
    paused 0.0s on rate limits`. Returns ({kind: {outcome: count}}, [skipped reasons]), or None when there is
    no such line or it does not read that way.
    """
    line = next((log[len(prefix):] for log in reversed(logs) if log.startswith(prefix)), None)
    if line is None:
        return None
    outcomes: dict[str, dict[str, int]] = {}
    skipped: list[str] = []
    try:
        for part in line.split(" | "):
            kind, _, rest = part.partition(" ")
            if kind == "skipped":
                skipped = rest.split("; ")
            elif kind != "paused":
                pairs = (item.split(" ", 1) for item in rest.split(", "))
                outcomes[kind] = {outcome: int(count) for count, outcome in pairs}
    except ValueError:
        return None
    return outcomes, skipped
