"""Lets the CDK's own CLI run the project's standard tests of destination-convot, against the Convot sandbox:

    .venv/bin/airbyte-cdk connector test connectors/destination-convot

The CLI needs a directory named after the connector, holding its metadata.yaml (here a link to
destination_convot/metadata.yaml; the package layout stays as it is). It writes a test file there that asks
`create_connector_test_suite` for the suite: this hands it the project's own suite,
testing/destination_standard_suite.py (what `make test` runs through
integration_tests/test_destination_standard.py), with its sandbox fixture.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # testing/ and sandboxes/ are not part of the installed distribution

import airbyte_cdk.test.standard_tests.util as standard_tests_util  # noqa: E402

from testing.destination_standard_suite import (  # noqa: E402
    TestDestinationConvotStandard,
    sandbox_configs,  # noqa: F401  (autouse: the sandbox the suite's configs point at)
)

standard_tests_util.create_connector_test_suite = lambda **_: TestDestinationConvotStandard
