"""The CDK's own CLI finds both connectors: `airbyte-cdk connector test connectors/<name>` (see the
conftest.py files there) collects the project's standard-test suites rather than refusing the repository."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLI = Path(sys.executable).parent / "airbyte-cdk"

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("connector", "scenario"),
    # a scenario only the project's suite has: the CLI's own would find no acceptance-test-config.yml there
    [
        ("source-crisp", "test_check['invalid_config' Test Scenario]"),
        ("destination-convot", "test_check['destination_config_revoked_key' Test Scenario]"),
    ],
)
def test_connector_test_collects_the_projects_standard_suite(connector, scenario):
    result = subprocess.run(
        [str(CLI), "connector", "test", f"connectors/{connector}", "--collect-only"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"<Function {scenario}>" in result.stdout, result.stdout[-2000:]
