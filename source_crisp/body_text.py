"""Crisp's answer bytes -> JSON values in which every string (key or value) is valid Unicode.

Rules (a body is never refused for its characters alone: a bad character costs that character, not the page):
- JSON is UTF-8 (RFC 8259 §8.1): a body that is valid UTF-8 is read as UTF-8 whatever charset its
  Content-Type names; a UTF-8 byte order mark in front is skipped.
- A body that is not valid UTF-8 is read in the charset its Content-Type names when Python knows that
  charset (`charset=iso-8859-1`), else as UTF-8 with each invalid byte replaced by U+FFFD.
- A lone surrogate (`"\\ud800"` escaped in the JSON text; Python's json accepts it) is no character: no
  strict reader accepts it in the source's output, so it is replaced by U+FFFD.
- An integer too long for Python to convert (over 4300 digits) is read as infinity, which no column accepts
  (types.py: a misfit, emitted as null and counted).
Each replacement is noted with the record's id and the field (a dotted path), never with the value.
"""

from __future__ import annotations

import codecs
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

REPLACEMENT = "\ufffd"
_BOM = codecs.BOM_UTF8
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # in a decoded str, every surrogate is a lone one
_CHARSET = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
# The keys that name a Crisp record, most specific first (objects.py primary keys).
ID_KEYS = (
    "fingerprint", "session_id", "people_id", "article_id", "section_id", "category_id", "campaign_id",
    "user_id", "team_id", "inbox_id", "template_id", "spam_id", "redirection_id", "locale", "id",
)  # fmt: skip


@dataclass(frozen=True)
class Parsed:
    value: Any
    replaced: Counter[tuple[str, str | None]]  # (field, record id) -> characters replaced by U+FFFD
    charset: str | None = None  # the declared charset the body was read in, when it was not UTF-8


def parse(raw: bytes, content_type: str | None = None) -> Parsed:
    """Raises ValueError (as json.loads does) when the text is not JSON; RecursionError when too deep."""
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    charset = None
    try:
        text = raw.decode("utf-8")
        # A surrogate can only come from an escape here; most bodies have no `\u` escape at all (one scan).
        suspect = b"\\u" in raw and (b"\\ud" in raw or b"\\uD" in raw)
    except UnicodeDecodeError:
        charset = _declared_charset(content_type)
        if charset is not None:
            text = raw.decode(charset, "replace")
            suspect = "\\ud" in text or "\\uD" in text
        else:
            text, suspect = raw.decode("utf-8", "surrogateescape"), True  # each bad byte: one surrogate
    try:
        value = json.loads(text)
    except ValueError as error:
        if "digits" not in str(error):  # "Exceeds the limit (4300 digits) for integer string conversion"
            raise
        value = json.loads(text, parse_int=_int_or_infinity)
    replaced: Counter[tuple[str, str | None]] = Counter()
    if suspect:
        _repair(value, replaced)
    return Parsed(value, replaced, charset)


def _declared_charset(content_type: str | None) -> str | None:
    match = _CHARSET.search(content_type or "")
    if match is None:
        return None
    try:
        name = codecs.lookup(match.group(1)).name
    except LookupError:
        return None
    return None if name.startswith("utf") else name


def _int_or_infinity(digits: str) -> int | float:
    try:
        return int(digits)
    except ValueError:
        return float("-inf") if digits.startswith("-") else float("inf")


def _clean(text: str) -> tuple[str, int]:
    """The text with its lone surrogates replaced, and how many there were. isascii() is a flag check."""
    if text.isascii():
        return text, 0
    return _LONE_SURROGATE.subn(REPLACEMENT, text)


def _repair(body: Any, replaced: Counter[tuple[str, str | None]]) -> None:
    """Replace lone surrogates in every key and string of `body`, in place. Walked with a stack, not
    recursion, so a deeply nested body cannot exhaust Python's stack here. Each item of a list answer is a
    record (named by its id); the envelope's own fields are named as they are (`reason`)."""
    stack: list[tuple[Any, str, str | None]] = []
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        data = body.pop("data")
        _repair_container(body, "", None, replaced, stack)
        for index, item in enumerate(data):
            if isinstance(item, str):
                data[index], count = _clean(item)
                if count:
                    replaced[("data", None)] += count
            elif isinstance(item, dict | list):
                stack.append((item, "", record_id(item)))
        body["data"] = data
    elif isinstance(body, dict) and isinstance(body.get("data"), dict):
        data = body.pop("data")
        _repair_container(body, "", None, replaced, stack)
        stack.append((data, "", record_id(data)))
        body["data"] = data
    else:
        stack.append((body, "", None))
    while stack:
        node, path, record = stack.pop()
        _repair_container(node, path, record, replaced, stack)


def _repair_container(node: Any, path: str, record: str | None, replaced: Counter, stack: list) -> None:
    if isinstance(node, list):
        for index, item in enumerate(node):
            if isinstance(item, str):
                node[index], count = _clean(item)
                if count:
                    replaced[(path or "(item)", record)] += count
            elif isinstance(item, dict | list):
                stack.append((item, path, record))
        return
    if not isinstance(node, dict):
        return
    for key, value in list(node.items()):
        clean_key, count = _clean(key)
        field = f"{path}.{clean_key}" if path else clean_key
        if count:
            replaced[(f"{field} (its key)", record)] += count
            del node[key]  # re-inserted under the clean key (the order of keys changes; nothing reads it)
        if isinstance(value, str):
            value, count = _clean(value)
            if count:
                replaced[(field, record)] += count
        elif isinstance(value, dict | list):
            stack.append((value, field, record))
        node[clean_key] = value


def record_id(record: Any) -> str | None:
    """`session_id=…` for the record an answer carries: its first ID_KEYS key with a scalar value."""
    if not isinstance(record, dict):
        return None
    for key in ID_KEYS:
        value = record.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool):
            shown = _clean(str(value))[0]
            return f"{key}={shown[:60]}"
    return None


class ReplacedText:
    """Characters replaced by U+FFFD during a sync, per stream and field, with the first few records they
    were in; reported once per stream+field (`report`), so a bad field costs one warning, not one per page.
    A record read twice (discover's sample, then the read) counts once. Thread-safe: the fan-out's workers
    parse answers in parallel."""

    SHOWN_RECORDS = 3

    def __init__(self) -> None:
        self._by_record: dict[tuple[str, str], dict[str, int]] = {}  # (stream, field) -> record id -> count
        self._unnamed: Counter[tuple[str, str]] = Counter()  # in items without an id
        self._lock = threading.Lock()

    def add(self, stream: str, replaced: Counter[tuple[str, str | None]]) -> None:
        with self._lock:
            for (field, record), count in replaced.items():
                counts = self._by_record.setdefault((stream, field), {})
                if record is None:
                    self._unnamed[(stream, field)] += count
                else:
                    counts[record] = max(counts.get(record, 0), count)

    def report(self, stream: str, logger: Any) -> None:
        with self._lock:
            keys = sorted(key for key in self._by_record if key[0] == stream)
            lines = [(key[1], self._by_record.pop(key), self._unnamed.pop(key, 0)) for key in keys]
        for field, by_record, unnamed in lines:
            records = list(by_record)
            shown, more = records[: self.SHOWN_RECORDS], len(records) > self.SHOWN_RECORDS
            logger.warning(describe(stream, field, sum(by_record.values()) + unnamed, shown, more))


def describe(where: str, field: str, count: int, records: list[str], more: bool = False) -> str:
    shown = f" (in {', '.join(records)}{', ...' if more else ''})" if records else ""
    return (
        f"{where}: field '{field}': {count} character(s) that are not valid text (invalid UTF-8 bytes or "
        f"lone surrogates) were replaced by U+FFFD{shown}. The rest of the value and of the record are kept."
    )
