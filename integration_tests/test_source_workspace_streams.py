"""The streams that cost one request or one list walk: the website's own (website, website_settings,
website_availability, operator_availabilities, teams, inboxes), the campaigns' (campaigns,
campaign_templates, campaign_tags), spam_conversations, people_statistics and what Crisp suggests
(conversation_segments, conversation_data_keys, people_segments, people_data_keys, people_event_names), and
the help center's helpdesk, helpdesk_settings, helpdesk_redirections.
What each read costs, the column types, missing sub-objects, and the
incremental runs of the dated lists. Their records are compared one by one with the ground truth in
test_source_e2e_read.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sandboxes.crisp import CrispSandbox
from testing.source_runs import Run, configure, discovered_catalog, run

ONE_ROW = (
    "website", "website_settings", "website_availability", "people_statistics", "helpdesk",
    "helpdesk_settings",
)  # fmt: skip
SUGGESTED = (
    "conversation_segments", "conversation_data_keys", "people_segments", "people_data_keys",
    "people_event_names",
)  # fmt: skip
LISTS = (
    "operator_availabilities", "teams", "inboxes", "campaigns", "campaign_templates", "campaign_tags",
    "spam_conversations", *SUGGESTED, "helpdesk_redirections",
)  # fmt: skip
DATED = {  # stream -> (primary key, default cursor)
    "teams": ("team_id", "updated_at"),
    "inboxes": ("inbox_id", "updated_at"),
    "campaigns": ("campaign_id", "updated_at"),
    "campaign_templates": ("template_id", "updated_at"),
    "spam_conversations": ("spam_id", "timestamp"),
    "helpdesk_redirections": ("redirection_id", "updated_at"),
}


@pytest.fixture
def catalog(crisp_sandbox: CrispSandbox) -> dict[str, Any]:
    return discovered_catalog(crisp_sandbox.source_config())


def schema_types(catalog: dict[str, Any], stream: str) -> dict[str, str]:
    found = next(s for s in catalog["streams"] if s["name"] == stream)
    return {name: prop["type"][1] for name, prop in found["json_schema"]["properties"].items()}


def test_each_stream_costs_what_its_description_says(crisp_sandbox, catalog, tmp_path: Path):
    crisp_sandbox.reset_counts()
    result = run("read", tmp_path, crisp_sandbox.source_config(), configure(catalog, ONE_ROW + LISTS))
    assert result.returncode == 0, result.errors
    # One request per one-row stream and for the unpaginated list; teams and inboxes fit one page of the
    # server-chosen size, and a list without per_page only ends on an empty page.
    assert crisp_sandbox.request_counts() == {
        "website": 1,
        "website_settings": 1,
        "website_availability": 1,
        "operator_availabilities": 1,
        "teams": 2,
        "inboxes": 2,
        "campaigns": 2,
        "campaign_templates": 2,
        "campaign_tags": 1,
        "people_stats": 1,
        "spam_conversations": 2,
        "conversation_segments": 2,
        "conversation_data_keys": 2,
        "people_segments": 2,
        "people_data_keys": 2,
        "people_event_names": 3,  # 25 names: a full page of 20, a page of 5, the empty page
        "helpdesk": 1,
        "helpdesk_settings": 1,
        "helpdesk_redirections": 2,
    }
    assert {name: len(result.records[name]) for name in ONE_ROW} == dict.fromkeys(ONE_ROW, 1)
    assert len(result.records["people_event_names"]) == 25
    descriptions = {s["name"]: s["json_schema"]["description"] for s in catalog["streams"]}
    assert all("request" in descriptions[name] for name in ONE_ROW + LISTS)


def test_columns_are_typed_from_the_official_client_types(catalog):
    settings = schema_types(catalog, "website_settings")
    assert settings["chatbox_hide_on_mobile"] == settings["audit_log"] == "boolean"
    assert settings["chatbox_blocked_ips"] == settings["contact_instagram"] == "string"  # array; never sent
    assert schema_types(catalog, "operator_availabilities")["time_since"] == "integer"
    assert schema_types(catalog, "website_availability")["since"] == "integer"
    for stream, (_, cursor) in DATED.items():
        assert schema_types(catalog, stream)[cursor] == "integer"
        assert next(s for s in catalog["streams"] if s["name"] == stream)["default_cursor_field"] == [cursor]
    for stream in SUGGESTED:
        assert schema_types(catalog, stream)["count"] == "integer"
    assert schema_types(catalog, "people_statistics")["total"] == "integer"
    spam = schema_types(catalog, "spam_conversations")
    assert spam["metadata"] == spam["headers"] == "string"  # maps whose keys are data: JSON text
    for stream in ("teams", "inboxes"):
        assert schema_types(catalog, stream)["operators"] == "string"  # an array of user ids, as JSON text
    assert schema_types(catalog, "inboxes")["order"] == "integer"
    campaigns = schema_types(catalog, "campaigns")
    assert campaigns["dispatched_at"] == campaigns["targets"] == "integer"
    assert campaigns["running"] == "boolean"
    assert schema_types(catalog, "campaign_tags") == {"website_id": "string", "tag": "string"}
    offered = {s["name"]: s["supported_sync_modes"] for s in catalog["streams"]}
    assert {name: "incremental" in offered[name] for name in ONE_ROW + LISTS} == {
        name: name in DATED for name in ONE_ROW + LISTS
    }


def test_missing_and_empty_sub_objects_stay_missing_or_empty(crisp_sandbox, catalog, tmp_path: Path):
    result = run(
        "read",
        tmp_path,
        crisp_sandbox.source_config(),
        configure(catalog, [*DATED, "operator_availabilities"]),
    )
    own = crisp_sandbox.workspace.website_objects
    timeless = {a["user_id"] for a in own.operator_availabilities if "time" not in a}
    assert timeless
    for record in result.records["operator_availabilities"]:
        assert ("time_since" in record) == (record["user_id"] not in timeless)
    assert "[]" in {record["operators"] for record in result.records["teams"]}  # a team without members
    assert any("emoji" not in record for record in result.records["teams"])
    assert any("conditions" not in record for record in result.records["inboxes"])
    drafts = [record for record in result.records["campaigns"] if not record["dispatched"]]
    assert drafts
    assert all("dispatched_at" not in record for record in drafts)
    assert any("tag" not in record for record in result.records["campaigns"])
    assert any("format" not in record for record in result.records["campaign_templates"])
    spams = result.records["spam_conversations"]
    assert "{}" in {record["metadata"] for record in spams}
    assert any("headers" not in record for record in spams)


@dataclass
class IncrementalRuns:
    """Three incremental syncs of every dated list at once (one process each, not three per stream): the
    first from scratch, the second after one item of each list was edited, the third with nothing new."""

    sandbox: CrispSandbox
    items: dict[str, list[dict[str, Any]]]  # stream -> the sandbox's items, one of them edited
    newest: dict[str, int]  # stream -> its newest cursor value before the edit
    first: Run
    second: Run
    second_counts: dict[str, int]
    third: Run


@pytest.fixture(scope="module")
def incremental_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IncrementalRuns]:
    tmp_path = tmp_path_factory.mktemp("workspace_incremental")
    with CrispSandbox(size="tiny", seed=7, port=0) as sandbox:
        config = sandbox.source_config()
        configured = configure(discovered_catalog(config), DATED, incremental=True)
        workspace = sandbox.workspace
        items = {
            "teams": workspace.website_objects.teams,
            "inboxes": workspace.website_objects.inboxes,
            "campaigns": workspace.campaigns.campaigns,
            "campaign_templates": workspace.campaigns.templates,
            "spam_conversations": workspace.suggestions.spams,
            "helpdesk_redirections": workspace.website_objects.helpdesk_redirections,
        }
        newest = {stream: max(i[DATED[stream][1]] for i in items[stream]) for stream in DATED}
        first = run("read", tmp_path, config, configured)
        for stream, (_, cursor) in DATED.items():
            items[stream][1][cursor] = newest[stream] + 1_000  # edited in Crisp after the first run
        sandbox.reset_counts()
        second = run("read", tmp_path, config, configured, first.last_states())
        second_counts = sandbox.request_counts()
        third = run("read", tmp_path, config, configured, second.last_states())
        yield IncrementalRuns(sandbox, items, newest, first, second, second_counts, third)


def stream_state(result: Run, stream: str) -> dict[str, Any]:
    return next(
        s["stream"]["stream_state"]
        for s in result.last_states()
        if s["stream"]["stream_descriptor"]["name"] == stream
    )


@pytest.mark.xdist_group("workspace_incremental")  # one worker builds incremental_runs for all six
@pytest.mark.parametrize("stream", sorted(DATED))
def test_second_run_emits_only_the_changed_item(incremental_runs: IncrementalRuns, stream: str):
    runs, (key, cursor) = incremental_runs, DATED[stream]
    items = runs.items[stream]
    assert len(runs.first.records[stream]) == len(items)
    assert stream_state(runs.first, stream)[cursor] == runs.newest[stream]

    changed = items[1]
    assert [record[key] for record in runs.second.records[stream]] == [changed[key]]
    # Crisp cannot filter these lists by date: an incremental run still lists them whole (filtered here).
    # The other dated lists were read by the same sync; nothing else was asked.
    others = set(DATED) - {stream}
    assert {route: n for route, n in runs.second_counts.items() if route not in others} == {stream: 2}

    assert runs.third.records[stream] == []


def test_the_help_center_secrets_are_never_emitted(crisp_sandbox, catalog, tmp_path: Path):
    access = crisp_sandbox.workspace.website_objects.helpdesk_settings["access"]
    result = run("read", tmp_path, crisp_sandbox.source_config(), configure(catalog, ["helpdesk_settings"]))
    assert result.records["helpdesk_settings"][0]["access_restrict_mode"] == access["restrict_mode"]
    assert not {"access_password", "access_jwt_secret"} & set(schema_types(catalog, "helpdesk_settings"))
    assert not {"access_password", "access_jwt_secret"} & set(result.records["helpdesk_settings"][0])
    assert access["password"] not in result.stdout
    assert access["jwt_secret"] not in result.stdout


def test_without_a_help_center_the_help_center_streams_are_empty(tmp_path: Path):
    streams = ["helpdesk", "helpdesk_settings", "helpdesk_redirections"]
    with CrispSandbox(size="tiny", helpdesk="none") as sandbox:
        catalog = discovered_catalog(sandbox.source_config())
        result = run("read", tmp_path, sandbox.source_config(), configure(catalog, streams))
    assert result.returncode == 0, result.errors
    assert {name: result.records[name] for name in streams} == {name: [] for name in streams}
