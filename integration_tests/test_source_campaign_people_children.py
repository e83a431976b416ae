"""The per-parent streams of campaigns and people: campaign_recipients, campaign_statistics (per campaign and
action), people_events, people_conversations, people_campaigns, people_subscriptions.

Every record against the sandbox's ground truth (the independent path walk of test_source_e2e_read), the
column types from the official client's types, what each read costs per parent, missing and empty
sub-objects, the incremental runs of campaign_statistics (the per-profile streams' incremental reads are
people_children.py's, tested with people_data in test_source_people.py), and the action list the source
assumes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sandboxes.crisp import CrispSandbox
from testing.expected_records import expected
from testing.source_runs import Run, configure, discovered_catalog, run

CAMPAIGN_CHILDREN = ("campaign_recipients", "campaign_statistics")
PEOPLE_CHILDREN = ("people_events", "people_conversations", "people_campaigns", "people_subscriptions")
STREAMS = CAMPAIGN_CHILDREN + PEOPLE_CHILDREN
PRIMARY_KEYS = {
    "campaign_recipients": ("campaign_id", "people_id"),
    "campaign_statistics": ("campaign_id", "action", "profile_people_id", "created_at"),
    "people_events": ("people_id", "timestamp", "text"),
    "people_conversations": ("people_id", "session_id"),
    "people_campaigns": ("people_id", "campaign_id"),
    "people_subscriptions": ("people_id",),
}
ACTIONS = ("opened", "clicked", "unsubscribed")  # npm crisp-api 11 WebsiteCampaignItemStatistics
PAGE = 20  # the sandbox's page size of lists without per_page


def json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def ground_truth(sandbox: CrispSandbox) -> dict[str, list[dict[str, Any]]]:
    """Raw Crisp items plus the parent fields, the key-as-data maps already as their JSON text."""
    ws, website = sandbox.workspace, {"website_id": sandbox.website_id}
    campaign_ids = [c["campaign_id"] for c in ws.campaigns.campaigns]
    # Each per-profile record carries its profile's updated_at when it was read (people_children.py).
    profile = {
        p["people_id"]: {"people_id": p["people_id"], "profile_updated_at": p["updated_at"]}
        for p in ws.people_profiles()
    }
    people_ids = list(profile)

    def data_as_text(item: dict[str, Any]) -> dict[str, Any]:
        return {**item, "data": json_text(item["data"])} if "data" in item else item

    return {
        "campaign_recipients": [
            {**website, "campaign_id": c, **r} for c in campaign_ids for r in ws.campaign_recipients(c)
        ],
        "campaign_statistics": [
            {**website, "campaign_id": c, "action": a, **data_as_text(s)}
            for c in campaign_ids
            for a in ACTIONS
            for s in ws.campaign_statistics(c, a)
        ],
        "people_events": [
            {**website, **profile[p], **data_as_text(e)} for p in people_ids for e in ws.people_events(p)
        ],
        "people_conversations": [
            {**website, **profile[p], "session_id": s} for p in people_ids for s in ws.people_conversations(p)
        ],
        "people_campaigns": [
            {**website, **profile[p], **c} for p in people_ids for c in ws.people_campaigns(p)
        ],
        "people_subscriptions": [{**website, **profile[p], **ws.people_subscription(p)} for p in people_ids],
    }


def keyed(stream: str, records: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    return {tuple(record.get(key) for key in PRIMARY_KEYS[stream]): record for record in records}


def schema_types(catalog: dict[str, Any], stream: str) -> dict[str, str]:
    found = next(s for s in catalog["streams"] if s["name"] == stream)
    return {name: prop["type"][1] for name, prop in found["json_schema"]["properties"].items()}


def requests_for(children_per_parent: list[int]) -> int:
    """A list read per parent, ended by its empty page: 1 request, plus 1 per page of children."""
    return sum(1 + -(-n // PAGE) for n in children_per_parent)


@pytest.fixture(scope="module")
def sandbox() -> Any:
    with CrispSandbox(size="tiny", seed=7, port=0) as started:
        yield started


@pytest.fixture(scope="module")
def catalog(sandbox: CrispSandbox) -> dict[str, Any]:
    return discovered_catalog(sandbox.source_config())


@pytest.fixture(scope="module")
def full_read(
    sandbox: CrispSandbox, catalog: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Run:
    sandbox.reset_counts()
    result = run(
        "read", tmp_path_factory.mktemp("children"), sandbox.source_config(), configure(catalog, STREAMS)
    )
    assert result.returncode == 0, result.errors
    result.request_counts = sandbox.request_counts()  # type: ignore[attr-defined]
    return result


@pytest.mark.parametrize("stream", STREAMS)
def test_every_record_equals_the_ground_truth(sandbox, catalog, full_read: Run, stream: str):
    truth = ground_truth(sandbox)[stream]
    emitted = full_read.records[stream]
    assert truth, "the sandbox holds some"
    assert len(emitted) == len(truth), "no duplicates, nothing missing"
    types = schema_types(catalog, stream)
    assert keyed(stream, emitted) == keyed(stream, [expected(raw, types) for raw in truth])


def test_each_read_costs_one_request_per_parent_plus_its_pages(sandbox, full_read: Run):
    ws = sandbox.workspace
    campaigns = [c["campaign_id"] for c in ws.campaigns.campaigns]
    people = [p["people_id"] for p in ws.people_profiles()]
    recipients = [len(ws.campaign_recipients(c)) for c in campaigns]
    events = [len(ws.people_events(p)) for p in people]
    assert max(recipients) > PAGE  # as planted: a campaign and a profile with more than a page, and
    assert max(events) > PAGE  # parents without any
    assert 0 in recipients
    assert 0 in events
    costs = full_read.request_counts  # type: ignore[attr-defined]
    # Recipients and statistics share one walk of the campaign list: its page, then the empty page.
    assert costs["campaigns"] == 1 + -(-len(campaigns) // PAGE)
    assert costs["campaign_recipients"] == requests_for(recipients)
    assert costs["campaign_statistics"] == requests_for(
        [len(ws.campaign_statistics(c, a)) for c in campaigns for a in ACTIONS]
    )
    assert costs["people_events"] == requests_for(events)
    assert costs["people_conversations"] == requests_for([len(ws.people_conversations(p)) for p in people])
    assert costs["people_campaigns"] == requests_for([len(ws.people_campaigns(p)) for p in people])
    assert costs["people_subscription"] == len(people)  # one object per profile


def test_each_description_names_its_request_cost(catalog):
    descriptions = {s["name"]: s["json_schema"]["description"] for s in catalog["streams"]}
    assert "1 request per campaign" in descriptions["campaign_recipients"]
    assert "1 request per campaign and action" in descriptions["campaign_statistics"]
    for stream in PEOPLE_CHILDREN:
        assert "1 request per profile" in descriptions[stream], stream


def test_columns_are_typed_from_the_official_client_types(catalog):
    recipients = schema_types(catalog, "campaign_recipients")
    assert recipients["subscribed"] == "boolean"
    assert recipients["person_nickname"] == recipients["email"] == "string"
    statistics = schema_types(catalog, "campaign_statistics")
    assert statistics["action"] == statistics["type"] == statistics["profile_people_id"] == "string"
    assert statistics["created_at"] == statistics["updated_at"] == "integer"
    assert statistics["profile_person_geolocation_coordinates_latitude"] == "number"
    assert statistics["data"] == "string"  # keys are data: JSON text
    assert schema_types(catalog, "people_events") == {
        "website_id": "string", "people_id": "string", "text": "string", "data": "string", "color": "string",
        "timestamp": "integer", "profile_updated_at": "integer",
    }  # fmt: skip
    assert schema_types(catalog, "people_conversations") == {
        "website_id": "string", "people_id": "string", "session_id": "string",
        "profile_updated_at": "integer",
    }  # fmt: skip
    received = schema_types(catalog, "people_campaigns")
    assert received["occurred_at"] == received["dispatched_at"] == "integer"
    assert received["statistics"] == "string"  # an array of actions, as JSON text
    assert schema_types(catalog, "people_subscriptions")["email"] == "boolean"
    streams = {s["name"]: s for s in catalog["streams"]}
    assert {name: [k[0] for k in streams[name]["source_defined_primary_key"]] for name in STREAMS} == {
        name: list(key) for name, key in PRIMARY_KEYS.items()
    }
    incremental = {name for name in STREAMS if "incremental" in streams[name]["supported_sync_modes"]}
    assert incremental == {"campaign_statistics", *PEOPLE_CHILDREN}  # not the recipients: no date
    assert streams["campaign_statistics"]["default_cursor_field"] == ["updated_at"]
    for name in PEOPLE_CHILDREN:  # read for the changed profiles plus a slice (tested with people_data)
        assert streams[name]["default_cursor_field"] == ["profile_updated_at"]


def test_missing_and_empty_sub_objects_stay_missing_or_empty(sandbox, full_read: Run):
    records = full_read.records
    assert any("person_nickname" not in r for r in records["campaign_recipients"])  # no `person`
    assert any(not r["subscribed"] for r in records["campaign_recipients"])
    statistics = records["campaign_statistics"]
    assert {"{}", None} <= {r.get("data") for r in statistics}  # empty data, and none at all
    assert any(json.loads(r.get("data") or "{}").get("url") for r in statistics if r["action"] == "clicked")
    assert any("profile_person_geolocation_city" not in r for r in statistics)
    assert {r["action"] for r in statistics} == set(ACTIONS)
    events = records["people_events"]
    assert {"{}", None} <= {r.get("data") for r in events}
    assert any("color" not in r for r in events)
    drafts = {c["campaign_id"] for c in sandbox.workspace.campaigns.campaigns if not c["dispatched"]}
    assert drafts
    assert not drafts & {r["campaign_id"] for r in records["campaign_recipients"] + statistics}
    people = {p["people_id"] for p in sandbox.workspace.people_profiles()}
    assert people - {r["people_id"] for r in events}  # profiles without events
    assert people - {r["people_id"] for r in records["people_campaigns"]}
    assert {r["email"] for r in records["people_subscriptions"]} == {True, False}


def test_second_run_of_campaign_statistics_emits_only_the_changed_row(crisp_sandbox, tmp_path: Path):
    sandbox = crisp_sandbox  # a fresh one: this test edits its data
    config = sandbox.source_config()
    configured = configure(discovered_catalog(config), ["campaign_statistics"], incremental=True)
    ws = sandbox.workspace
    rows = [
        s
        for c in ws.campaigns.campaigns
        for a in ACTIONS
        for s in ws.campaign_statistics(c["campaign_id"], a)
    ]
    first = run("read", tmp_path, config, configured)
    assert len(first.records["campaign_statistics"]) == len(rows)
    newest = max(row["updated_at"] for row in rows)
    assert first.last_states()[0]["stream"]["stream_state"]["updated_at"] == newest

    changed = rows[3]
    changed["updated_at"] = newest + 1_000  # the recipient opened it again after the first run
    sandbox.reset_counts()
    second = run("read", tmp_path, config, configured, first.last_states())
    assert [(r["profile_people_id"], r["created_at"]) for r in second.records["campaign_statistics"]] == [
        (changed["profile"]["people_id"], changed["created_at"])
    ]
    # A statistic changing does not move its campaign: every campaign and action is read again.
    statistics = [
        len(ws.campaign_statistics(c["campaign_id"], a)) for c in ws.campaigns.campaigns for a in ACTIONS
    ]
    campaign_pages = -(-len(ws.campaigns.campaigns) // PAGE) + 1
    assert sandbox.request_counts() == {
        "campaigns": campaign_pages,
        "campaign": len(ws.campaigns.campaigns),  # each campaign's counters, which name its actions
        "campaign_statistics": requests_for(statistics),
    }

    third = run("read", tmp_path, config, configured, second.last_states())
    assert third.records["campaign_statistics"] == []


def test_an_action_crisp_does_not_know_stops_the_read_naming_it(catalog, tmp_path: Path):
    with CrispSandbox(size="tiny", statistic_actions=("opened", "clicked")) as sandbox:
        configured = configure(catalog, ["campaign_statistics"])  # the same workspace, discovered before
        result = run("read", tmp_path, sandbox.source_config(), configured)
    assert result.returncode != 0
    assert "/statistics/unsubscribed/" in " ".join(result.errors)
    # Stopped, not passed over: a sync that ends OK without unsubscriptions would read as "nobody left".
    assert not [state for state in result.states if "campaign_statistics" in json.dumps(state)]


def test_an_action_crisp_counts_beyond_the_list_is_read_with_a_warning(catalog, tmp_path: Path):
    with CrispSandbox(size="tiny", extra_statistic_action="replied") as sandbox:
        ws = sandbox.workspace
        planted = {
            (c["campaign_id"], s["profile"]["people_id"], s["created_at"])
            for c in ws.campaigns.campaigns
            for s in ws.campaign_statistics(c["campaign_id"], "replied")
        }
        assert planted  # people_campaigns names it too: what a profile took
        assert any(
            "replied" in r["statistics"]
            for p in ws.people_profiles()
            for r in ws.people_campaigns(p["people_id"])
        )
        configured = configure(catalog, ["campaign_statistics"])
        result = run("read", tmp_path, sandbox.source_config(), configured)
        counts = sandbox.request_counts()
    assert result.returncode == 0
    rows = result.records["campaign_statistics"]
    assert {
        (r["campaign_id"], r["profile_people_id"], r["created_at"]) for r in rows if r["action"] == "replied"
    } == planted
    assert {r["action"] for r in rows} == {*ACTIONS, "replied"}
    warnings = [w for w in result.logs("WARN") if "'replied'" in w]
    assert len(warnings) == 1
    assert "CAMPAIGN_STATISTIC_ACTIONS" in warnings[0]
    per_action = [
        len(ws.campaign_statistics(c["campaign_id"], a))
        for c in ws.campaigns.campaigns
        for a in (*ACTIONS, "replied")
    ]
    assert counts["campaign_statistics"] == requests_for(per_action)
