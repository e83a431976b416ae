"""Discovered schemas: known fields UNION a bounded live sample, flattened, one of four types per column.

Each column carries its source path as `x-crisp-path`, so read maps paths to names exactly as discover did
(the collision rule in flatten.py is applied once, here).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from source_crisp.flatten import Path, column_names, leaves
from source_crisp.types import ColumnType, type_of, widen

PATH_KEYWORD = "x-crisp-path"


@dataclass(frozen=True)
class Column:
    name: str
    path: Path | None  # None when a configured catalog did not carry paths
    type: ColumnType


def infer_columns(known: Mapping[str, ColumnType], samples: Iterable[Mapping[str, Any]]) -> list[Column]:
    types: dict[Path, ColumnType | None] = {tuple(dotted.split(".")): kind for dotted, kind in known.items()}
    for sample in samples:
        for path, value in leaves(sample):
            types[path] = widen(types[path], type_of(value)) if path in types else type_of(value)
    names = column_names(types)
    columns = [Column(names[path], path, kind or ColumnType.STRING) for path, kind in types.items()]
    return sorted(columns, key=lambda column: column.name)


def json_schema(columns: Iterable[Column]) -> dict[str, Any]:
    properties = {
        column.name: {**column.type.json_schema, PATH_KEYWORD: list(column.path or ())} for column in columns
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "additionalProperties": True,
        "properties": properties,
    }


def columns_from_schema(schema: Mapping[str, Any]) -> list[Column]:
    columns = []
    for name, prop in (schema.get("properties") or {}).items():
        path = prop.get(PATH_KEYWORD) if isinstance(prop, Mapping) else None
        kind = ColumnType.from_json_schema(prop) if isinstance(prop, Mapping) else ColumnType.STRING
        columns.append(Column(name, tuple(path) if path else None, kind))
    return columns
