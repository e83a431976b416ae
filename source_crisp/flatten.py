"""Recursive flattening of Crisp objects into underscore-joined columns.

Rules:
- a nested object contributes its leaves: `meta.device.geolocation.city` -> `meta_device_geolocation_city`;
- an array is one leaf holding its JSON text; an empty object contributes nothing;
- an object nested deeper than MAX_DEPTH levels is one leaf holding its JSON text (null, and counted as a
  misfit, when even that is too deep to write): a hostile record cannot exhaust the stack;
- a path that looks like a credential is never a column, at any depth, in any stream (`is_credential`);
- name collisions (two different paths joining to the same name, e.g. the object path `meta.device.timezone`
  and a literal key `meta.device_timezone`): the paths are ordered by (more segments first, then the
  dotted path alphabetically); the first keeps the plain name, the others get the suffix `__k`, with the
  smallest k >= 2 whose name is neither the plain name of any path nor already given
  (`meta_device_timezone__2`; `__3` if a literal key `meta.device_timezone__2` exists). Names are therefore
  injective over the whole path set: no two paths ever share a column, whatever the keys.
  Structured paths are what the Crisp reference documents, so they keep the documented name.

Discovery computes names once from the path set and stores each column's path in the schema (`x-crisp-path`);
read maps paths to columns through that, so the two always agree.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from source_crisp.types import MISFIT, to_json_text

Path = tuple[str, ...]
SEPARATOR = "_"
MAX_DEPTH = 32  # Crisp's deepest documented field has 5 levels (meta.device.geolocation.coordinates.latitude)
MAX_JSON_DEPTH = 64  # levels kept inside one JSON-text leaf; a deeper value is null and counted as a misfit

# A path segment is a credential when one of its words (split on non-alphanumerics and camelCase) is one of
# these, or when its last word is `key` (`key`, `api_key`, `secretKey`); the rest of the path below it goes
# with it. A segment whose first word is `has` or `is` is a flag about a credential (`has_token`), not one.
CREDENTIAL_WORDS = frozenset(
    {
        "token", "tokens", "secret", "secrets", "password", "passwords", "passwd", "passphrase",
        "credential", "credentials", "apikey", "privatekey", "authorization", "cookie", "cookies",
    }
)  # fmt: skip
_FLAG_WORDS = frozenset({"has", "is"})
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_WORD = re.compile(r"[a-z0-9]+")


def is_credential(path: Path) -> bool:
    """True when any segment of `path` looks like a credential (the rule above)."""
    return any(_credential_segment(segment) for segment in path)


@lru_cache(maxsize=4096)  # the same few hundred keys come back on every record; bounded for data-as-keys maps
def _credential_segment(segment: str) -> bool:
    words = _WORD.findall(_CAMEL.sub(r"\1_\2", segment).lower())
    if not words or words[0] in _FLAG_WORDS:
        return False
    return words[-1] == "key" or not CREDENTIAL_WORDS.isdisjoint(words)


def leaves(obj: Mapping[str, Any], prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every leaf of `obj` as (path, value); arrays (and objects at MAX_DEPTH) become JSON text. Credential
    paths are left out."""
    for key, value in obj.items():
        path = (*prefix, str(key))
        if is_credential(path[-1:]):
            continue
        if isinstance(value, Mapping) and len(path) < MAX_DEPTH:
            yield from leaves(value, path)
        elif isinstance(value, list | Mapping):
            yield path, json_leaf(value)
        else:
            yield path, value


def json_leaf(value: list[Any] | Mapping[str, Any]) -> Any:
    """An array or a too-deep object as JSON text, without credential keys at any depth; MISFIT when it is
    nested deeper than MAX_JSON_DEPTH."""
    if _plain(value, MAX_JSON_DEPTH):  # nearly always: the value is its own scrubbed copy, so no copy is made
        return to_json_text(value)
    scrubbed = _without_credentials(value, MAX_JSON_DEPTH)
    return MISFIT if scrubbed is MISFIT else to_json_text(scrubbed)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any, depth_left: int) -> bool:
    """True when `_without_credentials(value, depth_left)` would equal `value` as JSON text: plain dicts and
    lists only (no other mapping), string keys, none a credential, no deeper than `depth_left` levels. A read
    only walk: the copy is made only when something has to go."""
    if value.__class__ is dict:
        if depth_left == 0:
            return False
        for key, item in value.items():
            if key.__class__ is not str or _credential_segment(key):
                return False
            if item.__class__ not in _SCALARS and not _plain(item, depth_left - 1):
                return False
        return True
    if value.__class__ is list:
        if depth_left == 0:
            return False
        return all(item.__class__ in _SCALARS or _plain(item, depth_left - 1) for item in value)
    return not isinstance(value, list | Mapping)


def _without_credentials(value: Any, depth_left: int) -> Any:
    if not isinstance(value, list | Mapping):
        return value
    if depth_left == 0:
        return MISFIT
    if isinstance(value, list):
        items = [_without_credentials(item, depth_left - 1) for item in value]
    else:
        kept = {str(key): item for key, item in value.items() if not _credential_segment(str(key))}
        items = {key: _without_credentials(item, depth_left - 1) for key, item in kept.items()}
    inner = items if isinstance(items, list) else items.values()
    return MISFIT if any(item is MISFIT for item in inner) else items


def column_names(paths: Iterable[Path]) -> dict[Path, str]:
    """Path -> column name, applying the collision rule in the module docstring (injective)."""
    by_name: dict[str, list[Path]] = defaultdict(list)
    for path in set(paths):
        by_name[SEPARATOR.join(path)].append(path)
    taken = set(by_name)  # every plain name is reserved, so no suffixed name can take one
    names: dict[Path, str] = {}
    for name in sorted(by_name):
        first, *others = sorted(by_name[name], key=lambda path: (-len(path), ".".join(path)))
        names[first] = name
        rank = 1
        for path in others:
            rank += 1
            while f"{name}__{rank}" in taken:
                rank += 1
            names[path] = f"{name}__{rank}"
            taken.add(names[path])
    return names


def flatten(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten one object on its own (no schema): the same rule applied to its own paths."""
    values = dict(leaves(obj))
    names = column_names(values)
    return {names[path]: value for path, value in values.items()}
