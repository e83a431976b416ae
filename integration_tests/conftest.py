"""Shared pytest fixtures of the integration tests (each sandbox keeps its fixtures in its own package)."""

from integration_tests.convot_sandbox.pytest_fixtures import convot_api, convot_sandbox  # noqa: F401
from integration_tests.crisp_sandbox.pytest_fixtures import crisp_sandbox  # noqa: F401
