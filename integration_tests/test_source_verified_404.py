"""A child route's 404 drops data only after the parent itself confirms it is gone (source_crisp/parents.py).

The sandbox switch `Faults.child_404` answers a child route 404 for a chosen parent that still exists: the
source used to read that as "deleted since listed", skip its records and move the state past them, so they
were never read again. Now the parent's own route is asked: it answers, so the child is retried and then the
stream stops with an error naming it, before its state passes the parent; the next sync reads it all."""

from __future__ import annotations

from typing import Any

import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer

from sandboxes.crisp import CrispSandbox
from sandboxes.crisp.faults import Faults
from source_crisp.fanout import FanOut
from source_crisp.objects import OBJECTS
from source_crisp.parents import CHILD_404_RETRIES, OWN_ROUTES
from testing import airbyte_logger
from testing.source_runs import (
    configure,
    discovered_catalog,
    last_states,
    read_in_process,
    stream_records,
)

PAGE_SIZE = 20


def _catalog(sandbox: CrispSandbox, stream: str, incremental: bool) -> Any:
    catalog = configure(discovered_catalog(sandbox.source_config()), [stream], incremental=incremental)
    return ConfiguredAirbyteCatalogSerializer.load(catalog)


def _errors(output: Any) -> list[str]:
    return [message.trace.error.message for message in output.errors]


def test_messages_404_while_the_conversation_exists_stop_the_stream_and_the_next_sync_reads_them(
    crisp_sandbox: CrispSandbox,
):
    ws = crisp_sandbox.workspace
    listed = list(ws.conversations())  # updated_at descending: the incremental scan's order
    # On the second list page, so the first page's checkpoint is out before the failure.
    victim = max(listed[PAGE_SIZE : 2 * PAGE_SIZE], key=lambda c: len(ws.messages(c["session_id"])))
    session = victim["session_id"]
    assert len(ws.messages(session)) > 5
    config = crisp_sandbox.source_config(page_size=PAGE_SIZE)
    catalog = _catalog(crisp_sandbox, "conversation_messages", incremental=True)
    crisp_sandbox.set_faults(Faults(child_404=(("conversation_messages", session),)))
    crisp_sandbox.reset_counts()

    first = read_in_process(config, catalog)

    errors = _errors(first)
    assert any("conversation_messages" in e and session in e and "still exists" in e for e in errors), errors
    assert not [m for m in stream_records(first, "conversation_messages") if m["session_id"] == session]
    # The own route was asked before anything was dropped, and the child re-asked a bounded number of times.
    counts = crisp_sandbox.request_counts()
    assert counts["conversation"] == CHILD_404_RETRIES + 1
    # The state never claims the victim: the next sync reads its messages, and nothing is missing overall.
    crisp_sandbox.set_faults(None)
    second = read_in_process(config, catalog, last_states(first))
    assert not _errors(second)
    emitted = {
        (m["session_id"], m["fingerprint"])
        for output in (first, second)
        for m in stream_records(output, "conversation_messages")
    }
    truth = {(c["session_id"], m["fingerprint"]) for c in listed for m in ws.messages(c["session_id"])}
    assert emitted == truth
    assert {m["fingerprint"] for m in ws.messages(session)} <= {
        m["fingerprint"]
        for m in stream_records(second, "conversation_messages")
        if m["session_id"] == session
    }


def test_a_404_that_passes_on_retry_loses_nothing_and_fails_nothing(crisp_sandbox: CrispSandbox):
    """A neighbour: a profile's events (a people child, another parent, another route) answering 404 once."""
    ws = crisp_sandbox.workspace
    profile = ws.people.people_id(1)  # the profile with 23 events (two pages)
    catalog = _catalog(crisp_sandbox, "people_events", False)
    crisp_sandbox.set_faults(Faults(child_404=(("people_events", profile),), child_404_times=1))
    with airbyte_logger.heard() as heard:
        output = read_in_process(crisp_sandbox.source_config(page_size=PAGE_SIZE), catalog)
    assert not _errors(output)
    emitted = [e for e in stream_records(output, "people_events") if e["people_id"] == profile]
    assert len(emitted) == len(ws.people_events(profile)) == 23
    assert not [line for line in heard if profile in line and "skipped" in line]


def test_a_profile_child_404_while_the_profile_exists_names_the_stream(crisp_sandbox: CrispSandbox):
    ws = crisp_sandbox.workspace
    profile = ws.people.people_id(3)
    catalog = _catalog(crisp_sandbox, "people_data", False)
    crisp_sandbox.set_faults(Faults(child_404=(("people_data", profile),)))
    output = read_in_process(crisp_sandbox.source_config(page_size=PAGE_SIZE), catalog)
    errors = _errors(output)
    assert any("people_data" in e and profile in e and "still exists" in e for e in errors), errors


def test_a_deleted_conversation_is_still_skipped_with_a_warning_after_its_own_route_confirms(
    crisp_sandbox: CrispSandbox, monkeypatch: pytest.MonkeyPatch
):
    ws = crisp_sandbox.workspace
    session = next(c["session_id"] for c in ws.conversations() if ws.conversation_events(c["session_id"]))
    config = crisp_sandbox.source_config(page_size=PAGE_SIZE)
    catalog = _catalog(crisp_sandbox, "conversation_events", False)
    original = FanOut.map

    def deleting(self: FanOut, work: Any, batch: Any) -> Any:  # after the list page, before its children
        if ws.store.index_of(session) is not None:
            crisp_sandbox.delete_conversation(session)
        return original(self, work, batch)

    monkeypatch.setattr(FanOut, "map", deleting)
    with airbyte_logger.heard() as heard:
        output = read_in_process(config, catalog)
    assert not _errors(output)
    assert [line for line in heard if session in line and "confirms it is gone" in line]
    emitted = {(e["session_id"], e["timestamp"]) for e in stream_records(output, "conversation_events")}
    truth = {
        (c["session_id"], e["timestamp"])
        for c in ws.conversations()
        for e in ws.conversation_events(c["session_id"])
    }
    assert emitted == truth


def test_every_parent_has_an_own_route_to_confirm_a_deletion_with():
    parents = {obj.parent for obj in OBJECTS if obj.parent is not None}
    assert parents <= set(OWN_ROUTES), parents - set(OWN_ROUTES)


def test_every_own_route_is_served_by_the_sandbox(crisp_sandbox: CrispSandbox):
    """Each own route answers for a parent that exists (a route the sandbox lacked would read as "gone")."""
    import requests

    ws = crisp_sandbox.workspace
    locale = ws.helpdesk_locales()[0]["locale"]
    values = {
        "website_id": ws.website_id,
        "session_id": next(iter(ws.conversations()))["session_id"],
        "people_id": ws.people.people_id(0),
        "campaign_id": ws.campaigns.campaigns[0]["campaign_id"],
        "locale": locale,
        "category_id": ws.helpdesk_categories(locale)[0]["category_id"],
    }
    plugin = crisp_sandbox.credentials("plugin")
    for parent, route in OWN_ROUTES.items():
        answer = requests.get(
            f"{crisp_sandbox.base_url}/{route.format(**values)}",
            auth=(plugin["identifier"], plugin["key"]),
            headers={"X-Crisp-Tier": "plugin"},
            timeout=10,
        )
        assert answer.status_code == 200, (parent, answer.text)


@pytest.mark.parametrize(
    ("stream", "route", "parent"),
    [
        ("campaign_recipients", "campaign_recipients", lambda ws: ws.campaigns.campaigns[0]["campaign_id"]),
        (
            "helpdesk_sections",
            "helpdesk_sections",
            lambda ws: ws.helpdesk_categories(ws.helpdesk_locales()[0]["locale"])[0]["category_id"],
        ),
    ],
)
def test_campaign_and_helpdesk_children_follow_the_same_rule(
    crisp_sandbox: CrispSandbox, stream, route, parent
):
    """Other parents, other own routes: a campaign, and a helpdesk category (…/category/{id})."""
    parent_id = parent(crisp_sandbox.workspace)
    catalog = _catalog(crisp_sandbox, stream, False)
    crisp_sandbox.set_faults(Faults(child_404=((route, parent_id),)))
    output = read_in_process(crisp_sandbox.source_config(page_size=PAGE_SIZE), catalog)
    errors = _errors(output)
    assert any(stream in e and parent_id in e and "still exists" in e for e in errors), errors
