"""Shared pytest fixtures of the integration tests (each sandbox keeps its fixtures in its own package)."""

from sandboxes.convot.pytest_fixtures import convot_api, convot_sandbox  # noqa: F401
from sandboxes.crisp.pytest_fixtures import crisp_sandbox  # noqa: F401
