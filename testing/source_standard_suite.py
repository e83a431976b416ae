"""The CDK's standard test suite of source-crisp, aimed at the Crisp sandbox.

integration_tests/test_source_standard.py runs it (`make test`); connectors/source-crisp/conftest.py hands it
to the CDK's CLI (`airbyte-cdk connector test`). Its configs are written under .tmp/acceptance/ by the module
fixture, before any test reads them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase
from boltons.typeutils import classproperty

from integration_tests import acceptance
from sandboxes.crisp import CrispSandbox
from source_crisp import SourceCrisp


@pytest.fixture(scope="module", autouse=True)
def sandbox_configs() -> Iterator[CrispSandbox]:
    with CrispSandbox(size="tiny", seed=7, port=0) as sandbox:
        acceptance.write_local_configs(sandbox.source_config())
        yield sandbox


class TestSourceCrispStandard(SourceTestSuiteBase):
    connector = SourceCrisp

    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return acceptance.ROOT

    @classproperty
    def acceptance_test_config(cls) -> Any:
        return acceptance.for_the_standard_tests()
