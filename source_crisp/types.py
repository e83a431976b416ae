"""The four column types, type widening, and coercion of values to a column's type."""

from __future__ import annotations

import json
import math
from enum import Enum
from typing import Any

# What every reader of the output can hold: an `integer` column is a signed 64-bit integer (Airbyte's
# `integer` and most warehouses' BIGINT), a `number` column a finite double. NaN and Infinity (which Python's
# json reads) are no JSON at all, in any column; a longer integer cannot be written as a string of digits
# (over 4300 of them, Python's limit) nor held by an `integer` column.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class ColumnType(Enum):
    STRING = "string"
    LONG = "integer"
    BOOLEAN = "boolean"
    DOUBLE = "number"

    @property
    def json_schema(self) -> dict[str, Any]:
        return {"type": ["null", self.value]}

    @classmethod
    def from_json_schema(cls, schema: dict[str, Any]) -> ColumnType:
        declared = schema.get("type", "string")
        names = [declared] if isinstance(declared, str) else [name for name in declared if name != "null"]
        for column_type in cls:
            if column_type.value in names:
                return column_type
        return cls.STRING


def type_of(value: Any) -> ColumnType | None:
    """The type a sampled value suggests; None (no evidence) for null and for a number no column can hold
    (NaN, an infinity, an integer beyond 64 bits): one hostile value must not widen a column for all."""
    if value is None:
        return None
    if isinstance(value, bool):  # before int: bool is an int subclass
        return ColumnType.BOOLEAN
    if isinstance(value, int):
        return ColumnType.LONG if INT64_MIN <= value <= INT64_MAX else None
    if isinstance(value, float):
        return ColumnType.DOUBLE if math.isfinite(value) else None
    return ColumnType.STRING


def widen(current: ColumnType | None, seen: ColumnType | None) -> ColumnType | None:
    """long + double -> double; any other mix -> string."""
    if current is None or current == seen:
        return seen or current
    if seen is None:
        return current
    if {current, seen} == {ColumnType.LONG, ColumnType.DOUBLE}:
        return ColumnType.DOUBLE
    return ColumnType.STRING


MISFIT = object()  # a value that does not fit its column: emitted as null and counted


# What json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False) builds on every call.
_JSON_TEXT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def to_json_text(value: Any) -> Any:
    """Arrays and objects as compact JSON text (`["customer","billing"]`), unicode kept readable; MISFIT
    when it holds NaN, an infinity or an integer too long to write."""
    try:
        return _JSON_TEXT.encode(value)
    except ValueError:
        return MISFIT


def to_string(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | list | dict):
        return to_json_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return MISFIT
    try:
        return str(value)
    except ValueError:  # an int over 4300 digits
        return MISFIT


def _to_long(value: Any) -> Any:
    if isinstance(value, bool):
        return MISFIT
    if isinstance(value, float) and value.is_integer():  # False for NaN and the infinities
        value = int(value)
    if isinstance(value, int) and INT64_MIN <= value <= INT64_MAX:
        return value
    return MISFIT


def _to_double(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return MISFIT
    try:
        number = float(value)
    except OverflowError:  # an int beyond the largest double
        return MISFIT
    return number if math.isfinite(number) else MISFIT


def _to_boolean(value: Any) -> Any:
    return value if isinstance(value, bool) else MISFIT


COERCERS = {
    ColumnType.STRING: to_string,
    ColumnType.LONG: _to_long,
    ColumnType.DOUBLE: _to_double,
    ColumnType.BOOLEAN: _to_boolean,
}
