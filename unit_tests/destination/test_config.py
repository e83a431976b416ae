"""Config errors name the field and what is accepted, and never quote the token."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import jsonschema
import pytest

from destination_convot import DestinationConvot
from destination_convot.config import ConfigError, ConvotConfig, default_ledger_path

TOKEN = "ck_app123:s3cr3t-value"


def test_defaults_and_app_key(tmp_path: Path) -> None:
    config = ConvotConfig.parse({"api_token": TOKEN, "ledger_path": str(tmp_path / "l.sqlite")})
    assert config.api_url == "https://app.convot.io/v1"
    assert config.max_concurrency == 4
    assert config.preview is False
    assert config.operator_emails == {}
    assert config.app_key == "ck_app123"
    assert "s3cr3t" not in repr(config)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"api_token": "s3cr3t-value"}, "api_token"),
        ({"api_url": "ftp://x"}, "api_url"),
        ({"help_center_url": "not a url"}, "help_center_url"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"max_concurrency": "4"}, "max_concurrency"),
        ({"operator_emails": [{"email": "alice@team.test", "user_id": "42"}]}, "operator_emails[0].user_id"),
        ({"operator_emails": [{"email": "alice", "user_id": 42}]}, "operator_emails[0].email"),
        ({"operator_emails": ["alice@team.test"]}, "operator_emails[0]"),
        ({"operator_emails": "alice@team.test=42"}, "operator_emails"),
        ({"operator_emails": {"alice@team.test": "42"}}, "operator_emails[0].user_id"),
        (
            {"operator_emails": [{"email": "a@t.test", "user_id": 1}, {"email": "A@t.test", "user_id": 2}]},
            "operator_emails[1]",
        ),
        ({"preview": "yes"}, "preview"),
    ],
)
def test_invalid_values_name_the_field_and_never_the_secret(override: dict, field: str) -> None:
    with pytest.raises(ConfigError) as raised:
        ConvotConfig.parse({"api_token": TOKEN, **override})
    assert raised.value.message.startswith(f"{field}:"), raised.value.message
    assert "s3cr3t" not in raised.value.message


def test_operator_emails_are_matched_case_insensitively() -> None:
    entries = [{"email": "Alice@Team.test", "user_id": 42}, {"email": "bob@team.test", "user_id": 7}]
    config = ConvotConfig.parse({"api_token": TOKEN, "operator_emails": entries})
    assert config.operator_emails == {"alice@team.test": 42, "bob@team.test": 7}


def test_the_legacy_object_form_of_operator_emails_is_still_read() -> None:
    """Config files written before operator_emails became a list: {email: user_id}."""
    config = ConvotConfig.parse({"api_token": TOKEN, "operator_emails": {"Alice@Team.test": 42}})
    assert config.operator_emails == {"alice@team.test": 42}


def test_a_legacy_config_file_passes_the_spec_check_as_the_list_form(tmp_path: Path) -> None:
    """The CDK validates the file against spec.json before the connector parses it: it is read upgraded."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"api_token": TOKEN, "operator_emails": {"alice@team.test": 42}}))
    config = DestinationConvot.read_config(str(path))
    assert config["operator_emails"] == [{"email": "alice@team.test", "user_id": 42}]
    spec = DestinationConvot().spec(logging.getLogger("test"))
    jsonschema.validate(config, spec.connectionSpecification)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(path.read_text()), spec.connectionSpecification)


def test_default_ledger_lives_under_local_when_writable_else_in_the_user_state_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docker_dir = tmp_path / "local"
    docker_dir.mkdir()
    assert default_ledger_path(docker_dir) == docker_dir / "destination-convot" / "ledger.sqlite"
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert (
        default_ledger_path(tmp_path / "absent")
        == tmp_path / "state" / "destination-convot" / "ledger.sqlite"
    )
