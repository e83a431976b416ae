"""Shared pytest fixtures of the integration tests (each sandbox keeps its fixtures in its own package)."""

from integration_tests.crisp_sandbox.pytest_fixtures import crisp_sandbox  # noqa: F401
