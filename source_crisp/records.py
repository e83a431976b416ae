"""From a raw Crisp item to an emitted record: unwrap, drop secrets, add context, flatten, coerce."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from source_crisp.flatten import MAX_DEPTH, flatten, is_credential, json_leaf
from source_crisp.objects import CrispObject
from source_crisp.schema_inference import Column
from source_crisp.types import COERCERS, MISFIT, to_string


def prepare(obj: CrispObject, item: Mapping[str, Any], context: Mapping[str, Any], website_id: str) -> dict:
    """The item as users see it: hoisted, secrets dropped, key-as-data maps as JSON text, parent fields and
    website_id added."""
    record = dict(item)
    if obj.hoist:
        nested = record.pop(obj.hoist, None) or {}
        record.update(nested)
    for secret in obj.never_emit:
        _drop(record, secret.split("."))
    for crisp_name, column in obj.renames.items():
        if crisp_name in record:
            record[column] = record.pop(crisp_name)
    for name in obj.json_fields:
        if isinstance(record.get(name), dict):
            record[name] = json_leaf(record[name])  # credential keys left out here too
    for name, value in context.items():
        record.setdefault(name, value)
    record.setdefault("website_id", website_id)
    return record


def _drop(record: dict, path: list[str]) -> None:
    """Remove the field at a dotted path (`access.password`), copying the sub-objects on the way so the item
    the caller holds keeps its value."""
    head, *rest = path
    if not rest:
        record.pop(head, None)
    elif isinstance(record.get(head), dict):
        record[head] = dict(record[head])
        _drop(record[head], rest)


class RecordShaper:
    """Flattens and coerces records to a fixed set of columns in one walk (no intermediate flat dict).

    Columns come from the configured catalog; a path outside them is not emitted, nor is a credential path
    even when a catalog names it (flatten.is_credential). A value that does not fit its column becomes null
    and is counted in `misfits` (reported once per stream).

    `whole` (CrispObject.whole_maps): dotted paths of maps whose keys are data. Their keys get columns from
    the discovery sample AND the column at the map's own path holds the whole map as JSON text, so a key
    that the sample did not show is still emitted.

    The plan is built once per stream: a tree of steps, one per key of the catalog's paths, in the order the
    columns first name them (which is the order of the record's fields). Each step says what the key holds:
    a column (its name and coercion), the steps below it, and whether a map found there is emitted as JSON
    text (a whole map, or the MAX_DEPTH cap where flatten.leaves stops). A record then costs one dict lookup
    per planned key, nothing per column it lacks beyond that.
    """

    def __init__(self, columns: list[Column], whole: tuple[str, ...] = ()) -> None:
        tree: dict[str, Any] = {}
        paths = {tuple(dotted.split(".")) for dotted in whole}
        self._whole = {column.name for column in columns if column.path in paths}
        self._pathless = {
            column.name: COERCERS[column.type]
            for column in columns
            if column.path is None and not is_credential((column.name,))
        }
        self.misfits: Counter[str] = Counter()
        for column in columns:
            if column.path is not None and not is_credential(column.path):
                _add(tree, column)
        self._plan = self._steps(tree, 1)

    def _steps(self, tree: dict[str, Any], depth: int) -> tuple[_Step, ...]:
        steps = []
        for key, (leaf, children) in tree.items():
            name, coerce = leaf if leaf is not None else (None, None)
            map_as_text = name is not None and (depth == MAX_DEPTH or name in self._whole)
            steps.append((key, name, coerce, self._steps(children, depth + 1), map_as_text))
        return tuple(steps)

    def shape(self, record: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self._walk(record, self._plan, out)
        if self._pathless:
            for name, value in flatten(record).items():
                if name in self._pathless and value is not None:
                    self._put(out, name, self._pathless[name], value)
        return out

    def _walk(self, obj: Mapping[str, Any], plan: tuple[_Step, ...], out: dict[str, Any]) -> None:
        get = obj.get
        for key, name, coerce, children, map_as_text in plan:
            value = get(key)
            if value is None:
                continue
            if isinstance(value, dict):
                if children:
                    self._walk(value, children, out)
                if map_as_text:
                    self._put(out, name, coerce, json_leaf(value))
            elif name is not None:
                if value.__class__ is str and coerce is to_string:
                    out[name] = value  # most values: already what their column holds
                elif isinstance(value, list):
                    self._put(out, name, coerce, json_leaf(value))
                else:
                    self._put(out, name, coerce, value)

    def _put(self, out: dict[str, Any], name: str, coerce: Any, value: Any) -> None:
        coerced = MISFIT if value is MISFIT else coerce(value)
        if coerced is MISFIT:
            self.misfits[name] += 1
        else:
            out[name] = coerced


# (key, column name or None, its coercion or None, the steps below the key, a map there emitted as JSON text)
_Step = tuple[str, str | None, Any, tuple[Any, ...], bool]


def _add(tree: dict[str, Any], column: Column) -> None:
    assert column.path is not None
    node = tree
    for key in column.path[:-1]:
        node = node.setdefault(key, [None, {}])[1]
    node.setdefault(column.path[-1], [None, {}])[0] = (column.name, COERCERS[column.type])
