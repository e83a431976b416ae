"""A local emulator of the Convot public API (see assumptions.py for what the docs do not say)."""

from __future__ import annotations

from .faults import ConvotFaults
from .guesses import ConvotGuesses
from .sandbox import ConvotSandbox

__all__ = ["ConvotFaults", "ConvotGuesses", "ConvotSandbox"]
