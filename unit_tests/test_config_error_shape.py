"""Both connectors report a config the user must fix in one shape (connector_shared/config_error.py).

The same wrong api_url given to each connector must come back as the same exception type, marked as the
user's to fix (Airbyte does not retry a config error), with a message that names the field and is the whole
story (the internal message adds nothing), and without the secret.
"""

from __future__ import annotations

import pytest
from airbyte_cdk.models import FailureType

from connector_shared.config_error import ConfigError
from destination_convot.config import ConvotConfig
from source_crisp.config import CrispConfig

CRISP_KEY = "crisp-key-that-must-stay-hidden"
CONVOT_TOKEN = "ck_demo:convot-secret-that-must-stay-hidden"
PLAIN_HTTP_ELSEWHERE = "http://crisp.example.com/v1"


def _source_error() -> ConfigError:
    raw = {
        "website_id": "1e0a7f3c-6b2d-4b8e-a1d4-2c9f8e7b6a51",
        "identifier": "crisp-identifier",
        "key": CRISP_KEY,
        "tier": "plugin",
        "api_url": PLAIN_HTTP_ELSEWHERE,
    }
    with pytest.raises(ConfigError) as raised:
        CrispConfig.from_mapping(raw, environ={})
    return raised.value


def _destination_error() -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        ConvotConfig.parse({"api_token": CONVOT_TOKEN, "api_url": PLAIN_HTTP_ELSEWHERE})
    return raised.value


@pytest.mark.parametrize(
    ("make_error", "secret"), [(_source_error, CRISP_KEY), (_destination_error, "secret")]
)
def test_a_config_error_has_one_shape_in_both_connectors(make_error, secret: str) -> None:
    error = make_error()
    assert error.failure_type == FailureType.config_error
    assert "api_url" in error.message
    assert "allow_insecure_http" in error.message  # what would make it accepted
    assert error.internal_message == error.message
    assert secret not in error.message
