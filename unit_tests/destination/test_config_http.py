"""The API token never travels over plain http, except to loopback (the sandbox) or on explicit opt-in."""

from __future__ import annotations

import pytest

from destination_convot.config import ConfigError, ConvotConfig

TOKEN = "ck_app123:s3cr3t-value"


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/",
        "http://convot.example.com/v1",
        "http://10.0.0.5:8080/v1",
        "http://[fe80::1]/",
    ],
)
def test_plain_http_elsewhere_than_loopback_is_refused_naming_the_risk(url):
    with pytest.raises(ConfigError) as raised:
        ConvotConfig.parse({"api_token": TOKEN, "api_url": url})
    assert raised.value.message.startswith("api_url:")
    assert "unencrypted" in raised.value.message
    assert "allow_insecure_http" in raised.value.message
    assert "s3cr3t" not in raised.value.message


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8800/v1", "http://127.8.9.10/v1", "http://[::1]:8800/v1", "http://localhost/v1"]
)
def test_plain_http_to_loopback_is_the_sandbox_and_allowed(url):
    assert ConvotConfig.parse({"api_token": TOKEN, "api_url": url}).api_url == url.rstrip("/")


def test_the_opt_in_allows_plain_http_and_must_be_a_boolean():
    parsed = ConvotConfig.parse(
        {"api_token": TOKEN, "api_url": "http://docker-host:8800/v1", "allow_insecure_http": True}
    )
    assert parsed.api_url == "http://docker-host:8800/v1"
    with pytest.raises(ConfigError, match=r"^allow_insecure_http:"):
        ConvotConfig.parse(
            {"api_token": TOKEN, "api_url": "http://docker-host/", "allow_insecure_http": "yes"}
        )
