"""What source-crisp must emit for a raw Crisp object, by an independent path walk (not flatten.py):
the end-to-end read tests compare every record with it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

# --- the independent expectation --------------------------------------------------------------------------
# Maps emitted whole, as JSON text: a message's ignored/properties, a spam's metadata/headers.
KEYS_ARE_DATA = {("ignored",), ("properties",), ("metadata",), ("headers",)}


# Custom data: a column per key AND the whole map as JSON text in the column of the map's own path.
WHOLE_AND_PER_KEY = {"people_data": {("data",)}, "conversations": {("meta", "data")}}


def paths(
    obj: dict[str, Any], prefix: tuple[str, ...] = (), whole: set[tuple[str, ...]] | None = None
) -> Iterator[tuple[tuple[str, ...], Any]]:
    for key, value in obj.items():
        path = (*prefix, key)
        if not isinstance(value, dict):
            yield path, value
            continue
        if path in KEYS_ARE_DATA or path in (whole or set()):
            yield path, json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        if path not in KEYS_ARE_DATA:
            yield from paths(value, path, whole)


def column(path: tuple[str, ...]) -> str:
    # The documented collision rule for the sandbox's real collision: the object path keeps the name.
    return "_".join(path) + ("__2" if path == ("meta", "device_timezone") else "")


def expected(raw: dict[str, Any], types: dict[str, str], stream: str = "") -> dict[str, Any]:
    out = {}
    for path, value in paths(raw, whole=WHOLE_AND_PER_KEY.get(stream)):
        name = column(path)
        if value is None or name not in types:
            continue
        if isinstance(value, list):
            value = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        if types[name] == "string" and not isinstance(value, str):
            value = json.dumps(value) if isinstance(value, bool) else str(value)
        elif types[name] == "number":
            value = float(value)
        out[name] = value
    return out
