from __future__ import annotations

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp.config import Comparison, CrispConfig, ReferenceKind
from testing.source_builders import SECRET_KEY, config


def test_defaults_follow_the_design():
    parsed = CrispConfig.from_mapping(config(api_url=None))
    assert (parsed.tier, parsed.page_size, parsed.api_url) == ("plugin", 50, "https://api.crisp.chat/v1")
    assert parsed.incremental.comparison == Comparison.NEWER_THAN
    assert parsed.incremental.reference == ReferenceKind.LAST_SUCCESSFUL_RUN
    assert SECRET_KEY not in repr(parsed)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"website_id": "not-a-uuid"}, "website_id"),
        ({"identifier": ""}, "identifier"),
        ({"key": None}, "key"),
        ({"tier": "admin"}, "tier"),
        ({"page_size": 100}, "page_size"),
        ({"page_size": 19}, "page_size"),
        ({"api_url": "ftp://x"}, "api_url"),
        ({"max_requests_per_minute": 0}, "max_requests_per_minute"),
        ({"incremental": "newer"}, "incremental"),
        ({"incremental": {"comparison": "equal"}}, "incremental.comparison"),
        ({"incremental": {"reference": {"type": "yesterday"}}}, "incremental.reference.type"),
        (
            {"incremental": {"reference": {"type": "fixed_date", "date": "soon"}}},
            "incremental.reference.date",
        ),
        (
            {"incremental": {"reference": {"type": "variable", "value": "$NOPE_UNSET"}}},
            "incremental.reference.value",
        ),
    ],
)
def test_bad_field_is_a_config_error_naming_it(overrides, field):
    with pytest.raises(AirbyteTracedException) as error:
        CrispConfig.from_mapping(config(**overrides), environ={})
    assert error.value.failure_type == FailureType.config_error
    assert f"'{field}'" in error.value.message or field in error.value.message


def test_variable_reference_from_environment():
    raw = config(
        incremental={"comparison": "older_than", "reference": {"type": "variable", "value": "$SINCE"}}
    )
    parsed = CrispConfig.from_mapping(raw, environ={"SINCE": "1714521600"})
    assert parsed.incremental.reference_ms == 1714521600000
    assert parsed.incremental.comparison == Comparison.OLDER_THAN
