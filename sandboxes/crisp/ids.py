"""Deterministic, reversible identifiers and hashing.

Every generated id encodes its own index (XOR-masked in the last UUID group), so a route can turn an id back
into an index in O(1) without holding a 100k-entry lookup table in memory (the large size must stay lean).
"""

from __future__ import annotations

_MASK64 = (1 << 64) - 1
_MASK48 = (1 << 48) - 1
# An odd multiplier is a bijection modulo 2**48: neighbouring indexes give unrelated-looking id tails.
_SPREAD = 0x5DEECE66D
_UNSPREAD = pow(_SPREAD, -1, 1 << 48)

# One number per id family, so the same index gives unrelated ids in different families.
KINDS = {
    "website": 1,
    "session": 2,
    "people": 3,
    "visitor": 4,
    "operator": 5,
    "article": 6,
    "category": 7,
    "section": 8,
    "locale": 9,
    "inbox": 10,
    "team": 11,
    "campaign": 12,
    "template": 13,
    "spam": 14,
    "redirection": 15,
}


def mix(*parts: int) -> int:
    """A fast 64-bit hash of integers (splitmix-style); the source of all dataset randomness."""
    h = 0x9E3779B97F4A7C15
    for part in parts:
        h = ((h ^ (part & _MASK64)) * 0xBF58476D1CE4E5B9) & _MASK64
        h ^= h >> 31
        h = (h * 0x94D049BB133111EB) & _MASK64
        h ^= h >> 29
    return h


def make_uuid(seed: int, kind: str, index: int) -> str:
    code = KINDS[kind]
    head = f"{mix(seed, code, index):016x}"
    variant = mix(seed, code, index, 1)
    tail = ((index * _SPREAD) & _MASK48) ^ (mix(seed, code) & _MASK48)
    return (
        f"{head[:8]}-{head[8:12]}-4{head[13:16]}-{'89ab'[variant & 3]}{variant >> 8 & 0xFFF:03x}-{tail:012x}"
    )


def parse_uuid(seed: int, kind: str, text: str, count: int) -> int | None:
    """Index encoded in `text`, or None when it is not an id this dataset generated."""
    if len(text) != 36:
        return None
    try:
        index = ((int(text[24:], 16) ^ (mix(seed, KINDS[kind]) & _MASK48)) * _UNSPREAD) & _MASK48
    except ValueError:
        return None
    if 0 <= index < count and make_uuid(seed, kind, index) == text:
        return index
    return None


def session_id(seed: int, index: int) -> str:
    return "session_" + make_uuid(seed, "session", index)


def parse_session_id(seed: int, text: str, count: int) -> int | None:
    if not text.startswith("session_"):
        return None
    return parse_uuid(seed, "session", text[len("session_") :], count)
