"""The `--state` file, in every form Airbyte has sent, as per-stream states (or a config error naming it).

The CDK reads only a list of state messages and takes from it the STREAM ones: a legacy dict
(`{"conversations": {"updated_at": 1}}`, what old connections still send) ends in a traceback, and a LEGACY
message (`{"type": "LEGACY", "data": {...}}`) or a message without `type` is dropped without a word, so the
stream silently reads from the start. Accepted here:

- a legacy dict `{stream: state}`, or the same under a LEGACY message's `data`;
- STREAM messages (`type` may be left out when `stream` is there);
- a GLOBAL message's `stream_states` (source-crisp writes no shared state: one that carries some is refused,
  since what it means is unknown);
- an empty file, `null`, `{}` or `[]`: no state.

Each stream's state must be an object; anything else is refused naming where it is and what is accepted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.models import AirbyteStateMessage, AirbyteStateMessageSerializer

from source_crisp.config import config_error

ACCEPTED = (
    "a list of Airbyte state messages (STREAM, GLOBAL without shared_state, or LEGACY), or a legacy object "
    '{"<stream>": {<its state>}}'
)
_MESSAGE_KEYS = {"type", "stream", "global", "data"}


def read_state_file(path: str | None) -> list[AirbyteStateMessage]:
    if not path:
        return []
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except OSError as error:
        raise config_error(f"The state file {path} cannot be read ({error.strerror}).") from None
    if not text.strip():
        return []
    try:
        content = json.loads(text)
    except ValueError as error:
        raise config_error(f"The state file is not valid JSON ({error}); it must be {ACCEPTED}.") from None
    return [_stream_message(name, state) for name, state in per_stream_states(content).items()]


def per_stream_states(content: Any) -> dict[str, dict[str, Any]]:
    """{stream name: its state} from any accepted form; a later state of a stream replaces an earlier one."""
    if content is None:
        return {}
    if isinstance(content, Mapping):
        if content and set(content) <= _MESSAGE_KEYS and ("type" in content or "stream" in content):
            return _from_messages([content])  # one message, not in a list
        return _from_legacy(content, "the state file")
    if isinstance(content, list):
        return _from_messages(content)
    raise _refused("the state file", content)


def _from_messages(messages: list[Any]) -> dict[str, dict[str, Any]]:
    states: dict[str, dict[str, Any]] = {}
    for index, message in enumerate(messages):
        where = f"state message #{index + 1}"
        if not isinstance(message, Mapping):
            raise _refused(where, message)
        kind = str(message.get("type") or "").upper()
        if kind == "STREAM" or (not kind and "stream" in message):
            name, state = _stream_entry(message.get("stream"), where)
            states[name] = state
        elif kind == "LEGACY" or (not kind and "data" in message):
            states.update(_from_legacy(message.get("data"), f"the data of {where} (LEGACY)"))
        elif kind == "GLOBAL":
            states.update(_from_global(message.get("global"), where))
        else:
            raise _refused(where, message)
    return states


def _from_global(value: Any, where: str) -> dict[str, dict[str, Any]]:
    if not isinstance(value, Mapping):
        raise _refused(f"{where} (GLOBAL)", value)
    if value.get("shared_state"):
        raise config_error(
            f"The state file's {where} is a GLOBAL state with a shared_state, which source-crisp never "
            "writes (each of its streams keeps its own state), so it cannot tell what it means. Reset the "
            f"connection's state, or give it as {ACCEPTED}."
        )
    states = {}
    for entry in value.get("stream_states") or []:
        name, state = _stream_entry(entry, f"{where} (GLOBAL)")
        states[name] = state
    return states


def _stream_entry(value: Any, where: str) -> tuple[str, dict[str, Any]]:
    descriptor = value.get("stream_descriptor") if isinstance(value, Mapping) else None
    name = descriptor.get("name") if isinstance(descriptor, Mapping) else None
    if not isinstance(name, str) or not name:
        raise config_error(
            f"The state file's {where} has no stream_descriptor.name; it must be {ACCEPTED}. Fix it or reset "
            "the connection's state."
        )
    return name, _state_object(value.get("stream_state"), f"{where} (stream '{name}')")


def _from_legacy(value: Any, where: str) -> dict[str, dict[str, Any]]:
    if not isinstance(value, Mapping):
        raise _refused(where, value)
    return {str(name): _state_object(state, f"{where} (stream '{name}')") for name, state in value.items()}


def _state_object(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise config_error(
            f'The state file\'s {where} must be an object such as {{"updated_at": 1714566600000}}; got '
            f"{_shown(value)}. Fix it or reset the stream's state."
        )
    return dict(value)


def _stream_message(name: str, state: dict[str, Any]) -> AirbyteStateMessage:
    message = {"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": state}}
    return AirbyteStateMessageSerializer.load(message)


def _refused(where: str, value: Any) -> Exception:
    return config_error(
        f"The state file's {where} is not a state source-crisp can read ({_shown(value)}); it must be "
        f"{ACCEPTED}. Fix it or reset the connection's state."
    )


def _shown(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."
