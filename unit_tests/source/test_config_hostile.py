"""Hostile configs: credentials over plain http, dates a sync cannot use, absurd bounds. Each is a config
error naming the field and what is accepted; none ever quotes the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

import source_crisp
from source_crisp.config import MAX_PAGES_DEFAULT, CrispConfig
from testing.source_builders import SECRET_KEY, config

SPEC = json.loads((Path(source_crisp.__file__).parent / "spec.json").read_text())["connectionSpecification"]


def _config_error(**overrides) -> str:
    with pytest.raises(AirbyteTracedException) as error:
        CrispConfig.from_mapping(config(**overrides), environ={})
    assert error.value.failure_type == FailureType.config_error
    assert SECRET_KEY not in error.value.message
    return error.value.message


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/", "http://api.crisp.chat/v1", "http://192.168.1.10:8700/v1", "http:///v1"],
)
def test_plain_http_elsewhere_than_loopback_is_refused_naming_the_risk(url):
    message = _config_error(api_url=url)
    assert "'api_url'" in message


def test_the_refusal_says_how_to_opt_in():
    assert "'allow_insecure_http'" in _config_error(api_url="http://169.254.169.254/")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8700/v1", "http://[::1]:8700/v1", "http://localhost:8700/v1"]
)
def test_plain_http_to_loopback_is_the_sandbox_and_allowed(url):
    assert CrispConfig.from_mapping(config(api_url=url)).api_url == url


def test_the_opt_in_is_an_advanced_boolean_in_the_spec_that_names_the_risk():
    assert CrispConfig.from_mapping(config(api_url="http://docker-host/v1", allow_insecure_http=True))
    assert "'allow_insecure_http'" in _config_error(api_url="http://docker-host/v1", allow_insecure_http="1")
    option = SPEC["properties"]["allow_insecure_http"]
    assert (option["type"], option["default"], option["group"]) == ("boolean", False, "advanced")
    assert "unencrypted" in option["description"]


@pytest.mark.parametrize(
    "date", ["9999-12-31T23:59:59Z", "99999999999999999999", "1e400", 1e400, "1969-12-31", "-5"]
)
def test_a_reference_date_a_sync_cannot_use_fails_at_check_not_at_read(date):
    message = _config_error(incremental={"reference": {"type": "fixed_date", "date": date}})
    assert "incremental.reference.date" in message
    assert "9998-12-31" in message or "is not a date" in message


def test_the_latest_usable_date_is_accepted_and_can_be_filtered_on():
    from source_crisp.dates import iso_utc

    parsed = CrispConfig.from_mapping(
        config(
            incremental={
                "comparison": "older_than",
                "reference": {"type": "fixed_date", "date": "9998-12-31"},
            }
        )
    )
    assert iso_utc(parsed.incremental.reference_ms + 1000).startswith("9998-12-31T00:00:01")


@pytest.mark.parametrize("value", [0, -1, "10", True, 2.5])
def test_max_pages_per_list_must_be_a_positive_integer(value):
    assert "'max_pages_per_list'" in _config_error(max_pages_per_list=value)


def test_max_pages_per_list_default_matches_the_spec():
    assert CrispConfig.from_mapping(config()).max_pages_per_list == MAX_PAGES_DEFAULT
    assert SPEC["properties"]["max_pages_per_list"]["default"] == MAX_PAGES_DEFAULT


@pytest.mark.parametrize("field", ["people_refresh_syncs", "conversation_refresh_syncs"])
@pytest.mark.parametrize("value", [0, -3, "30", True, 1.5])
def test_refresh_syncs_must_be_a_positive_integer(field, value):
    message = _config_error(**{field: value})
    assert f"'{field}' must be a positive integer" in message
    assert repr(value) in message


@pytest.mark.parametrize("field", ["people_refresh_syncs", "conversation_refresh_syncs"])
def test_refresh_syncs_defaults_match_the_spec(field):
    assert getattr(CrispConfig.from_mapping(config()), field) == SPEC["properties"][field]["default"] == 30
    assert getattr(CrispConfig.from_mapping(config(**{field: 1})), field) == 1
