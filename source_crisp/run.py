from __future__ import annotations

import sys

from airbyte_cdk.entrypoint import launch

from source_crisp.source import SourceCrisp


def run() -> None:
    launch(SourceCrisp(), sys.argv[1:])
