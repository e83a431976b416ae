"""Recursive flattening of Crisp objects into underscore-joined columns.

Rules:
- a nested object contributes its leaves: `meta.device.geolocation.city` -> `meta_device_geolocation_city`;
- an array is one leaf holding its JSON text; an empty object contributes nothing;
- name collisions (two different paths joining to the same name, e.g. the object path `meta.device.timezone`
  and a literal key `meta.device_timezone`): the paths are ordered by (more segments first, then the
  dotted path alphabetically); the first keeps the plain name, the k-th gets the suffix `__k`
  (`meta_device_timezone__2`).
  Structured paths are what the Crisp reference documents, so they keep the documented name.

Discovery computes names once from the path set and stores each column's path in the schema (`x-crisp-path`);
read maps paths to columns through that, so the two always agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from source_crisp.types import to_json_text

Path = tuple[str, ...]
SEPARATOR = "_"


def leaves(obj: Mapping[str, Any], prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every leaf of `obj` as (path, value); arrays become JSON text."""
    for key, value in obj.items():
        path = (*prefix, str(key))
        if isinstance(value, Mapping):
            yield from leaves(value, path)
        elif isinstance(value, list):
            yield path, to_json_text(value)
        else:
            yield path, value


def column_names(paths: Iterable[Path]) -> dict[Path, str]:
    """Path -> column name, applying the collision rule in the module docstring."""
    by_name: dict[str, list[Path]] = defaultdict(list)
    for path in set(paths):
        by_name[SEPARATOR.join(path)].append(path)
    names: dict[Path, str] = {}
    for name, colliding in by_name.items():
        ordered = sorted(colliding, key=lambda path: (-len(path), ".".join(path)))
        for rank, path in enumerate(ordered, start=1):
            names[path] = name if rank == 1 else f"{name}__{rank}"
    return names


def flatten(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten one object on its own (no schema): the same rule applied to its own paths."""
    values = dict(leaves(obj))
    names = column_names(values)
    return {names[path]: value for path, value in values.items()}
