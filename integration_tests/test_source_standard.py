"""Airbyte's standard tests (spec, check, discover, basic read) of source-crisp against the Crisp sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase

from integration_tests.crisp_sandbox import CrispSandbox
from source_crisp import SourceCrisp

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / ".tmp" / "standard_tests"  # git-ignored; never a user's own secrets/


@pytest.fixture(scope="module", autouse=True)
def sandbox_configs() -> Iterator[CrispSandbox]:
    """The config file acceptance-test-config.yml names, pointing at a sandbox started for this module."""
    with CrispSandbox(size="tiny", seed=7, port=0) as sandbox:
        GENERATED.mkdir(parents=True, exist_ok=True)
        (GENERATED / "source_config.json").write_text(json.dumps(sandbox.source_config()))
        yield sandbox


class TestSourceCrispStandard(SourceTestSuiteBase):
    connector = SourceCrisp

    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return ROOT
