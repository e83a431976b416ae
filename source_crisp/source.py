"""SourceCrisp: spec, check, discover and read over the objects table."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from airbyte_cdk.models import (
    AirbyteCatalog,
    AirbyteConnectionStatus,
    AirbyteMessage,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    FailureType,
    Status,
)
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp.access import left_out_line, probe_access, scopes_of, unreadable_summary
from source_crisp.client import AnswerBoundReached, Backoff, CrispClient, Timeouts
from source_crisp.config import CrispConfig, config_error
from source_crisp.conversation_streams import ConversationChildStream, ConversationsStream
from source_crisp.discovery import Discovery
from source_crisp.errors import AccessDenied
from source_crisp.helpdesk import Helpdesk, HelpdeskStream
from source_crisp.objects import OBJECTS, CrispObject, Family
from source_crisp.order_probe import conversation_order
from source_crisp.people_children import PeopleChildStream
from source_crisp.profiles import PeopleProfilesStream
from source_crisp.reader import CrispReader
from source_crisp.scopes import CORE_STREAMS
from source_crisp.state_input import read_state_file
from source_crisp.streams import CrispStream
from source_crisp.waits import ANSWER_BOUND_SECONDS, HEARTBEAT_SECONDS, Waits


@dataclass(frozen=True)
class StreamContext:
    """What the streams of one source run share: built once per `streams()` call."""

    reader: CrispReader
    config: CrispConfig
    discovery: Discovery
    helpdesk: Helpdesk  # the once-per-sync probe of which help center answers


Build = Callable[[CrispObject, StreamContext], CrispStream]

# The stream class of each row, picked by its `family` (objects.Family): the one place that maps a kind of
# object to the code reading it, so every stream is built the same way and none by its name. Each family's
# constructor call; the extra setting a family takes (its refresh syncs, the helpdesk probe)
# is passed here, so the stream classes keep their own signatures.
BUILDERS: Mapping[Family, Build] = MappingProxyType(
    {
        Family.GENERIC: lambda obj, run: CrispStream(obj, run.reader, run.config.incremental, run.discovery),
        Family.CONVERSATION_LIST: lambda obj, run: ConversationsStream(
            obj, run.reader, run.config.incremental, run.discovery
        ),
        Family.PER_CONVERSATION: lambda obj, run: ConversationChildStream(
            obj, run.reader, run.config.incremental, run.discovery, run.config.conversation_refresh_syncs
        ),
        Family.PROFILE_LIST: lambda obj, run: PeopleProfilesStream(
            obj, run.reader, run.config.incremental, run.discovery
        ),
        Family.PER_PROFILE: lambda obj, run: PeopleChildStream(
            obj, run.reader, run.config.incremental, run.discovery, run.config.people_refresh_syncs
        ),
        Family.HELPDESK: lambda obj, run: HelpdeskStream(
            obj, run.reader, run.config.incremental, run.discovery, run.helpdesk
        ),
    }
)

# A family added to objects.Family without a builder fails here, at import, not mid-sync.
if missing := [family.name for family in Family if family not in BUILDERS]:
    raise ImportError(f"source.py: no stream class for the families {', '.join(missing)}")

_ORDER = {obj.name: index for index, obj in enumerate(OBJECTS)}  # discover lists streams in table order


class SourceCrisp(AbstractSource):
    def __init__(
        self,
        backoff: Backoff | None = None,
        timeouts: Timeouts | None = None,
        answer_bound: float = ANSWER_BOUND_SECONDS,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
    ) -> None:
        super().__init__()
        self._backoff = backoff  # tests inject an immediate backoff; None = real waiting
        self._timeouts = timeouts  # tests inject short deadlines; None = the defaults in client.py
        self._answer_bound = answer_bound  # check and discover answer within it (waits.py); tests: shorter
        self._heartbeat_seconds = heartbeat_seconds
        self._bounded = False  # True during check and discover
        self._readers: list[CrispReader] = []  # of the current read: closed when it ends

    def _reader(self, parsed: CrispConfig) -> CrispReader:
        client = CrispClient(
            parsed,
            backoff=self._backoff,
            timeouts=self._timeouts,
            answer_within=self._answer_bound if self._bounded else None,
            waits=Waits(self._heartbeat_seconds),
        )
        reader = CrispReader(client, parsed.website_id, parsed.page_size, parsed.max_pages_per_list)
        self._readers.append(reader)
        return reader

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        """A successful check also says which API guesses hold (`check_notes`)."""
        self.check_notes: list[str] = []
        self._bounded = True
        try:
            status = super().check(logger, config)
        finally:
            self._bounded = False
            self._close_readers()
        if status.status == Status.SUCCEEDED and self.check_notes:
            status.message = "; ".join(self.check_notes)
        return status

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        """The website itself proves the credentials, the tier and access; then which streams the token may
        read (access.py: it must read the conversations or the contacts), and read-only probes log (and
        report) which guesses hold: which helpdesk answers (helpdesk.py), the conversation order
        (order_probe.py). A guess probe never fails the check."""
        try:
            reader = self._reader(CrispConfig.from_mapping(config))
            reader.client.get(reader.path("website/{website_id}", {}))
            denied = probe_access(reader)
            if "helpdesk_locales" not in denied:  # else the list above says so
                Helpdesk(reader, logger).report()  # logs which helpdesk answers
        except AnswerBoundReached as error:  # an answer for the ETL UI, within the bound (waits.py)
            return False, error.message
        except AirbyteTracedException as error:
            if error.failure_type == FailureType.config_error:
                return False, error.message
            raise
        if all(name in denied for name in CORE_STREAMS):
            return False, (
                f"The token can read the website but neither its conversations nor its contacts "
                f"({unreadable_summary(denied)}). Add at least "
                f"{' or '.join(scopes_of(CORE_STREAMS, denied))} to the plugin's token (Crisp Marketplace, "
                "your plugin, Tokens), or use a website token."
            )
        if denied:
            logger.warning(unreadable_summary(denied))
        self.check_notes = [unreadable_summary(denied)] if denied else []
        self.check_notes.append(conversation_order(reader))
        logger.info(self.check_notes[-1])
        return True, None

    @classmethod
    def read_state(cls, state_path: str) -> list[AirbyteStateMessage]:
        """Every form of state file Airbyte sends (the legacy dict included), or a config error naming it."""
        return read_state_file(state_path)

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: Any = None,
    ) -> Iterator[AirbyteMessage]:
        """As the CDK's read, but a catalog naming a stream this source does not have fails before anything is
        read (the CDK would mark it INCOMPLETE, say nothing and exit 0: the user would believe it synced)."""
        known = [obj.name for obj in OBJECTS]
        unknown = [
            configured.stream.name for configured in catalog.streams if configured.stream.name not in known
        ]
        if unknown:
            raise config_error(
                f"The configured catalog names stream(s) source-crisp does not have: {', '.join(unknown)}. "
                f"Its streams are {', '.join(known)}. Refresh the source schema and remove the others from "
                "the connection; nothing was read."
            )
        try:
            yield from super().read(logger, config, catalog, state)
        finally:  # the fan-out's threads and the connections end with the sync
            self._close_readers()

    def discover(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteCatalog:
        """Every stream the token can read. The website first: a wrong key, tier or website, or a plugin not
        installed, fails discover. A stream whose route Crisp refuses to this token (errors.AccessDenied) is
        left out with one line naming what it needs; only a token reading nothing beyond the website fails."""
        self._bounded = True
        try:
            streams = {stream.name: stream for stream in self.streams(config)}
            catalog = [streams.pop("website").as_airbyte_stream()]
            left_out: list[str] = []
            for name, stream in streams.items():
                try:
                    catalog.append(stream.as_airbyte_stream())
                except AccessDenied as denied:
                    left_out.append(name)
                    logger.warning(left_out_line(name, denied, left_out))
            if not streams.keys() - set(left_out):
                raise config_error(
                    "The token can read the website but none of its streams. Add the Crisp scopes of the "
                    f"streams you want to the plugin's token (Crisp Marketplace, your plugin, Tokens), at "
                    f"least {' or '.join(scopes_of(CORE_STREAMS, left_out))}, or use a website token."
                )
            return AirbyteCatalog(streams=sorted(catalog, key=lambda s: _ORDER[s.name]))
        finally:
            self._bounded = False
            self._close_readers()

    def _close_readers(self) -> None:
        while self._readers:
            self._readers.pop().close()

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        parsed = CrispConfig.from_mapping(config)
        reader = self._reader(parsed)
        run = StreamContext(reader, parsed, Discovery(reader), Helpdesk(reader))
        # Each row's family picks its stream class (BUILDERS).
        return [BUILDERS[obj.family](obj, run) for obj in OBJECTS]
