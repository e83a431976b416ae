"""Does an output give away any part of a secret?

A piece of three characters of `sécret€` ('cre', 'ret') is also a piece of ordinary words ('secret',
'credentials'), so a bare substring search cannot tell a leak from the message's own words. Each check
therefore compares with the output for a control secret of the same kind (same length, same classes of
characters, different characters): a piece of the secret that is in the output but not in the control's
output comes from the secret. Characters outside visible ASCII (the old message's '\\u20ac' and its
'position 21') are searched for directly, raw and JSON-escaped.
"""

from __future__ import annotations

import codecs
import json


def control_for(secret: str) -> str:
    """The same kind of secret with other characters: letters rotated, digits shifted, non-ASCII moved."""

    def other(c: str) -> str:
        if c.isascii() and c.isalpha():
            return codecs.encode(c, "rot13")
        if c.isascii() and c.isdigit():
            return str((int(c) + 5) % 10)
        if not c.isascii():
            return chr(ord(c) + 1)
        return c

    return "".join(other(c) for c in secret)


def leaks(secret: str, output: str, control_output: str) -> list[str]:
    pieces = {secret[i : i + 3] for i in range(len(secret) - 2)}
    found = [p for p in pieces if p in output and p not in control_output]
    odd = {c for c in secret if not c.isascii() or not c.isprintable()} - {"\n", "\r", "\t"}
    found += [c for c in odd if c in output or json.dumps(c)[1:-1] in output or repr(c)[1:-1] in output]
    if "position" in output:
        found.append("position")
    return found
