"""The objects table decides each stream's policy: its family picks the stream class, and a row whose policy
contradicts its parent fails when the table is loaded, not during a sync."""

from __future__ import annotations

import dataclasses

import pytest

from source_crisp import SourceCrisp
from source_crisp.conversation_streams import ConversationChildStream, ConversationsStream
from source_crisp.helpdesk import HelpdeskStream
from source_crisp.objects import (
    BY_NAME,
    OBJECTS,
    BumpRule,
    Family,
    _check_bump_rules,
    _check_families,
    _check_scans,
)
from source_crisp.people_children import PeopleChildStream
from source_crisp.profiles import PeopleProfilesStream
from source_crisp.streams import CrispStream
from testing.source_builders import config

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


def _with(obj_name: str, **changes: object) -> tuple:
    changed = dataclasses.replace(BY_NAME[obj_name], **changes)  # type: ignore[arg-type]
    return tuple(changed if obj.name == obj_name else obj for obj in OBJECTS)


def test_every_child_of_a_newest_first_list_states_its_bump_rule() -> None:
    children = [obj for obj in OBJECTS if obj.family in (Family.PER_CONVERSATION, Family.PER_PROFILE)]
    assert len(children) == 12  # messages and 6 more per conversation; people_data and 4 more per profile
    assert all(isinstance(obj.parent_bump, BumpRule) for obj in children)
    verified = [obj.name for obj in OBJECTS if obj.parent_bump == BumpRule.VERIFIED]
    assert verified == ["conversation_events", "conversation_pages", "conversation_files"]


def test_a_dated_conversation_child_without_a_bump_rule_is_refused() -> None:
    with pytest.raises(ValueError, match=r"conversation_files \(PER_CONVERSATION\) needs parent_bump"):
        _check_bump_rules(_with("conversation_files", parent_bump=None))


def test_a_verified_child_needs_a_date_of_its_own() -> None:
    with pytest.raises(ValueError, match="conversation_routing is VERIFIED but its cursor is not a date"):
        _check_bump_rules(_with("conversation_routing", parent_bump=BumpRule.VERIFIED))


def test_a_rule_the_family_does_not_read_is_refused() -> None:
    with pytest.raises(ValueError, match=r"people_events \(PER_PROFILE\) needs parent_bump, one of SLICE"):
        _check_bump_rules(_with("people_events", parent_bump=BumpRule.VERIFIED))
    with pytest.raises(ValueError, match="campaign_recipients has parent_bump TRUSTED"):
        _check_bump_rules(_with("campaign_recipients", parent_bump=BumpRule.TRUSTED))


def test_a_child_covered_by_the_slice_carries_the_copied_cursor() -> None:
    with pytest.raises(ValueError, match="conversation_events: a child covered by the slice copies"):
        _check_bump_rules(_with("conversation_events", parent_bump=BumpRule.SLICE))


def test_both_newest_first_lists_carry_their_scan() -> None:
    conversations, profiles = BY_NAME["conversations"].scan, BY_NAME["people_profiles"].scan
    assert conversations is not None
    assert profiles is not None
    assert conversations.sort["updated_at"] == {"order_date_updated": "1"}
    assert conversations.axis("waiting_since") == "updated_at"  # no sort of its own: bounded by updated_at
    assert profiles.sort["created_at"] == {"sort_field": "created_at", "sort_order": "descending"}
    assert (conversations.guess, profiles.guess) == ("CONVERSATION_SORT_PARAMS", "PEOPLE_SORT_PARAMS")
    assert profiles.refusable
    assert not conversations.refusable


def test_a_cursor_without_a_sort_is_refused() -> None:
    with pytest.raises(ValueError, match=r"people_profiles .* no sort for the cursor.s. last_seen"):
        _check_scans(_with("people_profiles", cursor_candidates=("updated_at", "last_seen")))


def test_a_scan_on_a_row_no_scan_reads_is_refused() -> None:
    scan = BY_NAME["people_profiles"].scan
    with pytest.raises(ValueError, match="teams has a scan but is not a newest-first list"):
        _check_scans(_with("teams", scan=scan))
    with pytest.raises(ValueError, match="people_events: a child covered by the slice copies"):
        _check_bump_rules(_with("people_events", parent_cursor=None))


def test_the_row_of_a_child_covered_by_the_slice_holds_the_copied_cursor() -> None:
    """The table says what a stream emits: discover reads the same row the stream reads."""
    for name, column in (
        ("people_events", "profile_updated_at"),
        ("conversation_routing", "conversation_updated_at"),
    ):
        obj = BY_NAME[name]
        assert (obj.parent_cursor, obj.default_cursor, obj.cursor_candidates[0]) == (column, column, column)
        assert column in obj.known_fields
    assert BY_NAME["people_events"].cursor_candidates == ("profile_updated_at", "timestamp")
    streams = {stream.name: stream for stream in SourceCrisp().streams(config())}
    assert streams["people_data"].obj is BY_NAME["people_data"]  # not rewritten when the stream is built
