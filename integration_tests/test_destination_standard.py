"""Airbyte standard tests (spec, config matches spec, check) of destination-convot on the Convot sandbox.

The suite and its sandbox fixture live in testing/destination_standard_suite.py, because the CDK's CLI
(connectors/destination-convot) runs the same suite; importing them here is what makes pytest collect them.
"""

from testing.destination_standard_suite import (
    TestDestinationConvotStandard,  # noqa: F401  (collected by pytest)
    sandbox_configs,  # noqa: F401  (autouse: the sandbox the suite's configs point at)
)

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]
