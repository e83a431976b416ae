"""The generic Airbyte stream over the objects table.

`CrispStream` reads any object: full refresh, or incremental as an unsorted scan filtered client-side
(checkpointing the page reached). Conversations and their children really differ: conversation_streams.py.

Coupling to the CDK (verified on airbyte-cdk 7.39.1; unit_tests/source/test_cdk_coupling.py checks it):
- `CrispStream.read` replaces `Stream.read`, the CDK's per-stream loop (slices, a checkpoint reader that
  observes each record, a STATE every `state_checkpoint_interval` records). Ours yields the records and the
  `Checkpoint`s our own walks produce, at the places they are safe to resume from (a page reached, a slice
  step), counts the stream's requests, stops at max_requests_per_sync and turns a refused route into this
  stream's error. It still honours the CDK's record limit (`internal_config.is_limit_reached`) and, for a
  read without a cursor, ends with the `NO_CURSOR_STATE_KEY` STATE the CDK's own full refresh sends.
- It relies on `AbstractSource._read_stream` calling `stream.read(configured_stream, logger, slice_logger,
  stream_state, state_manager, internal_config)` positionally, after setting `stream.state`.
- It calls the CDK's private `Stream._checkpoint_state(stream_state, state_manager)`, which records the
  state in the state manager and returns the per-stream STATE message, exactly as the CDK's own loop does
  (no public method does both).
A CDK upgrade must re-check all three (the call signature, the private method's name, arguments and return,
and that `Stream.read` is still what `AbstractSource` calls). `read_records` is there because `Stream`
declares it abstract; a sync never calls it (it yields the full refresh's records, without checkpoints).
The CDK's cursors, slices, HttpStream and paginators are not used. Below this module the CDK appears only as
its exception and error-mapping types (AirbyteTracedException; errors.py, client.py use the HTTP error
mapping); the stream subclasses override `_full_refresh` and `_incremental`, never `read`. `Checkpoint` and
`Output` live in checkpoint.py.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from airbyte_cdk.models import AirbyteStream, ConfiguredAirbyteStream, SyncMode
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.sources.streams.core import NO_CURSOR_STATE_KEY

from source_crisp.access import stream_not_read
from source_crisp.checkpoint import Checkpoint, Output
from source_crisp.client import SyncBudgetSpent
from source_crisp.config import IncrementalSettings, config_error
from source_crisp.cursor_guards import Horizon, validated_state
from source_crisp.dates import record_cursor
from source_crisp.discovery import Discovery, growing_batches
from source_crisp.errors import AccessDenied
from source_crisp.incremental import Coverage, claim, highest, window_for
from source_crisp.objects import CrispObject, Pagination
from source_crisp.reader import Context, CrispReader, Item
from source_crisp.records import RecordShaper, prepare
from source_crisp.resume_place import ResumePlace
from source_crisp.schema_inference import columns_from_schema
from source_crisp.state_origin import StateOrigin


class CrispStream(Stream):
    def __init__(
        self, obj: CrispObject, reader: CrispReader, settings: IncrementalSettings, discovery: Discovery
    ) -> None:
        self.obj = obj
        self._reader = reader
        self._settings = settings
        self._discovery = discovery
        self._schema: Mapping[str, Any] | None = None
        self._state: dict[str, Any] = {}
        self._shaper = RecordShaper([])
        self._logger = logging.getLogger("airbyte")
        self._horizon = Horizon(reader.client.server_now)  # future cursors never become the state
        self._unusable_cursors: Counter[str] = Counter()  # cursor values that are not epoch ms, per field
        self._converted_cursors: Counter[tuple[str, str]] = Counter()  # (field, how) read as seconds or ISO
        self.slice_requests = 0  # of this read's requests, those of a rotating slice (rotating_slice.py)

    # --- what discover shows -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.obj.name

    @property
    def primary_key(self) -> str | list[str]:
        keys = list(self.obj.primary_key)
        return keys[0] if len(keys) == 1 else keys

    @property
    def cursor_field(self) -> str | list[str]:
        return self.obj.default_cursor or []

    @property
    def source_defined_cursor(self) -> bool:
        return False  # users pick any *_at cursor

    @property
    def supports_incremental(self) -> bool:
        return self.obj.incremental

    @property
    def is_resumable(self) -> bool:
        return False  # full refresh does not checkpoint (incremental reads do, whatever this says)

    def as_airbyte_stream(self) -> AirbyteStream:
        # The protocol's stream has no description field: the schema's own `description` carries it, with
        # the stream's request cost, so a user picking streams sees what each costs in quota.
        stream = super().as_airbyte_stream()
        stream.json_schema = {**stream.json_schema, "description": self.obj.description}
        return stream

    def get_json_schema(self) -> Mapping[str, Any]:
        # Called once per record by the CDK: keep it a lookup.
        if self._schema is None:
            self._schema = self._discovery.schema(self.obj)
        return self._schema

    @property
    def state(self) -> Mapping[str, Any]:
        return self._state

    @state.setter
    def state(self, value: Mapping[str, Any]) -> None:
        self._state = dict(value or {})

    # --- read ----------------------------------------------------------------------------------------
    def read(self, configured_stream: ConfiguredAirbyteStream, logger: logging.Logger, *args: Any) -> Any:
        """Replaces the CDK's `Stream.read` (see the module docstring): the stream's read, counting the
        requests it sends (request_counts.py), logged when it ends."""
        counts = self._reader.requests
        self.slice_requests = 0
        try:
            with counts.reading(self.name):
                yield from self._read_stream(configured_stream, logger, *args)
        except AccessDenied as denied:  # this stream only: the CDK reads the others, then fails the sync
            raise stream_not_read(self.name, denied) from denied
        finally:
            self._reader.client.replaced_text.report(self.name, logger)  # characters that were not text
            part = f" ({self.slice_requests:,} of them the rotating slice)" if self.slice_requests else ""
            logger.info(f"{self.name}: {counts.of(self.name):,} requests{part}")

    def _read_stream(
        self,
        configured_stream: ConfiguredAirbyteStream,
        logger: logging.Logger,
        slice_logger: Any,
        stream_state: Mapping[str, Any],
        state_manager: Any,
        internal_config: Any,
    ) -> Iterable[Any]:
        """The CDK's per-stream read, within max_requests_per_sync (_stop_on_budget, _skip_unstarted)."""
        incremental = configured_stream.sync_mode == SyncMode.incremental and self.obj.incremental
        if self._reader.client.budget_spent:
            self._skip_unstarted(incremental)
            return
        progress: Counter[str] = Counter()  # records and checkpoints emitted
        try:
            yield from self._read_configured(
                configured_stream, logger, state_manager, internal_config, incremental, progress
            )
        except SyncBudgetSpent:
            self._stop_on_budget(incremental, progress["records"], progress["checkpoints"])

    def _read_configured(
        self,
        configured_stream: ConfiguredAirbyteStream,
        logger: logging.Logger,
        state_manager: Any,
        internal_config: Any,
        incremental: bool,
        progress: Counter[str],
    ) -> Iterable[Any]:
        configured_schema = configured_stream.stream.json_schema
        # A hand-written catalog without columns means "as discovered", not "no columns".
        self._schema = configured_schema if configured_schema.get("properties") else None
        self._shaper = RecordShaper(columns_from_schema(self.get_json_schema()), self.obj.whole_maps)
        self._logger = logger
        self._horizon = Horizon(self._reader.client.server_now)
        self._unusable_cursors = Counter()
        self._converted_cursors = Counter()
        cursor = self._configured_cursor(configured_stream) if incremental else None
        origin = self._origin(cursor) if cursor is not None else None
        if cursor is not None and origin is not None:
            self._state = origin.applicable(self.name, self._state, logger)  # a state from elsewhere: {}
            output = self._incremental(cursor)
        else:
            if configured_stream.sync_mode == SyncMode.incremental:
                # PyAirbyte and some UIs ask every stream for incremental; a stream with no cursor (a live
                # snapshot or a child without timestamps) can only be read whole, as Airbyte's own sources do.
                logger.info(f"{self.name}: has no cursor field, so it is read in full on every sync")
            output = self._full_refresh()
        for item in output:
            if isinstance(item, Checkpoint):
                self._state = origin.stamp(item.state) if origin is not None else item.state
                progress["checkpoints"] += 1
                if state_manager:
                    yield self._checkpoint_state(self._state, state_manager)
                continue
            yield item
            progress["records"] += 1
            if internal_config.is_limit_reached(progress["records"]):
                break
        if state_manager and not incremental:
            # A read without a cursor still ends with a per-stream STATE, as the CDK's own full refresh
            # does: the platform (and CAT) count the stream's records from its sourceStats, and the
            # marker tells the next sync there is nothing to resume from.
            yield self._checkpoint_state({NO_CURSOR_STATE_KEY: True}, state_manager)
        if self._shaper.misfits:
            logger.warning(
                f"{self.name}: values that did not fit their column type were emitted as null: "
                + ", ".join(f"{column} x{n}" for column, n in sorted(self._shaper.misfits.items()))
            )
        if self._unusable_cursors:
            logger.warning(
                f"{self.name}: cursor values that are not dates in epoch milliseconds (incremental reads "
                "cannot place them, so they skip those records; full refresh emits them): "
                + ", ".join(f"{field} x{n}" for field, n in sorted(self._unusable_cursors.items()))
            )
        if self._converted_cursors:
            logger.warning(
                f"{self.name}: cursor values that were not epoch milliseconds were placed by the instant "
                "they name (emitted as Crisp sent them; the state stays in epoch milliseconds): "
                + ", ".join(
                    f"{field} as {how} x{n}" for (field, how), n in sorted(self._converted_cursors.items())
                )
            )
        if cursor is not None:
            self._horizon.report(self.name, cursor, logger)

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any]]:
        self._shaper = RecordShaper(columns_from_schema(self.get_json_schema()), self.obj.whole_maps)
        yield from (item for item in self._full_refresh() if not isinstance(item, Checkpoint))

    # --- max_requests_per_sync ------------------------------------------------------------------------
    def _stop_on_budget(self, incremental: bool, records: int, checkpoints: int) -> None:
        """The budget ran out inside this stream. Incremental: it ends at its last checkpoint (already
        emitted), the next sync continues from there. Full refresh: it cannot resume, and the part read would
        replace the destination's table, so the stream fails (INCOMPLETE, the sync exits non-zero)."""
        budget = self._reader.client.max_requests_per_sync
        if not incremental:
            reached = f"the sync reached max_requests_per_sync ({budget}) after {records} records"
            raise self._budget_error(reached)
        if checkpoints:
            where = f"its last checkpoint ({checkpoints} page(s) checkpointed, state {self._state})"
        else:
            where = "the state it started from (no checkpoint yet this sync)"
        self._logger.warning(
            f"{self.name}: max_requests_per_sync ({budget}) reached, {self._reader.client.requests_sent} "
            f"requests used this sync: the stream stopped at {where} after emitting {records} records. The "
            "next sync continues from there; records emitted after that checkpoint are emitted again then."
        )

    def _skip_unstarted(self, incremental: bool) -> None:
        budget = self._reader.client.max_requests_per_sync
        self._reader.warn_once(
            "max_requests_per_sync",
            f"max_requests_per_sync ({budget}) reached: the streams not started yet are skipped this sync "
            f"(from {self.name} on); the next sync reads them.",
        )
        if not incremental:
            raise self._budget_error(f"max_requests_per_sync ({budget}) was reached before it started")

    def _budget_error(self, what: str) -> Exception:
        how = (
            f"read {self.name} incrementally for a backfill over several days, or raise max_requests_per_sync"
            if self.obj.incremental
            else f"raise max_requests_per_sync, or deselect {self.name}"
        )
        return config_error(
            f"{self.name}: {what}, so this full refresh is incomplete. It cannot resume, and a partial full "
            "refresh would replace the destination's table with part of it, so it emits no state and the "
            f"sync fails: {how}."
        )

    def _configured_cursor(self, configured_stream: ConfiguredAirbyteStream) -> str:
        chosen = (configured_stream.cursor_field or [self.obj.default_cursor])[0]
        if chosen not in self.obj.cursor_candidates:
            raise config_error(
                f"Stream '{self.name}': cursor field '{chosen}' is not supported; choose one of "
                f"{', '.join(self.obj.cursor_candidates)}."
            )
        return chosen

    def _origin(self, cursor: str) -> StateOrigin:
        """What this read's states are read from (state_origin.py)."""
        return StateOrigin(
            self._reader.website_id, cursor, self._settings.comparison.value, self._reader.page_size
        )

    def _state_for(self, cursor: str) -> dict[str, Any]:
        """The saved state if it belongs to this cursor, checked (cursor_guards.py); another cursor's state
        starts afresh."""
        return validated_state(self.name, cursor, self._state, self._horizon, self._logger)

    def _cursor(self, item: Mapping[str, Any], field: str) -> int | None:
        """The item's cursor value in epoch ms: epoch seconds and ISO text read as the instant they name
        (counted; assumptions.RECORD_SECONDS_FROM); None (counted) when it is no date."""
        raw = item.get(field)
        value, converted_from = record_cursor(raw)
        if value is None and raw is not None:
            self._unusable_cursors[field] += 1
        elif converted_from is not None:
            self._converted_cursors[(field, converted_from)] += 1
        return value

    def _record(self, item: Item, context: Context) -> Mapping[str, Any] | None:
        """The record of one listed item, after its per-item routes; None if it vanished meanwhile."""
        enriched = self._enrich(item, context)
        return None if enriched is None else self._shape(enriched, context)

    def _enrich(self, item: Item, context: Context) -> Item | None:
        """The item after its per-item routes (the HTTP part of a record: runs on the fan-out's threads)."""
        return self._reader.enrich(self.obj, item, context) if self.obj.enrichments else item

    def _records(self, listed: list[tuple[Item, Context]]) -> Iterator[Mapping[str, Any]]:
        """The records of one batch of listed items, in order; their per-item routes read through fan_out."""
        if not self.obj.enrichments:
            for item, context in listed:
                yield self._shape(item, context)
            return
        enriched = self._reader.fan_out.map(lambda pair: self._enrich(*pair), listed)
        for (_, context), item in zip(listed, enriched, strict=True):
            if item is not None:
                yield self._shape(item, context)

    def _shape(self, item: Item, context: Context | None = None) -> Mapping[str, Any]:
        return self._shaper.shape(prepare(self.obj, item, context or {}, self._reader.website_id))

    def _items(self) -> Iterable[tuple[Item, Context]]:
        """Every listed item with its parent fields (the helpdesk streams pick their route family)."""
        return self._reader.items(self.obj)

    def _full_refresh(self) -> Output:
        for listed in growing_batches(self._items(), self._reader.page_size):
            yield from self._records(listed)

    def _scan_pages(self, state: dict[str, Any] | None) -> Iterator[tuple[Context, list[Item], dict | None]]:
        """The items of each page of an unsorted scan, and the place to checkpoint after them: with a
        `state` (a top-level paged list), from the place it saved, found in the list as it is now
        (resume_place.py); else the whole list, no place."""
        if state is None:
            for context, page in self._reader.paged(self.obj):
                yield context, page.items, None
            return
        for placed in ResumePlace(self._reader, self.obj, state, self._logger).pages():
            yield {}, placed.items, placed.progress

    def _incremental(self, cursor: str) -> Output:
        """Unsorted scan filtered client-side; top-level paged lists checkpoint the place reached."""
        state = self._state_for(cursor)
        high_water = state.get(cursor)
        coverage = Coverage.from_state(cursor, state)
        window = window_for(self._settings, high_water, coverage)
        resumable = self.obj.parent is None and self.obj.pagination in (
            Pagination.PER_PAGE,
            Pagination.FIXED_PAGE,
        )
        start = state.get("resume_page", 1) if resumable else 1
        scan_high = state.get("scan_high")
        safe_high = state.get("safe_high", scan_high if start > 1 else None)
        for context, items, place in self._scan_pages(state if resumable else None):
            matching = []
            for item in items:
                value = self._cursor(item, cursor)
                if self._horizon.trusted(value):
                    scan_high = highest(scan_high, value)
                if window.matches(value) and not (value is not None and coverage.covers(value)):
                    matching.append((item, context))
            yield from self._records(matching)
            if place is not None:
                progress = place | {"scan_high": scan_high, "safe_high": safe_high}
                yield Checkpoint(
                    coverage.to_state(cursor) | {k: v for k, v in progress.items() if v is not None}
                )
        # Claims exactly what the scan emitted: above the reference (newer_than), below it (older_than).
        top = safe_high if safe_high is not None else scan_high
        yield Checkpoint(claim(window, coverage, top).to_state(cursor))
