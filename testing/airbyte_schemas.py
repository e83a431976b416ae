"""Airbyte's published JSON schemas for metadata.yaml and the registry, from `airbyte-connector-models`."""

from __future__ import annotations

import importlib.resources
import json
from typing import Any

import jsonschema


def bundled_schema(name: str) -> dict[str, Any]:
    """The schema `name` (e.g. ConnectorMetadataDefinitionV0). Its sub-schemas keep the `$id` of the YAML file
    each was bundled from, while its `$ref`s point into the bundle (#/properties/data/…): they resolve against
    the root, as in Airbyte's generated models, once the nested `$id`s are dropped."""
    bundled = importlib.resources.files("airbyte_connector_models.metadata.v0")
    schema = json.loads((bundled / f"{name}.json").read_text())

    def without_nested_ids(node: Any, root: bool = False) -> Any:
        if isinstance(node, dict):
            return {k: without_nested_ids(v) for k, v in node.items() if root or k != "$id"}
        if isinstance(node, list):
            return [without_nested_ids(v) for v in node]
        return node

    return without_nested_ids(schema, root=True)


def schema_errors(instance: Any, name: str) -> list[str]:
    validator = jsonschema.Draft7Validator(bundled_schema(name), format_checker=jsonschema.FormatChecker())
    return [f"{'.'.join(map(str, e.path)) or '<root>'}: {e.message}" for e in validator.iter_errors(instance)]
