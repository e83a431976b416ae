"""Both metadata files pass Airbyte's metadata validation, offline.

The schema is Airbyte's own (ConnectorMetadataDefinitionV0, from airbytehq/airbyte-connector-models, shipped
on PyPI as `airbyte-connector-models`), and so is the model its validator loads a file with. The pre-upload
validators that need no network are re-stated below (tags, base image digest, docs page); the ones that ask
Docker Hub (image and base image published, tag not decremented) cannot run here.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from airbyte_connector_models.metadata.v0.connector_metadata_definition_v0 import (
    ConnectorMetadataDefinitionV0,
)

from testing import airbyte_schemas

ROOT = Path(__file__).resolve().parent.parent
METADATA_FILES = {
    "source": ROOT / "metadata.yaml",
    "destination": ROOT / "destination_convot" / "metadata.yaml",
}
# <image>:<tag>@sha256:<digest>: the only form the validator's base-image check accepts.
PINNED_IMAGE = re.compile(r"^[\w.\-/]+:[\w.\-]+@sha256:[0-9a-f]{64}$")


def schema_errors(metadata: dict) -> list[str]:
    return airbyte_schemas.schema_errors(metadata, "ConnectorMetadataDefinitionV0")


def load(kind: str) -> dict:
    return yaml.safe_load(METADATA_FILES[kind].read_text())


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_metadata_validates_against_airbytes_published_schema(kind):
    assert schema_errors(load(kind)) == []


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_metadata_loads_into_the_model_airbytes_validator_uses(kind):
    model = ConnectorMetadataDefinitionV0.model_validate(load(kind))
    assert model.data.connector_type.value == kind


def test_the_schema_check_rejects_what_the_registry_rejects():
    """The schema really is applied: an unknown test suite and a missing required key are reported."""
    broken = copy.deepcopy(load("source"))
    broken["data"]["connectorTestSuitesOptions"].append({"suite": "catTests"})
    del broken["data"]["githubIssueLabel"]
    errors = schema_errors(broken)
    assert any("githubIssueLabel" in error for error in errors), errors
    assert any("catTests" in error for error in errors), errors


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_base_image_is_pinned_by_digest(kind):
    base_image = load(kind)["data"]["connectorBuildOptions"]["baseImage"]
    assert PINNED_IMAGE.match(base_image), f"{base_image} is not <image>:<tag>@sha256:<digest>"


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_tags_are_key_value_pairs_with_a_language(kind):
    tags = load(kind)["data"]["tags"]
    assert all(re.fullmatch(r"[^:\s]+:[^:\s]+", tag) for tag in tags), tags
    assert any(tag.startswith("language:") for tag in tags)


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_icon_is_an_svg_next_to_the_metadata_file(kind):
    icon = METADATA_FILES[kind].parent / load(kind)["data"]["icon"]
    assert icon.suffix == ".svg"
    assert icon.read_text().lstrip().startswith("<svg")


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_acceptance_suite_names_the_secret_it_reads(kind):
    suites = {option["suite"]: option for option in load(kind)["data"]["connectorTestSuitesOptions"]}
    secrets = suites["acceptanceTests"]["testSecrets"]
    assert [secret["fileName"] for secret in secrets] == ["config.json"]
