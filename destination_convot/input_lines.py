"""stdin lines -> Airbyte messages: every line a real source can send is read, none is dropped silently.

The CDK wraps stdin as strict UTF-8 and parses with orjson, which refuses what Python sources do send: a lone
surrogate escape (`"\\ud800"`, valid JSON syntax that json.dumps writes for a broken string), `NaN` and
`Infinity` (json.dumps' default), a number beyond a double, a BOM, invalid UTF-8 bytes. The CDK logged such a
line and went on, so the state after it claimed records that were never written. Here:

- the fast path is orjson on the raw bytes (unchanged cost for normal lines);
- a line orjson refuses is decoded leniently (BOM dropped, invalid bytes replaced by U+FFFD) and parsed by the
  stdlib parser, which accepts those forms; then each value Convot could not take is made safe (a lone
  surrogate -> U+FFFD, NaN/Infinity -> null), with a warning naming the stream and the field;
- a line that still cannot be read ends the input there (`UnreadableLine`): the writer stops as on a signal
  (what was read before is written and its states echoed, no state after it), and the run ends with an
  error naming the line number and a short excerpt with the config's secrets masked.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from airbyte_cdk.models import AirbyteMessage, AirbyteMessageSerializer, FailureType, Type
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

logger = logging.getLogger("airbyte")

BOM = b"\xef\xbb\xbf"
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"
EXCERPT_CHARS = 60
MAX_WARNINGS = 20  # one warning per repaired line up to this many; the rest are only counted in the summary

# What the CDK's message model raises on a JSON object that is not a valid Airbyte message.
NOT_A_MESSAGE = (TypeError, ValueError, KeyError, AttributeError, LookupError)


class UnreadableLine(Exception):
    """A line that is neither JSON nor an Airbyte message even when read leniently: the input ends there."""

    def __init__(self, number: int, problem: str, excerpt: str) -> None:
        self.number = number
        super().__init__(
            f"Input line {number} could not be read: {problem} (line starts: {excerpt!r}). The sync stopped "
            "there: what came before it was written and its states echoed, no state after it was. Re-run the "
            "sync to resume; if the same line fails again, the source sent a corrupted or truncated message "
            "(check the source's log around that record)."
        )

    def as_traced(self) -> AirbyteTracedException:
        return AirbyteTracedException(
            message=str(self), internal_message=str(self), failure_type=FailureType.system_error
        )


@dataclass
class Repairs:
    """What lenient reading changed, for the warnings and the end-of-input summary."""

    lines: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    unknown_types: int = 0

    def add(self, kind: str) -> None:
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1

    def summary(self) -> str:
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(self.by_kind.items()))
        return f"{self.lines} input line(s) read leniently: {kinds}"


class InputReader:
    """Iterate with `messages(lines)`; after it ends, `unreadable` tells whether it ended on a bad line."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = [secret for secret in secrets if secret]
        self.repairs = Repairs()
        self.unreadable: UnreadableLine | None = None

    def messages(self, lines: Iterable[bytes | str]) -> Iterator[AirbyteMessage]:
        for number, line in enumerate(lines, start=1):
            raw = line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line
            if not raw or raw.isspace():
                continue  # an empty line carries nothing (a trailing newline, a CRLF blank line)
            try:
                message = self._message(number, raw)
            except UnreadableLine as error:
                self.unreadable = error
                logger.error(str(error))
                break
            if message is not None:
                yield message
        if self.repairs.lines:
            logger.warning(self.repairs.summary())

    def _message(self, number: int, raw: bytes) -> AirbyteMessage | None:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            data = self._lenient(number, raw)
        if not isinstance(data, dict):
            raise self._unreadable(number, raw, f"a JSON {type(data).__name__}, not an Airbyte message")
        try:
            message = AirbyteMessageSerializer.load(data)
        except NOT_A_MESSAGE as error:
            if _unknown_type(data):  # a newer protocol's message type: it carries no record or state
                self.repairs.unknown_types += 1
                kind = str(data["type"])[:40]
                logger.warning(f"Input line {number} skipped: unknown message type {kind!r}.")
                return None
            raise self._unreadable(number, raw, f"not an Airbyte message ({str(error)[:120]})") from None
        body = {Type.RECORD: message.record, Type.STATE: message.state}.get(message.type, True)
        if body is None:
            kind = message.type.value
            raise self._unreadable(number, raw, f"a {kind} message without its {kind.lower()}")
        return message

    def _lenient(self, number: int, raw: bytes) -> Any:
        text = raw.removeprefix(BOM).decode("utf-8", "replace")
        bad_bytes = REPLACEMENT in text and REPLACEMENT not in raw.decode("utf-8", "ignore")
        fixed: list[tuple[str, str]] = []
        try:
            data = _repaired(json.loads(text), "", fixed, flag_replacement=bad_bytes)
        except ValueError as error:  # json.JSONDecodeError
            raise self._unreadable(number, raw, f"not JSON ({str(error)[:120]})") from None
        except RecursionError:  # nested deeper than any record (orjson stops at 1024 levels too)
            raise self._unreadable(number, raw, "JSON nested too deeply to read") from None
        if raw.startswith(BOM):
            fixed.append(("", "byte order mark dropped"))
        if fixed:
            self._warn(number, data, fixed)
        return data

    def _warn(self, number: int, data: Any, fixed: list[tuple[str, str]]) -> None:
        self.repairs.lines += 1
        for _, kind in fixed:
            self.repairs.add(kind)
        if self.repairs.lines > MAX_WARNINGS:
            return
        stream = _stream_of(data)
        fields = "; ".join(f"{path or '(line)'}: {kind}" for path, kind in fixed[:10])
        more = f" (and {len(fixed) - 10} more)" if len(fixed) > 10 else ""
        logger.warning(f"Input line {number} ({stream}) read leniently: {fields}{more}.")

    def _unreadable(self, number: int, raw: bytes, problem: str) -> UnreadableLine:
        excerpt = raw[: EXCERPT_CHARS * 4].decode("utf-8", "replace")[:EXCERPT_CHARS]
        for secret in self._secrets:
            excerpt = excerpt.replace(secret, "****")
        return UnreadableLine(number, problem, _masked_tail(excerpt, self._secrets))


def _masked_tail(excerpt: str, secrets: list[str]) -> str:
    """The excerpt may end inside a secret cut by the length bound: mask any end that begins a secret."""
    for secret in secrets:
        for size in range(min(len(secret), len(excerpt)), 0, -1):
            if excerpt.endswith(secret[:size]) and size >= 4:
                return excerpt[:-size] + "****"
    return excerpt


def _repaired(value: Any, path: str, fixed: list[tuple[str, str]], flag_replacement: bool) -> Any:
    """`value` with what no Convot request could carry made safe; each change recorded as (field, kind)."""
    if isinstance(value, str):
        if LONE_SURROGATE.search(value):
            fixed.append((path, "lone surrogate replaced by U+FFFD"))
            return LONE_SURROGATE.sub(REPLACEMENT, value)
        if flag_replacement and REPLACEMENT in value:
            fixed.append((path, "invalid UTF-8 replaced by U+FFFD"))
        return value
    if isinstance(value, float) and not math.isfinite(value):
        fixed.append((path, f"{value} (not a number JSON allows) read as null"))
        return None
    if isinstance(value, dict):
        return {
            _repaired(key, _child(path, key), fixed, flag_replacement): _repaired(
                item, _child(path, key), fixed, flag_replacement
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_repaired(item, f"{path}[{i}]", fixed, flag_replacement) for i, item in enumerate(value)]
    return value


def _child(path: str, key: str) -> str:
    # Field paths are told relative to the record's data: `record.data.nickname` reads as `nickname`.
    full = f"{path}.{key}" if path else key
    return full.removeprefix("record.data.")


def _stream_of(data: Any) -> str:
    record = data.get("record") if isinstance(data, dict) else None
    if isinstance(record, dict) and isinstance(record.get("stream"), str):
        return f"stream {record['stream'][:60]}"
    return f"a {str(data.get('type'))[:20]} message" if isinstance(data, dict) else "not a message"


def _unknown_type(data: dict[str, Any]) -> bool:
    return isinstance(data.get("type"), str) and data["type"] not in {kind.value for kind in Type}


def binary_lines(stream: Any) -> Iterator[bytes | str]:
    """The CDK hands a UTF-8 TextIOWrapper over stdin; its raw bytes are read instead, so that an invalid
    byte is repaired here rather than raising in the middle of iteration. Other iterables pass through. The
    wrapper stays referenced while its buffer is read: collecting it would close the buffer."""
    buffer = getattr(stream, "buffer", None)
    yield from (stream if buffer is None else buffer)
