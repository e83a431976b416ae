"""DestinationConvot: thin wiring of config, client, ledger and writer for `check` and `write`."""

from __future__ import annotations

import argparse
import io
import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from airbyte_cdk.destinations import Destination
from airbyte_cdk.exception_handler import init_uncaught_exception_handler
from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteMessage,
    AirbyteMessageSerializer,
    ConfiguredAirbyteCatalog,
    Status,
    Type,
)

from destination_convot import rebuild
from destination_convot.api import ConvotApi
from destination_convot.app_identity import resolve_app
from destination_convot.awaited_facts import AwaitedFacts
from destination_convot.checker import check_convot, probe_guesses
from destination_convot.client import ConvotClient, Pacing
from destination_convot.config import ConfigError, ConvotConfig, upgrade_legacy_fields
from destination_convot.counters import CounterReporter, Counters
from destination_convot.errors import AssumptionFailed, ConvotAuthError, ConvotUnavailable
from destination_convot.input_lines import InputReader, binary_lines
from destination_convot.ledger import LOCK_WAIT_SECONDS, Ledger, LedgerError, explain
from destination_convot.output import Stdout
from destination_convot.work import WorkContext
from destination_convot.writer import ConvotWriter

logger = logging.getLogger("airbyte")
CHECK_PACING = Pacing(max_retries=2, max_rate_limit_waits=5)


class DestinationConvot(Destination):
    """`pacing`, `report_interval` and `ledger_wait` (for another sync's lock) are injectable so tests never
    really wait."""

    def __init__(
        self,
        pacing: Pacing | None = None,
        report_interval: float = 5.0,
        ledger_wait: float = LOCK_WAIT_SECONDS,
    ) -> None:
        self._pacing = pacing
        self._report_interval = report_interval
        self._ledger_wait = ledger_wait
        self._secrets: list[str] = []  # masked in the excerpt of an unreadable input line
        self._input: InputReader | None = None  # set when `write` reads stdin (`_parse_input_stream`)
        self._stopping = threading.Event()  # SIGTERM, SIGINT, or stdout closed: `write` stops cleanly

    def run(self, args: list[str]) -> None:
        """As the CDK's, except that each output message is ONE write, flushed: worker threads log while the
        main thread emits, and print()'s separate newline write would let a log line split a STATE."""
        init_uncaught_exception_handler(logger)
        stdout = Stdout(on_closed=lambda: self._stopping.set())  # a closed stdout stops `write` as SIGTERM
        try:
            for message in self.run_cmd(self.parse_args(args)):
                stdout.emit(json.dumps(AirbyteMessageSerializer.dump(message)) + "\n")
        finally:
            for handler in logging.getLogger().handlers:
                handler.flush()  # the CDK buffers log lines; the summary must not stay behind

    def run_cmd(self, parsed_args: argparse.Namespace) -> Iterable[AirbyteMessage]:
        """As the CDK's, except that our config parser runs before the generic spec check: its errors name the
        field and what is accepted, where jsonschema only says "0 is less than the minimum of 1"."""
        if parsed_args.command in ("check", "write"):
            try:
                ConvotConfig.parse(self.read_config(config_path=parsed_args.config))
            except ConfigError as error:
                if parsed_args.command == "check":
                    yield AirbyteMessage(
                        type=Type.CONNECTION_STATUS,
                        connectionStatus=AirbyteConnectionStatus(status=Status.FAILED, message=error.message),
                    )
                    return
                raise
        yield from super().run_cmd(parsed_args)

    @staticmethod
    def read_config(config_path: str) -> dict[str, Any]:
        """The config file in the current spec's shape: older files keep working (upgrade_legacy_fields)."""
        return upgrade_legacy_fields(Destination.read_config(config_path))

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        try:
            parsed = ConvotConfig.parse(config)
        except ConfigError as error:
            return AirbyteConnectionStatus(status=Status.FAILED, message=error.message)
        api = ConvotApi(ConvotClient(parsed.api_url, parsed.api_token, pacing=self._pacing or CHECK_PACING))
        notes: list[str] = []  # what write will skip with this key, and why
        problem = check_convot(parsed, api, notes)
        if problem:
            return AirbyteConnectionStatus(status=Status.FAILED, message=problem)
        try:
            guesses = "Convot guesses: " + "; ".join(probe_guesses(api))
        except ConvotUnavailable as error:  # the scopes were proven: only the report is incomplete
            guesses = f"Convot guesses: not probed ({error})"
        for note in notes:
            logger.warning(note)
        logger.info(guesses)
        return AirbyteConnectionStatus(status=Status.SUCCEEDED, message=" ".join([*notes, guesses]))

    def write(
        self,
        config: Mapping[str, Any],
        configured_catalog: ConfiguredAirbyteCatalog,
        input_messages: Iterable[AirbyteMessage],
    ) -> Iterable[AirbyteMessage]:
        parsed = ConvotConfig.parse(config)
        self._secrets.append(parsed.api_token)
        self._input = None  # set again by `_parse_input_stream` once the input is first read
        stopping = self._stopping = threading.Event()
        client = ConvotClient(parsed.api_url, parsed.api_token, pacing=self._pacing, stop=stopping)
        counters = Counters(lambda: client.watermark.paused_seconds)
        ledger_file = parsed.ledger_path if not parsed.preview or parsed.ledger_path.exists() else None
        try:
            ledger = Ledger(ledger_file, parsed.app_key, lock_wait=self._ledger_wait)
        except LedgerError as error:
            raise ConfigError(str(error)) from None
        api = ConvotApi(client)
        context = WorkContext(parsed, api, ledger, counters, stopping=stopping)
        context.awaited = AwaitedFacts(configured.stream.name for configured in configured_catalog.streams)
        mode = "PREVIEW (nothing is written)" if parsed.preview else f"ledger {parsed.ledger_path}"
        logger.info(
            f"Writing to Convot at {parsed.api_url}, {mode}, up to {parsed.max_concurrency} requests at once."
        )
        writer = ConvotWriter(context)

        def prepare() -> None:
            """Whose ledger rows these are, and whether Convot holds objects the ledger does not know."""
            resolve_app(ledger, client, parsed.app_key)
            if not parsed.preview and rebuild.start_if_needed(ledger, api):
                context.existing = rebuild.ExistingObjects(api, ledger.path)

        try:
            with CounterReporter(counters, self._report_interval):
                yield from writer.write(self._stop_on_unreadable(input_messages, stopping), prepare)
            if self._input is not None and self._input.unreadable is not None:
                raise self._input.unreadable.as_traced()
            if writer.complete and context.existing is not None:
                rebuild.finish(ledger)
        except ConvotAuthError as error:
            raise error.as_config_error() from None
        except (ConvotUnavailable, AssumptionFailed) as error:
            raise error.as_traced() from None
        except rebuild.RebuildImpossible as error:
            raise ConfigError(str(error)) from None
        except (sqlite3.Error, LedgerError) as error:
            raise ConfigError(str(explain(ledger.path, error))) from None
        finally:
            context.pool.close()
            ledger.close()
            label = "Convot preview" if parsed.preview else "Convot import"
            logger.info(f"{label} summary: {counters.line()}")
            fallbacks = context.api.outcomes.summary()
            if fallbacks:
                logger.warning(f"Convot guesses that did not hold in this run: {fallbacks}")

    def _stop_on_unreadable(
        self, messages: Iterable[AirbyteMessage], stopping: threading.Event
    ) -> Iterator[AirbyteMessage]:
        """An input that ended on an unreadable line is not a complete input: the writer stops as on a signal
        (in-flight writes finish, safe states echoed, no end-of-input pass that would take it as complete)."""
        yield from messages
        if self._input is not None and self._input.unreadable is not None:
            stopping.set()

    def _parse_input_stream(self, input_stream: io.TextIOWrapper) -> Iterable[AirbyteMessage]:
        """Every line a source can send, read by `input_lines.InputReader` from stdin's raw bytes. A line it
        cannot read ends the input there; `write` then stops as on a signal and ends with an error naming it.
        """
        reader = InputReader(secrets=self._secrets)
        self._input = reader
        yield from reader.messages(binary_lines(input_stream))
