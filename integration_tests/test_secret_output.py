"""A secret a header cannot carry: every command that takes a config ends with a config error naming the
field, and nothing on stdout or stderr gives away any part of the secret.

Before, `check` crashed with a traceback, and the destination's said "'latin-1' codec can't encode character
'\\u20ac' in position 21": a character of the token and where it stands. (`spec` takes no config, so it has
no secret to show.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from testing.secret_leaks import control_for, leaks

pytestmark = pytest.mark.slow  # each case runs a connector's console script twice

BIN = Path(sys.executable).parent
WEBSITE = "1e0a7f3c-6b2d-4b8e-a1d4-2c9f8e7b6a51"
CATALOG = Path(__file__).parent / "configured_catalog.json"
SECRETS = ["ключ-секрет", "sécret€"]
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


@pytest.mark.parametrize("secret", SECRETS)
@pytest.mark.parametrize(
    ("verb", "field"), [("check", "key"), ("discover", "key"), ("read", "key"), ("check", "identifier")]
)
def test_source_names_the_field_and_shows_no_part_of_the_secret(verb, field, secret, tmp_path):
    code, output, messages = run("source-crisp", verb, source_config(field, secret), tmp_path / "s")
    _, control, _ = run("source-crisp", verb, source_config(field, control_for(secret)), tmp_path / "c")
    assert f"Config field '{field}'" in failure_text(messages)
    assert "visible ASCII" in failure_text(messages)
    assert code == (0 if verb == "check" else 1)
    assert verb != "check" or "Traceback" not in output  # the CDK's config-error traces carry one
    assert leaks(secret, output, control) == []


@pytest.mark.parametrize("secret", SECRETS)
@pytest.mark.parametrize("verb", ["check", "write"])
def test_destination_names_the_field_and_shows_no_part_of_the_secret(verb, secret, tmp_path):
    config = destination_config(secret, tmp_path)
    code, output, messages = run("destination-convot", verb, config, tmp_path / "s")
    control_config = destination_config(control_for(secret), tmp_path)
    _, control, _ = run("destination-convot", verb, control_config, tmp_path / "c")
    assert failure_text(messages).startswith("api_token:")
    assert "visible ASCII" in failure_text(messages)
    assert code == (0 if verb == "check" else 1)
    assert verb != "check" or "Traceback" not in output  # the CDK's config-error traces carry one
    assert leaks(secret, output, control) == []
