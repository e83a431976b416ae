"""The CDK internals `CrispStream.read` relies on (source_crisp/streams.py, module docstring) are still there.

`CrispStream.read` replaces the CDK's per-stream read loop and calls its private `Stream._checkpoint_state`.
A CDK upgrade that renames that method, changes its arguments or what it returns, or calls `Stream.read`
differently would otherwise show up as a sync that emits no state (or crashes mid-read) in production. These
tests pin the contract on the CDK itself, with a stream that reads the way CrispStream does.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteStateType,
    AirbyteStream,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteStream,
    DestinationSyncMode,
    SyncMode,
    Type,
)
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.streams import Stream

from source_crisp.streams import CrispStream

READ_ARGUMENTS = [
    "self",
    "configured_stream",
    "logger",
    "slice_logger",
    "stream_state",
    "state_manager",
    "internal_config",
]


class _LikeCrispStream(Stream):
    """Reads the way CrispStream.read does: its own loop, its own checkpoints through _checkpoint_state."""

    primary_key = "id"

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.state: Mapping[str, Any] = {}

    @property
    def name(self) -> str:
        return "things"

    def get_json_schema(self) -> Mapping[str, Any]:
        return {"type": "object", "properties": {"id": {"type": "integer"}}}

    def read(self, configured_stream, logger, slice_logger, stream_state, state_manager, internal_config):
        self.calls.append((configured_stream, stream_state, state_manager, internal_config))
        yield {"id": 1}
        if not internal_config.is_limit_reached(1):
            yield self._checkpoint_state({"page": 2}, state_manager)

    def read_records(self, sync_mode: SyncMode, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        raise AssertionError("a sync must not call read_records: CrispStream.read replaces the loop")


class _Source(AbstractSource):
    def __init__(self, stream: Stream) -> None:
        super().__init__()
        self.stream = stream

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        return [self.stream]


def _catalog() -> ConfiguredAirbyteCatalog:
    stream = AirbyteStream(
        name="things",
        json_schema={"type": "object", "properties": {"id": {"type": "integer"}}},
        supported_sync_modes=[SyncMode.full_refresh],
    )
    configured = ConfiguredAirbyteStream(
        stream=stream, sync_mode=SyncMode.full_refresh, destination_sync_mode=DestinationSyncMode.overwrite
    )
    return ConfiguredAirbyteCatalog(streams=[configured])


def test_crisp_stream_overrides_the_cdk_read_with_the_arguments_the_cdk_declares() -> None:
    assert list(inspect.signature(Stream.read).parameters) == READ_ARGUMENTS
    assert CrispStream.read is not Stream.read  # the override this coupling is about


def test_the_private_checkpoint_method_keeps_its_name_arguments_and_is_not_ours() -> None:
    method = getattr(Stream, "_checkpoint_state", None)
    assert callable(method), "airbyte-cdk no longer has Stream._checkpoint_state: see source_crisp/streams.py"
    assert list(inspect.signature(method).parameters) == ["self", "stream_state", "state_manager"]
    assert CrispStream._checkpoint_state is Stream._checkpoint_state  # we call the CDK's, not a copy


def test_checkpoint_state_records_the_state_and_returns_the_per_stream_state_message() -> None:
    manager = ConnectorStateManager([])
    message = _LikeCrispStream()._checkpoint_state({"page": 2}, manager)
    assert isinstance(message, AirbyteMessage)
    assert message.type == Type.STATE
    assert message.state.type == AirbyteStateType.STREAM
    assert message.state.stream.stream_descriptor.name == "things"
    assert message.state.stream.stream_state.__dict__ == {"page": 2}
    assert manager.get_stream_state("things", None) == {"page": 2}


def test_the_cdk_read_calls_the_stream_read_positionally_and_emits_its_state() -> None:
    stream = _LikeCrispStream()
    messages = list(_Source(stream).read(logging.getLogger("airbyte"), {}, _catalog(), state=None))
    [(configured, stream_state, state_manager, internal_config)] = stream.calls
    assert configured.stream.name == "things"
    assert stream_state == {}
    assert isinstance(state_manager, ConnectorStateManager)
    assert callable(internal_config.is_limit_reached)
    records = [m.record.data for m in messages if m.type == Type.RECORD]
    states = [m.state.stream.stream_state.__dict__ for m in messages if m.type == Type.STATE]
    assert records == [{"id": 1}]
    assert states == [{"page": 2}]
