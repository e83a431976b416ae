"""Config errors name the field and what is accepted, and never quote the token."""

from __future__ import annotations

from pathlib import Path

import pytest

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
        ({"operator_emails": {"alice@team.test": "42"}}, "operator_emails"),
        ({"operator_emails": {"alice": 42}}, "operator_emails"),
        ({"preview": "yes"}, "preview"),
    ],
)
def test_invalid_values_name_the_field_and_never_the_secret(override: dict, field: str) -> None:
    with pytest.raises(ConfigError) as raised:
        ConvotConfig.parse({"api_token": TOKEN, **override})
    assert raised.value.message.startswith(f"{field}:")
    assert "s3cr3t" not in raised.value.message


def test_operator_emails_are_matched_case_insensitively() -> None:
    config = ConvotConfig.parse({"api_token": TOKEN, "operator_emails": {"Alice@Team.test": 42}})
    assert config.operator_emails == {"alice@team.test": 42}


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
