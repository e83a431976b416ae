"""The objects table decides each stream's policy: its family picks the stream class, and a row whose policy
contradicts its parent fails when the table is loaded, not during a sync."""

from __future__ import annotations

import dataclasses

import pytest

from source_crisp import SourceCrisp
from source_crisp.conversation_streams import ConversationChildStream, ConversationsStream
from source_crisp.helpdesk import HelpdeskStream
from source_crisp.objects import BY_NAME, OBJECTS, Family, _check_families
from source_crisp.people_children import PeopleChildStream
from source_crisp.profiles import PeopleProfilesStream
from source_crisp.streams import CrispStream
from unit_tests.source.builders import config

EXPECTED_CLASS = {
    "conversations": ConversationsStream,
    "conversation_messages": ConversationChildStream,
    "conversation_routing": ConversationChildStream,
    "people_profiles": PeopleProfilesStream,
    "people_data": PeopleChildStream,
    "people_subscriptions": PeopleChildStream,
    "helpdesk_articles": HelpdeskStream,
    "helpdesk_locales": CrispStream,
    "campaign_statistics": CrispStream,
    "website": CrispStream,
}


def test_each_stream_is_read_by_the_class_of_its_family() -> None:
    streams = {stream.name: stream for stream in SourceCrisp().streams(config())}
    assert list(streams) == [obj.name for obj in OBJECTS]  # one stream per row, in table order
    for name, wanted in EXPECTED_CLASS.items():
        assert type(streams[name]) is wanted, name


def test_a_child_of_conversations_without_its_family_is_refused() -> None:
    generic = dataclasses.replace(BY_NAME["conversation_routing"], family=Family.GENERIC)
    table = tuple(generic if obj.name == generic.name else obj for obj in OBJECTS)
    with pytest.raises(ValueError, match=r"conversation_routing, a child of conversations.*PER_CONVERSATION"):
        _check_families(table)


def test_a_per_profile_row_under_another_parent_is_refused() -> None:
    misplaced = dataclasses.replace(BY_NAME["campaign_recipients"], family=Family.PER_PROFILE)
    table = tuple(misplaced if obj.name == misplaced.name else obj for obj in OBJECTS)
    with pytest.raises(ValueError, match=r"campaign_recipients has family PER_PROFILE.*parent is campaigns"):
        _check_families(table)
