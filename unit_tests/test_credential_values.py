"""Credentials an HTTP header cannot carry are config errors naming the field, and never quote the secret.

Before, `ключ-секрет` or `sécret€` passed the config and crashed the first request with a traceback
("'latin-1' codec can't encode character '\\u20ac' in position 21"): one character of the secret and where it
stands. A line break inside a key would split the header.
"""

from __future__ import annotations

import base64

import pytest
import requests_mock as rm
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from destination_convot.config import ConvotConfig
from source_crisp.client import CrispClient
from source_crisp.config import CrispConfig
from testing.secret_leaks import control_for, leaks

WEBSITE = "1e0a7f3c-6b2d-4b8e-a1d4-2c9f8e7b6a51"
SOURCE_BASE = {"website_id": WEBSITE, "identifier": "ident-1", "key": "key-1"}

REFUSED = [
    "ключ-секрет",
    "sécret€",
    "sécret",  # Latin-1, but not what a header should carry
    "top\r\nX-Injected: yes",  # header injection
    "top\nsecret",
    "top secret",
    "top\tsecret",
    "top\x00secret",
    "s" * 1025,
]


def source_error(**overrides: object) -> str:
    with pytest.raises(AirbyteTracedException) as raised:
        CrispConfig.from_mapping({**SOURCE_BASE, **overrides}, environ={})
    assert raised.value.failure_type == FailureType.config_error
    return raised.value.message


def destination_error(token: str) -> str:
    with pytest.raises(AirbyteTracedException) as raised:
        ConvotConfig.parse({"api_token": token})
    assert raised.value.failure_type == FailureType.config_error
    return raised.value.message


@pytest.mark.parametrize("field", ["identifier", "key"])
@pytest.mark.parametrize("secret", REFUSED)
def test_a_source_credential_a_header_cannot_carry_is_refused_by_name(field, secret):
    message = source_error(**{field: secret})
    assert f"Config field '{field}'" in message
    assert "visible ASCII" in message or "at most 1024 characters" in message
    assert leaks(secret, message, source_error(**{field: control_for(secret)})) == []


@pytest.mark.parametrize("secret", REFUSED)
def test_a_destination_token_a_header_cannot_carry_is_refused_by_name(secret):
    message = destination_error(f"ck_demo:{secret}")
    assert message.startswith("api_token:")
    assert "ck_<id>:<secret>" in message
    assert leaks(secret, message, destination_error(f"ck_demo:{control_for(secret)}")) == []


def test_an_identifier_with_a_colon_is_refused_as_basic_auth_would_misread_it():
    """Basic auth is base64(identifier:key): the server splits at the first ':', so the key would change."""
    message = source_error(identifier="ident:part")
    assert "'identifier'" in message
    assert "without ':'" in message
    assert CrispConfig.from_mapping({**SOURCE_BASE, "key": "key:with:colons"}).key == "key:with:colons"


@pytest.mark.parametrize("field", ["identifier", "key"])
@pytest.mark.parametrize("empty", ["", "   ", "\n", None])
def test_an_empty_credential_is_required_by_name(field, empty):
    assert f"Config field '{field}' is required" in source_error(**{field: empty})


def test_an_empty_secret_part_of_the_token_is_refused():
    with pytest.raises(AirbyteTracedException, match=r"^api_token: expected a Convot API key"):
        ConvotConfig.parse({"api_token": "ck_demo:"})


def test_spaces_around_a_pasted_key_are_dropped_and_the_header_carries_the_key_itself(requests_mock):
    parsed = CrispConfig.from_mapping(
        {**SOURCE_BASE, "identifier": " ident-1\n", "key": "  key-1 \r\n", "api_url": "http://127.0.0.1:9/v1"}
    )
    requests_mock.get(rm.ANY, json={"error": False, "reason": "resolved", "data": {}})
    CrispClient(parsed).get(f"website/{WEBSITE}")
    sent = requests_mock.request_history[0].headers["Authorization"]
    assert sent == "Basic " + base64.b64encode(b"ident-1:key-1").decode()
    assert ConvotConfig.parse({"api_token": "  ck_demo:s3cret\n"}).api_token == "ck_demo:s3cret"


def test_the_longest_accepted_secret_is_sent_whole():
    assert CrispConfig.from_mapping({**SOURCE_BASE, "key": "k" * 1024}).key == "k" * 1024
    assert len(ConvotConfig.parse({"api_token": "ck_d:" + "s" * 1019}).api_token) == 1024


def test_the_leak_check_finds_what_the_old_messages_gave_away():
    secret = "sécret€"
    old = "'latin-1' codec can't encode character '\\u20ac' in position 21"
    assert leaks(secret, old, "") == ["€", "position"]
    assert leaks(secret, f"got {secret[1:5]!r}", f"got {control_for(secret)[1:5]!r}") != []
    assert leaks(secret, "the key is secret", "the key is secret") == []
