"""Which credential values an HTTP header can carry, checked before any request.

HTTP headers are Latin-1 on the wire and requests refuses line breaks in them: a key with `é`, `€`, a
Cyrillic letter, a space or a CR/LF would crash the first request (with an error quoting a character of the
secret and its position) or, worse, split the header. Real tokens (Crisp's, Convot's) are visible ASCII, so
that is what is accepted. The explanation never contains the value, its length or where it went wrong: any
part of a secret in a log is a part an attacker does not have to guess.
"""

from __future__ import annotations

MAX_LENGTH = 1024  # far above any real token; a header of megabytes is refused by servers, not understood
VISIBLE_ASCII = (
    "visible ASCII characters only (letters, digits and punctuation; no spaces, line breaks or accents)"
)


def secret_problem(value: str, *, forbidden: str = "") -> str | None:
    """None when `value` (already stripped of surrounding spaces) can be sent in a header as it is, else what
    is accepted, in words that reveal nothing about the value."""
    if len(value) > MAX_LENGTH:
        return f"at most {MAX_LENGTH} characters long"
    if not all("!" <= character <= "~" for character in value):
        return VISIBLE_ASCII
    for character in forbidden:
        if character in value:
            return f"without '{character}'"
    return None
