"""Airbyte's standard tests (spec, check, discover, basic read) of source-crisp against the Crisp sandbox.

They read acceptance-test-config.yml, aimed at the sandbox by integration_tests/acceptance.py. The suite and
its sandbox fixture live in testing/source_standard_suite.py, because the CDK's CLI (connectors/source-crisp)
runs the same suite; importing them here is what makes pytest collect them.
"""

from testing.source_standard_suite import (
    TestSourceCrispStandard,  # noqa: F401  (collected by pytest)
    sandbox_configs,  # noqa: F401  (autouse: the sandbox the suite's configs point at)
)

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]
