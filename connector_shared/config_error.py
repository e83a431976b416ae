"""The one shape of an error the user fixes in the config (or in what the config points at).

Airbyte reports a `config_error` failure as the user's to fix, and does not retry it as it would a transient
one. Both connectors raise it the same way: the message is the whole explanation (it names the field and what
is accepted), so the internal message is the same text and no stack detail adds to it. A message never quotes
a secret: the callers say "the value given is not shown" instead.
"""

from __future__ import annotations

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException


class ConfigError(AirbyteTracedException):
    """A value the user must fix; reported as a config error (check: FAILED, read or write: failed sync)."""

    def __init__(self, message: str) -> None:
        super().__init__(message=message, internal_message=message, failure_type=FailureType.config_error)
