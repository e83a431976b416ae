"""The CDK's standard test suite of destination-convot, aimed at the Convot sandbox.

integration_tests/test_destination_standard.py runs it (`make test`); connectors/destination-convot/ hands
it to the CDK's CLI. Its scenarios' configs are written under .tmp/standard_tests/ (git-ignored; one
folder per pytest-xdist worker) by the module fixture: a working key (check succeeds), a revoked one (FAILED).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from airbyte_cdk.test.standard_tests import ConnectorTestScenario, DestinationTestSuiteBase

from destination_convot import DestinationConvot
from sandboxes.convot import ConvotSandbox
from testing.generated_files import generated_dir

ROOT = Path(__file__).resolve().parent.parent


GENERATED = generated_dir("standard_tests")  # git-ignored; never a user's own secrets/


WORKING = GENERATED / "destination_config.json"


REVOKED = GENERATED / "destination_config_revoked_key.json"


@pytest.fixture(scope="module", autouse=True)
def sandbox_configs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConvotSandbox]:
    ledger = tmp_path_factory.mktemp("ledger") / "ledger.sqlite"
    with ConvotSandbox() as sandbox:
        revoked = sandbox.create_token(1)
        sandbox.revoke_token(revoked)
        GENERATED.mkdir(parents=True, exist_ok=True)
        WORKING.write_text(json.dumps(sandbox.destination_config(ledger_path=str(ledger))))
        REVOKED.write_text(json.dumps(sandbox.destination_config(api_token=revoked, ledger_path=str(ledger))))
        yield sandbox


class TestDestinationConvotStandard(DestinationTestSuiteBase):
    connector = DestinationConvot

    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return ROOT

    @classmethod
    def get_scenarios(cls) -> list[ConnectorTestScenario]:
        return [
            ConnectorTestScenario(config_path=WORKING, status="succeed"),
            ConnectorTestScenario(config_path=REVOKED, status="failed"),
        ]
