"""Crisp records (as source-crisp emits them: flat columns, epoch-ms times) -> Convot payloads.

Pure functions, no I/O and no ledger: the writer decides what to send, these decide what it looks like. A
record that cannot be mapped raises `Skipped` with a reason the counters report.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from destination_convot import assumptions

logger = logging.getLogger("airbyte")

Record = Mapping[str, Any]

DATA_PREFIX = "data_"


class Skipped(Exception):
    """This record is deliberately not written; `reason` is what the counters and the log show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# -- small helpers ---------------------------------------------------------------------------------
def iso_from_ms(value: Any) -> str | None:
    """Epoch milliseconds as ISO-8601, or None for anything that is not a time datetime can hold: the
    platform's limits differ (2**70 ms raises OSError on Linux, OverflowError or ValueError elsewhere)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        moment = datetime.fromtimestamp(float(value) / 1000, tz=UTC)
    except (TypeError, ValueError, ArithmeticError, OSError):
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


INT64 = range(-(2**63), 2**63)


def int64_or_none(value: Any) -> int | None:
    """An integer Convot can store (64 bits), from an int, a float (truncated, as int() does) or decimal text;
    else None. A bool is not a number here, and a value beyond 64 bits is no position any API keeps."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = value if isinstance(value, int) else int(float(value))
    except (TypeError, ValueError, ArithmeticError):
        return None
    return number if number in INT64 else None


def parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def json_list(value: Any) -> list[Any]:
    """Arrays arrive as JSON text (source-crisp flattening)."""
    if isinstance(value, list):
        return value
    if not isinstance(value, str) or not value.strip():
        return []
    try:
        parsed = json.loads(value)
    except ValueError:
        return []
    return parsed if isinstance(parsed, list) else []


def content_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]


def message_hash(payload: Mapping[str, Any]) -> str:
    """What makes a message the same message; attribution is left out, so a new operator mapping in the config
    is not mistaken for an edit in Crisp."""
    return content_hash(
        {
            key: payload.get(key)
            for key in ("content", assumptions.MESSAGE_TYPE_FIELD, assumptions.CREATED_AT_FIELD)
        }
    )


def text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def coerced(what: str, field: str, value: Any, outcome: str) -> None:
    """The warning for a value that was changed to fit Convot (the record itself is written)."""
    logger.warning(f"{what}: {field} {str(value)[:40]!r} {outcome}.")


def _scalar(value: Any, what: str = "", field: str = "") -> Any:
    """A custom attribute's value: a scalar as is, except an integer beyond 64 bits, kept exactly as its
    decimal text (as a JSON number most servers would refuse it or round it); anything else as JSON text."""
    if isinstance(value, int) and not isinstance(value, bool) and value not in INT64:
        coerced(what, field, value, "is beyond 64 bits: sent as text")
        return str(value)
    return value if isinstance(value, str | int | float | bool) else json.dumps(value)


def without_none(payload: Mapping[str, Any]) -> dict[str, Any]:
    # Omitted fields are left unchanged by Convot; sending null would clear them.
    return {key: value for key, value in payload.items() if value is not None}


# -- contacts --------------------------------------------------------------------------------------
def contact_external_id(people_id: Any) -> str:
    return assumptions.CONTACT_EXTERNAL_ID.format(people_id=people_id)


def contact_payload(profile: Record) -> dict[str, Any]:
    segments = [str(segment) for segment in json_list(profile.get("segments"))]
    custom = {assumptions.SEGMENTS_ATTRIBUTE: ",".join(segments)} if segments else None
    return without_none(
        {
            "external_id": contact_external_id(profile["people_id"]),
            "email": text_or_none(profile.get("email")),
            "name": text_or_none(profile.get("person_nickname")),
            "phone": text_or_none(profile.get("person_phone")),
            "avatar_url": text_or_none(profile.get("person_avatar")),
            "company": text_or_none(profile.get("company_name")),
            "custom_data": custom,
        }
    )


def data_map(record: Record) -> dict[str, Any]:
    """A record's custom data: the whole map when the source keeps it as JSON text in `data` (every key, one
    discovery never saw included), else its `data_<key>` columns (the keys discovery sampled). Nulls are
    absent keys, not orders to clear."""
    whole = _json_object(record.get("data"))
    if whole is None:
        whole = {
            column[len(DATA_PREFIX) :]: value
            for column, value in record.items()
            if column.startswith(DATA_PREFIX)
        }
    return without_none(whole)


def contact_data_payload(people_data: Record) -> dict[str, Any]:
    """Custom data (`data_map`) -> custom_data scalars."""
    what = f"people data of {people_data['people_id']}"
    custom = {str(key): _scalar(value, what, str(key)) for key, value in data_map(people_data).items()}
    if not custom:
        raise Skipped("people data without attributes")
    return {"external_id": contact_external_id(people_data["people_id"]), "custom_data": custom}


def contact_from_conversation(conversation: Record) -> dict[str, Any]:
    people_id = text_or_none(conversation.get("people_id"))
    email = text_or_none(conversation.get("meta_email"))
    if people_id is None and email is None:
        raise Skipped("conversation without people id or email")
    return without_none(
        {
            "external_id": contact_external_id(people_id) if people_id else None,
            "email": email,
            "name": text_or_none(conversation.get("meta_nickname")),
            "phone": text_or_none(conversation.get("meta_phone")),
            "avatar_url": text_or_none(conversation.get("meta_avatar")),
        }
    )


# -- conversations and messages --------------------------------------------------------------------
def conversation_external_id(session_id: Any) -> str:
    return assumptions.CONVERSATION_EXTERNAL_ID.format(session_id=session_id)


def conversation_status(conversation: Record) -> str:
    return "resolved" if conversation.get("state") == "resolved" else "open"


def conversation_payload(
    conversation: Record, contact_id: Any, first_message: Mapping[str, Any]
) -> dict[str, Any]:
    """The seed is the first message; the conversation starts open, its status is set after the thread."""
    created_at = min(
        filter(
            None,
            [iso_from_ms(conversation.get("created_at")), first_message.get(assumptions.CREATED_AT_FIELD)],
        ),
        key=lambda value: parse_iso(value) or datetime.max.replace(tzinfo=UTC),
        default=None,
    )
    return without_none(
        {
            "contact_id": contact_id,
            "content": first_message["content"],
            assumptions.MESSAGE_TYPE_FIELD: first_message[assumptions.MESSAGE_TYPE_FIELD],
            "operator_id": first_message.get("operator_id"),
            assumptions.CREATED_AT_FIELD: created_at,
            assumptions.EXTERNAL_ID_FIELD: conversation_external_id(conversation["session_id"]),
            "status": "open",
        }
    )


def message_type(message: Record) -> str:
    if message.get("type") == "note":
        return "note"
    return "incoming" if message.get("from") == "user" else "outgoing"


def _link(label: str, url: Any) -> str:
    return f"[{label}]({url})" if url else label


def _choices(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in json_list(value) if isinstance(item, Mapping)]


def _picker(message: Record) -> str:
    lines = [text_or_none(message.get("content_text")) or "Choose an option:"]
    for choice in _choices(message.get("content_choices")):
        mark = " ✓" if choice.get("selected") else ""
        lines.append(f"- {choice.get('label') or choice.get('value')}{mark}")
    return "\n".join(lines)


def _field(message: Record) -> str:
    lines = [text_or_none(message.get("content_text")) or "Form field"]
    if text_or_none(message.get("content_explain")):
        lines.append(f"_{message['content_explain']}_")
    value = text_or_none(message.get("content_value"))
    lines.append(f"Answer: {value}" if value else "Answer: (none)")
    return "\n".join(lines)


def _carousel(message: Record) -> str:
    lines = [text_or_none(message.get("content_text")) or "Carousel"]
    for target in _choices(message.get("content_targets")):
        title = target.get("title") or "Item"
        description = f": {target['description']}" if target.get("description") else ""
        links = [
            _link(action.get("label") or "Open", action.get("url"))
            for action in _choices(target.get("actions"))
        ]
        lines.append(f"- **{title}**{description}" + (f" ({', '.join(links)})" if links else ""))
    return "\n".join(lines)


def _audio(message: Record) -> str:
    duration = message.get("content_duration")
    label = f"Audio message ({duration}s)" if duration else "Audio message"
    return _link(label, message.get("content_url"))


RENDERERS = {
    "file": lambda m: _link(text_or_none(m.get("content_name")) or "File", m.get("content_url")),
    "animation": lambda m: _link("Animation", m.get("content_url")),
    "audio": _audio,
    "picker": _picker,
    "field": _field,
    "carousel": _carousel,
}


def message_content(message: Record) -> str:
    kind = message.get("type")
    if kind == "event":
        raise Skipped("event message (Convot has no creatable activity)")
    renderer = RENDERERS.get(kind)
    content = renderer(message) if renderer else text_or_none(message.get("content"))
    if not content:
        raise Skipped(f"{kind or 'untyped'} message without content")
    return content


def message_payload(message: Record, operator_id: int | None) -> dict[str, Any]:
    kind = message_type(message)
    return without_none(
        {
            "content": message_content(message),
            assumptions.MESSAGE_TYPE_FIELD: kind,
            assumptions.CREATED_AT_FIELD: iso_from_ms(message.get("timestamp")),
            "operator_id": operator_id if kind != "incoming" else None,
        }
    )


# -- contact events (people_events) ------------------------------------------------------------------
def _json_object(value: Any) -> dict[str, Any] | None:
    """A map whose keys are data, as source-crisp keeps it whole: JSON text of an object (None if not one)."""
    if isinstance(value, Mapping):
        return dict(value)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def event_key(event: Record) -> str:
    """The ledger's id of a Crisp people event, which has none of its own: its person, its time and a hash of
    what it says (text and data, parsed, so a change of key order in the JSON text is the same event)."""
    what = content_hash([event.get("text"), data_map(event)])[:16]
    moment = event["timestamp"]
    # 1700000000000 and 1700000000000.0 are the same time; a value that is not one is refused by the route
    # (this only names it in the warning)
    with suppress(TypeError, ValueError, OverflowError):
        moment = int(float(moment))
    return f"{event['people_id']}:{moment}:{what}"


def event_payload(event: Record) -> dict[str, Any]:
    """The documented body of a contact event: `name`, `occurred_at` (ISO-8601), `properties` (scalars)."""
    name = text_or_none(event.get("text"))
    if name is None:
        raise Skipped("event without text")
    what = f"event of {event.get('people_id')}"
    properties = {str(key): _scalar(value, what, str(key)) for key, value in data_map(event).items()}
    color = text_or_none(event.get("color"))
    if color:
        properties.setdefault(assumptions.EVENT_COLOR_PROPERTY, color)
    return without_none(
        {"name": name, "occurred_at": iso_from_ms(event.get("timestamp")), "properties": properties or None}
    )


# -- conversation files ------------------------------------------------------------------------------
def file_key(file: Record) -> str:
    """A Crisp file is the file message with the same fingerprint; without one, its URL names it."""
    fingerprint = file.get("fingerprint")
    if fingerprint is not None:
        return f"{file['session_id']}:{fingerprint}"
    return f"{file['session_id']}:url:{content_hash(file['url'])[:16]}"
