"""What a stream's read yields: records, and checkpoints of the state reached so far.

Its own module, below the streams, so the helpers that yield checkpoints (the rotating slice, the scans)
need not import the stream module they serve. `CrispStream.read` turns each `Checkpoint` into the CDK's
STATE message (streams.py); everything else it yields is a record.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Checkpoint:
    state: dict[str, Any]


Output = Iterator[Mapping[str, Any] | Checkpoint]
