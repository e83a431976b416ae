"""The stream class of each row, picked by its `family` (objects.Family): the one place that maps a kind of
object to the code reading it, so source.py builds every stream the same way and never decides by name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from source_crisp.config import CrispConfig
from source_crisp.conversation_streams import ConversationChildStream, ConversationsStream
from source_crisp.discovery import Discovery
from source_crisp.helpdesk import Helpdesk, HelpdeskStream
from source_crisp.objects import CrispObject, Family
from source_crisp.people_children import PeopleChildStream
from source_crisp.profiles import PeopleProfilesStream
from source_crisp.reader import CrispReader
from source_crisp.streams import CrispStream


@dataclass(frozen=True)
class StreamContext:
    """What the streams of one source run share: built once per `streams()` call."""

    reader: CrispReader
    config: CrispConfig
    discovery: Discovery
    helpdesk: Helpdesk  # the once-per-sync probe of which help center answers


Build = Callable[[CrispObject, StreamContext], CrispStream]

# Each family's constructor call; the extra setting a family takes (its refresh syncs, the helpdesk probe)
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
    raise ImportError(f"stream_registry.py: no stream class for the families {', '.join(missing)}")


def build_stream(obj: CrispObject, run: StreamContext) -> CrispStream:
    return BUILDERS[obj.family](obj, run)
