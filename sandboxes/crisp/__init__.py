"""Crisp REST API v1 emulator on 127.0.0.1 (see assumptions.py for every undocumented behaviour it picks)."""

from __future__ import annotations

from .faults import Faults
from .sandbox import CrispSandbox
from .tokens import TOKENS, Token

__all__ = ["TOKENS", "CrispSandbox", "Faults", "Token"]
