"""The registry file PyAirbyte resolves names in (demo/local_registry.py) is one Airbyte would
serve; integration_tests/test_pyairbyte.py runs PyAirbyte on it."""

from __future__ import annotations

import json

import yaml

from demo import local_registry
from testing import airbyte_schemas


def test_the_registry_validates_against_airbytes_registry_schema():
    assert airbyte_schemas.schema_errors(local_registry.registry(), "ConnectorRegistryV0") == []


def test_each_connector_is_listed_once_with_its_metadata_and_spec():
    listed = local_registry.registry()
    for name, (metadata_file, spec_file) in local_registry.CONNECTORS.items():
        data = yaml.safe_load(metadata_file.read_text())["data"]
        kind = data["connectorType"]
        [entry] = [e for e in listed[f"{kind}s"] if e["dockerRepository"] == f"airbyte/{name}"]
        assert entry[f"{kind}DefinitionId"] == data["definitionId"]
        assert entry["dockerImageTag"] == data["dockerImageTag"]
        assert entry["spec"] == json.loads(spec_file.read_text())
