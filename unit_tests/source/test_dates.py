from __future__ import annotations

import pytest

from source_crisp.dates import DateValueError, iso_utc, resolve_variable, to_epoch_ms

MAY_1_MS = 1714521600000  # 2024-05-01T00:00:00Z


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01", MAY_1_MS),
        ("2024-05-01T00:00:00Z", MAY_1_MS),
        ("2024-05-01T00:00:00", MAY_1_MS),  # no offset: UTC
        ("2024-05-01T02:00:00+02:00", MAY_1_MS),
        ("2024-05-01T00:00:00.250Z", MAY_1_MS + 250),
        ("1714521600", MAY_1_MS),  # epoch seconds as text
        (1714521600, MAY_1_MS),  # epoch seconds as a number
        ("1714521600000", MAY_1_MS),  # epoch milliseconds as text
        (1714521600000, MAY_1_MS),
        (1714521600.5, MAY_1_MS + 500),
    ],
)
def test_every_accepted_format_gives_epoch_milliseconds(value, expected):
    assert to_epoch_ms(value, "incremental.reference.date") == expected


@pytest.mark.parametrize(
    "value", ["yesterday", "2024-13-01", "01/05/2024", "", None, True, "2024-05-01T25:00"]
)
def test_unparseable_value_names_the_field_and_the_formats(value):
    with pytest.raises(DateValueError) as error:
        to_epoch_ms(value, "incremental.reference.date")
    assert "incremental.reference.date" in str(error.value)
    assert "epoch milliseconds" in str(error.value)


def test_variable_reads_the_environment():
    assert resolve_variable("$SINCE", "f", {"SINCE": "2024-05-01"}) == "2024-05-01"
    assert resolve_variable("2024-05-01", "f", {}) == "2024-05-01"


def test_missing_environment_variable_is_named():
    with pytest.raises(DateValueError, match="'CRISP_SINCE' is not set"):
        resolve_variable("$CRISP_SINCE", "incremental.reference.value", {})


def test_iso_for_filters_has_milliseconds_and_z():
    assert iso_utc(MAY_1_MS + 7) == "2024-05-01T00:00:00.007Z"
