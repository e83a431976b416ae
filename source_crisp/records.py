"""From a raw Crisp item to an emitted record: unwrap, drop secrets, add context, flatten, coerce."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from source_crisp.flatten import MAX_DEPTH, flatten, is_credential, json_leaf
from source_crisp.objects import CrispObject
from source_crisp.schema_inference import Column
from source_crisp.types import COERCERS, MISFIT


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
    """

    def __init__(self, columns: list[Column], whole: tuple[str, ...] = ()) -> None:
        self._plan: dict[str, Any] = {}
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
                self._add(column)

    def _add(self, column: Column) -> None:
        assert column.path is not None
        node = self._plan
        for key in column.path[:-1]:
            node = node.setdefault(key, [None, {}])[1]
        node.setdefault(column.path[-1], [None, {}])[0] = (column.name, COERCERS[column.type])

    def shape(self, record: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self._walk(record, self._plan, out)
        if self._pathless:
            for name, value in flatten(record).items():
                if name in self._pathless and value is not None:
                    self._put(out, name, self._pathless[name], value)
        return out

    def _walk(
        self, obj: Mapping[str, Any], plan: dict[str, Any], out: dict[str, Any], depth: int = 1
    ) -> None:
        for key, (leaf, children) in plan.items():
            value = obj.get(key)
            if value is None:
                continue
            if isinstance(value, dict):
                if children:
                    self._walk(value, children, out, depth + 1)
                if leaf is not None and (depth == MAX_DEPTH or leaf[0] in self._whole):
                    self._put(out, leaf[0], leaf[1], json_leaf(value))  # flatten.leaves stops at MAX_DEPTH
                continue
            if leaf is not None:
                if isinstance(value, list):
                    value = json_leaf(value)
                self._put(out, leaf[0], leaf[1], value)

    def _put(self, out: dict[str, Any], name: str, coerce: Any, value: Any) -> None:
        coerced = MISFIT if value is MISFIT else coerce(value)
        if coerced is MISFIT:
            self.misfits[name] += 1
        else:
            out[name] = coerced
