from __future__ import annotations

import sys

from destination_convot.destination import DestinationConvot


def run() -> None:
    DestinationConvot().run(sys.argv[1:])
