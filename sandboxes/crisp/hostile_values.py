"""Hostile bytes and numbers planted in rendered answers (`Faults(hostile_values=True)`): what a server the
project did not write may send, byte for byte, where json.dumps could not write it.

On each conversation list page and each message batch, the first occurrences of a few fields are rewritten:
- conversations: the 1st `meta.nickname` starts with a lone surrogate escape (`\\ud800`), the 2nd with two
  bytes that are not UTF-8 (0xFF 0xFE), the 1st custom-data key `plan` gets a Latin-1 byte (`pl\\xe9n`), the
  1st `unread.operator` is 2**70 (beyond 64 bits), the 1st `latitude` is NaN and the 2nd Infinity;
- messages: the 1st `content` text starts with a lone low surrogate escape (`\\udfff`).
Everything else in the answer is left as the route built it, so a reader that copes loses nothing else.
"""

from __future__ import annotations

import re

BEYOND_INT64 = str(2**70).encode()

# (pattern, replacement of the whole match), applied to the first `count` matches in order.
_Rewrite = tuple[re.Pattern[bytes], tuple[bytes, ...]]
_CONVERSATIONS: tuple[_Rewrite, ...] = (
    (
        re.compile(rb'"meta":\{"nickname":"'),
        (b'"meta":{"nickname":"\\ud800', b'"meta":{"nickname":"\xff\xfe'),
    ),
    (re.compile(rb'"plan":'), (b'"pl\xe9n":',)),
    (re.compile(rb'"unread":\{"operator":-?\d+'), (b'"unread":{"operator":' + BEYOND_INT64,)),
    (re.compile(rb'"latitude":-?[\d.eE+-]+'), (b'"latitude":NaN', b'"latitude":Infinity')),
)
_MESSAGES: tuple[_Rewrite, ...] = ((re.compile(rb'"content":"'), (b'"content":"\\udfff',)),)
BY_ROUTE = {"conversations": _CONVERSATIONS, "conversation_messages": _MESSAGES}


def plant(route_name: str, body: bytes) -> bytes:
    """The body with this route's hostile values planted (unchanged for other routes)."""
    for pattern, replacements in BY_ROUTE.get(route_name, ()):
        pending = iter(replacements)
        body = pattern.sub(lambda _match, pending=pending: next(pending, _match.group(0)), body)
    return body
