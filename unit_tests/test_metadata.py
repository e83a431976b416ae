"""The two Airbyte metadata files agree with the schema's required keys, pyproject and the Dockerfile.

The Airbyte registry rejects a metadata file that lacks a required key or uses a value outside the schema's
enums, and a platform that pulls `dockerRepository:dockerImageTag` must get the image this repo builds.
"""

from __future__ import annotations

import json
import re
import tomllib
import uuid
from pathlib import Path

import jsonschema
import pytest
import yaml

from source_crisp.objects import OBJECTS

ROOT = Path(__file__).resolve().parent.parent
METADATA_FILES = {
    "source": ROOT / "metadata.yaml",
    "destination": ROOT / "destination_convot" / "metadata.yaml",
}

# The part of Airbyte's ConnectorMetadataDefinitionV0 that every connector must satisfy.
REQUIRED_SCHEMA = {
    "type": "object",
    "required": ["metadataSpecVersion", "data"],
    "properties": {
        "metadataSpecVersion": {"type": "string"},
        "data": {
            "type": "object",
            "required": [
                "name", "definitionId", "connectorType", "dockerRepository", "dockerImageTag", "license",
                "documentationUrl", "githubIssueLabel", "connectorSubtype", "releaseStage",
            ],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "definitionId": {"type": "string"},
                "connectorType": {"enum": ["source", "destination"]},
                "dockerRepository": {
                    "type": "string", "pattern": "^airbyte/(source|destination)-[a-z0-9-]+$",
                },
                "dockerImageTag": {"type": "string"},
                "license": {"type": "string", "minLength": 1},
                "documentationUrl": {"type": "string", "pattern": "^https://"},
                "githubIssueLabel": {"type": "string", "minLength": 1},
                "connectorSubtype": {
                    "enum": ["api", "database", "datalake", "file", "custom", "message_queue", "unknown",
                             "vectorstore"],
                },
                "releaseStage": {"enum": ["alpha", "beta", "generally_available", "custom"]},
                "supportLevel": {"enum": ["community", "certified", "archived"]},
                "maxSecondsBetweenMessages": {"type": "integer", "minimum": 1},
                "tags": {"type": "array", "items": {"type": "string"}},
                "allowedHosts": {
                    "type": "object", "required": ["hosts"],
                    "properties": {"hosts": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
                },
                "suggestedStreams": {
                    "type": "object", "required": ["streams"],
                    "properties": {"streams": {"type": "array", "items": {"type": "string"}}},
                },
                "connectorBuildOptions": {"type": "object", "required": ["baseImage"]},
            },
        },
    },
}


def load(kind: str) -> dict:
    return yaml.safe_load(METADATA_FILES[kind].read_text())


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def dockerfile_default_base_image() -> str:
    match = re.search(r"^ARG BASE_IMAGE=(\S+)\s*$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert match, "the Dockerfile must declare `ARG BASE_IMAGE=<default>`"
    return match.group(1)


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_metadata_has_every_required_key_with_valid_values(kind):
    metadata = load(kind)
    jsonschema.validate(metadata, REQUIRED_SCHEMA)
    assert metadata["data"]["connectorType"] == kind


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_definition_id_is_a_canonical_uuid(kind):
    definition_id = load(kind)["data"]["definitionId"]
    assert str(uuid.UUID(definition_id)) == definition_id


def test_each_connector_has_its_own_definition_id():
    assert load("source")["data"]["definitionId"] != load("destination")["data"]["definitionId"]


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_image_tag_is_the_distribution_version(kind):
    assert load(kind)["data"]["dockerImageTag"] == pyproject()["project"]["version"]


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_base_image_is_the_dockerfile_default(kind):
    assert load(kind)["data"]["connectorBuildOptions"]["baseImage"] == dockerfile_default_base_image()


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_image_name_is_a_console_script_the_dockerfile_can_run(kind):
    # The entrypoint execs the console script named by CONNECTOR: airbyte/source-crisp -> source-crisp.
    connector = load(kind)["data"]["dockerRepository"].split("/", 1)[1]
    assert connector in pyproject()["project"]["scripts"]
    assert load(kind)["data"]["githubIssueLabel"] == connector
    accepted = re.search(r"case \"\$\{CONNECTOR\}\" in \\\s*([\w|-]+)\)", (ROOT / "Dockerfile").read_text())
    assert accepted, "the Dockerfile must validate CONNECTOR with a case statement"
    assert connector in accepted.group(1).split("|")


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_tags_name_the_language_and_cdk_the_airbyte_tooling_reads(kind):
    assert {"language:python", "cdk:python"} <= set(load(kind)["data"]["tags"])


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_the_connector_page_exists_in_docs(kind):
    connector = load(kind)["data"]["dockerRepository"].split("/", 1)[1]
    assert (ROOT / "docs" / f"{connector}.md").is_file()


def test_suggested_streams_are_streams_the_source_declares():
    assert set(load("source")["data"]["suggestedStreams"]["streams"]) <= {obj.name for obj in OBJECTS}


def test_destination_metadata_ships_inside_the_package():
    package_data = pyproject()["tool"]["setuptools"]["package-data"]["destination_convot"]
    assert "*.yaml" in package_data


SPEC_FILES = {"source": "source_crisp/spec.json", "destination": "destination_convot/spec.json"}


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_the_spec_links_to_the_same_documentation_page_as_the_metadata(kind):
    spec = json.loads((ROOT / SPEC_FILES[kind]).read_text())
    assert spec["documentationUrl"] == load(kind)["data"]["documentationUrl"]


def test_image_labels_name_the_connector_and_its_version():
    """CAT's image test reads io.airbyte.name and io.airbyte.version; the version is the image tag."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'io.airbyte.name="airbyte/${CONNECTOR}"' in dockerfile
    version = re.search(r'io\.airbyte\.version="([^"]+)"', dockerfile)
    assert version, "the Dockerfile must label io.airbyte.version"
    assert version.group(1) == pyproject()["project"]["version"] == load("source")["data"]["dockerImageTag"]


def test_the_connector_can_be_chosen_by_connector_name_as_airbytes_template_does():
    """`airbyte-cdk image build` passes CONNECTOR_NAME, not CONNECTOR: it must pick the entrypoint."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ARG CONNECTOR_NAME=\s*$", dockerfile, re.MULTILINE)
    assert re.search(r"^ARG CONNECTOR=\$\{CONNECTOR_NAME:-source-crisp\}\s*$", dockerfile, re.MULTILINE)
