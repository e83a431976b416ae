"""A config a user got wrong is reported by the console scripts with the field it is about, and no secret.

These run the installed commands, because the CDK's own spec validation (which does not name fields) runs in
the entrypoint, before any connector code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
WEBSITE = "1e0a7f3c-6b2d-4b8e-a1d4-2c9f8e7b6a51"
CRISP_KEY = "crisp-key-that-must-stay-hidden"
CONVOT_TOKEN = "ck_demo:convot-secret-that-must-stay-hidden"


def _check(command: str, config: dict, tmp_path: Path) -> tuple[dict, str]:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    done = subprocess.run(
        [str(BIN / command), "check", "--config", str(path)], capture_output=True, text=True, timeout=60
    )
    statuses = [
        json.loads(line)["connectionStatus"]
        for line in done.stdout.splitlines()
        if line.startswith("{") and json.loads(line).get("type") == "CONNECTION_STATUS"
    ]
    assert len(statuses) == 1, done.stdout + done.stderr
    return statuses[0], done.stdout + done.stderr


@pytest.mark.parametrize(
    ("overrides", "field", "accepted"),
    [
        ({"page_size": 7}, "page_size", "20 to 50"),
        ({"tier": "admin"}, "tier", "plugin, website, user"),
        ({"website_id": "my-site"}, "website_id", "UUID"),
        (
            {"incremental": {"reference": {"type": "fixed_date", "date": "last tuesday"}}},
            "incremental.reference.date",
            "ISO",
        ),
        (
            {"incremental": {"reference": {"type": "variable", "value": "$NO_SUCH_VARIABLE_SET"}}},
            "NO_SUCH_VARIABLE_SET",
            "environment",
        ),
    ],
)
def test_source_check_names_the_field_and_what_is_accepted(overrides, field, accepted, tmp_path):
    config = {"website_id": WEBSITE, "identifier": "id", "key": CRISP_KEY, **overrides}
    status, output = _check("source-crisp", config, tmp_path)
    assert status["status"] == "FAILED"
    assert field in status["message"]
    assert accepted.lower() in status["message"].lower()
    assert CRISP_KEY not in output


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"api_url": "ftp://convot"}, "api_url"),
        ({"api_token": "not-a-convot-key-but-secret"}, "api_token"),
    ],
)
def test_destination_check_names_the_field_and_never_the_token(overrides, field, tmp_path):
    config = {"api_token": CONVOT_TOKEN, **overrides}
    status, output = _check("destination-convot", config, tmp_path)
    assert status["status"] == "FAILED"
    assert status["message"].startswith(field) or f"'{field}'" in status["message"]
    assert "convot-secret-that-must-stay-hidden" not in output
    assert "not-a-convot-key-but-secret" not in output
