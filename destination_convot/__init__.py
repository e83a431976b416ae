"""destination-convot: writes what source-crisp reads into a Convot app, re-runnable without duplicates."""

from __future__ import annotations

from destination_convot.destination import DestinationConvot

__all__ = ["DestinationConvot"]
