"""Both connectors run as processes with a secret in their config, and the text a failure shows: for the
tests that no part of a secret reaches the output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


WEBSITE = "1e0a7f3c-6b2d-4b8e-a1d4-2c9f8e7b6a51"


CATALOG = Path(__file__).resolve().parent.parent / "integration_tests" / "configured_catalog.json"


EMPTY_DESTINATION_CATALOG = {"streams": []}


def run(command: str, verb: str, config: dict, tmp_path: Path) -> tuple[int, str, list[dict]]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "config.json").write_text(json.dumps(config))
    catalog = tmp_path / "catalog.json"
    if command == "source-crisp":
        catalog.write_text(CATALOG.read_text())
    else:
        catalog.write_text(json.dumps(EMPTY_DESTINATION_CATALOG))
    extra = ["--catalog", str(catalog)] if verb in ("read", "write") else []
    done = subprocess.run(
        [str(BIN / command), verb, "--config", str(tmp_path / "config.json"), *extra],
        input="",
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return done.returncode, done.stdout + done.stderr, messages


def failure_text(messages: list[dict]) -> str:
    """The message the user sees: the check's status, or the error trace of discover/read/write."""
    for message in messages:
        if message["type"] == "CONNECTION_STATUS":
            assert message["connectionStatus"]["status"] == "FAILED"
            return message["connectionStatus"]["message"]
        if message["type"] == "TRACE" and message["trace"]["type"] == "ERROR":
            assert message["trace"]["error"]["failure_type"] == "config_error"
            return message["trace"]["error"]["message"]
    raise AssertionError(f"no failure reported: {messages}")


def source_config(field: str, secret: str) -> dict:
    return {
        "website_id": WEBSITE,
        "identifier": "ident",
        "key": "key",
        "api_url": "http://127.0.0.1:9/v1",
    } | {field: secret}


def destination_config(secret: str, tmp_path: Path) -> dict:
    return {
        "api_token": f"ck_demo:{secret}",
        "api_url": "http://127.0.0.1:9/v1",
        "ledger_path": str(tmp_path / "ledger.sqlite"),
    }
