from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER
from airbyte_cdk.models import ConnectorSpecification
from airbyte_cdk.sources.utils.schema_helpers import split_config

from source_crisp.config import CrispConfig
from source_crisp.source import SourceCrisp


class CrispEntrypoint(AirbyteEntrypoint):
    """The CDK's entrypoint, except that our config parser runs before the generic spec check: its errors name
    the field and what is accepted, where jsonschema only says "7 is less than the minimum of 20"."""

    @staticmethod
    def validate_connection(source_spec: ConnectorSpecification, config: Mapping[str, Any]) -> None:
        CrispConfig.from_mapping(split_config(config)[0])
        AirbyteEntrypoint.validate_connection(source_spec, config)


def run() -> None:
    # As airbyte_cdk.entrypoint.launch, with our entrypoint.
    entrypoint = CrispEntrypoint(SourceCrisp())
    parsed_args = entrypoint.parse_args(sys.argv[1:])
    with PRINT_BUFFER:
        for message in entrypoint.run(parsed_args):
            print(f"{message}\n", end="")  # noqa: T201 - the Airbyte protocol is stdout
