"""The four column types, type widening, and coercion of values to a column's type."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any


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
    """The type a sampled value suggests; None (no evidence) for null."""
    if value is None:
        return None
    if isinstance(value, bool):  # before int: bool is an int subclass
        return ColumnType.BOOLEAN
    if isinstance(value, int):
        return ColumnType.LONG
    if isinstance(value, float):
        return ColumnType.DOUBLE
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


# What json.dumps(value, ensure_ascii=False, separators=(",", ":")) builds on every call, built once.
_JSON_TEXT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def to_json_text(value: Any) -> str:
    """Arrays and objects as compact JSON text (`["customer","billing"]`), unicode kept readable."""
    return _JSON_TEXT.encode(value)


def to_string(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | list | dict):
        return to_json_text(value)
    return str(value)


def _to_long(value: Any) -> Any:
    if isinstance(value, bool):
        return MISFIT
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return MISFIT


def _to_double(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return MISFIT
    return float(value)


def _to_boolean(value: Any) -> Any:
    return value if isinstance(value, bool) else MISFIT


COERCERS = {
    ColumnType.STRING: to_string,
    ColumnType.LONG: _to_long,
    ColumnType.DOUBLE: _to_double,
    ColumnType.BOOLEAN: _to_boolean,
}
