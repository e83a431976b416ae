"""A token that cannot read everything (issue 18 B.2-B.5): what it can read is read, what it cannot is named
with the Crisp scope (or, where Crisp's docs name none, the route) that would add it.

The sandbox's `plugin_scopes` switch gives the default plugin token only the scopes chosen; a route outside
them answers 403 not_allowed, as Crisp does for a Production plugin token.
"""

from __future__ import annotations

import pytest

from sandboxes.crisp import TOKENS, CrispSandbox
from sandboxes.crisp.server import ROUTE_SCOPES
from sandboxes.crisp.tokens import ALL_SCOPES
from source_crisp.scopes import STREAM_SCOPES
from testing.source_runs import configure, discovered_catalog, run, unreadable_in_check

# What a plugin that asked for conversations and contacts only carries.
CONVERSATIONS_AND_CONTACTS = frozenset(
    {
        "website:conversation:sessions",
        "website:conversation:messages",
        "website:people:profiles",
        "website:people:data",
    }
)
# Read by hand from the sandbox's routes: the streams whose routes (and parents' routes) check only these.
READABLE = {
    "website",
    "conversations",
    "conversation_messages",
    "conversation_files",
    "conversation_metas",  # the sandbox checks the conversations' scope on its route
    "spam_conversations",
    "conversation_segments",
    "conversation_data_keys",
    "people_profiles",
    "people_data",
    "people_statistics",
    "people_segments",
    "people_data_keys",
    "people_event_names",
    "people_events",
    "people_conversations",
    "people_campaigns",
}
# A sample of the left-out streams and what discover must name for each.
LEFT_OUT_NEEDS = {
    "website_settings": "website:settings",
    "website_availability": "website:availability",
    "operators": "website:operators",
    "visitors": "website:visitors",
    "conversation_events": "website:conversation:events",
    "people_subscriptions": "website:people:subscriptions",
    "teams": "GET /website/{website_id}/teams/list/{page}",  # no scope name in Crisp's docs: the route
    "inboxes": "GET /website/{website_id}/inboxes/list/{page}",
    "campaigns": "GET /website/{website_id}/campaigns/list/{page}",
}
STREAM_COUNT = 41  # the streams source-crisp has


@pytest.fixture
def scoped_sandbox():
    with CrispSandbox(size="tiny", seed=7, port=0, plugin_scopes=CONVERSATIONS_AND_CONTACTS) as sandbox:
        yield sandbox


def _left_out_lines(result) -> dict[str, str]:
    lines = [line for line in result.logs("WARN") if line.startswith("discover: ")]
    by_stream = {line.split()[1]: line for line in lines}
    assert len(by_stream) == len(lines), "one line per left-out stream"
    return by_stream


def test_discover_lists_what_a_conversations_and_contacts_token_reads(scoped_sandbox, tmp_path):
    result = run("discover", tmp_path, scoped_sandbox.source_config())
    assert result.returncode == 0
    catalog = next(m["catalog"] for m in result.messages if m["type"] == "CATALOG")
    assert {stream["name"] for stream in catalog["streams"]} == READABLE
    lines = _left_out_lines(result)
    assert len(lines) == STREAM_COUNT - len(READABLE)
    for stream, need in LEFT_OUT_NEEDS.items():
        assert need in lines[stream], lines[stream]
        assert "not_allowed" in lines[stream]
    # conversation_events needs only what is missing: the token reads the conversations.
    assert "website:conversation:sessions" not in lines["conversation_events"]
    # Bounded: a denied parent is asked once, its children follow its answer.
    assert scoped_sandbox.request_counts()["campaigns"] == 1


def test_discover_cost_with_denied_routes_stays_below_a_full_discover(scoped_sandbox):
    discovered_catalog(scoped_sandbox.source_config())
    partial = scoped_sandbox.total_requests()
    scoped_sandbox.set_plugin_scopes(None)
    scoped_sandbox.reset_counts()
    discovered_catalog(scoped_sandbox.source_config())
    assert partial < scoped_sandbox.total_requests()


def test_check_passes_and_names_what_the_token_cannot_read(scoped_sandbox, tmp_path):
    status = run("check", tmp_path, scoped_sandbox.source_config()).connection_status
    assert status["status"] == "SUCCEEDED"
    message = status["message"]
    named = unreadable_in_check(message)
    assert len(named) == STREAM_COUNT - len(READABLE)
    for stream, need in LEFT_OUT_NEEDS.items():
        assert need in named[stream], message
    for readable in ("conversations (", "people_profiles (", "conversation_messages ("):
        assert readable not in message


def test_check_with_only_the_contacts_passes(tmp_path):
    with CrispSandbox(size="tiny", plugin_scopes={"website:people:profiles"}) as sandbox:
        status = run("check", tmp_path, sandbox.source_config()).connection_status
    assert status["status"] == "SUCCEEDED"
    assert unreadable_in_check(status["message"])["conversations"] == "website:conversation:sessions"


def test_a_token_that_reads_nothing_fails_check_and_discover_naming_the_scopes(tmp_path):
    with CrispSandbox(size="tiny", plugin_scopes=()) as sandbox:
        status = run("check", tmp_path, sandbox.source_config()).connection_status
        discover = run("discover", tmp_path, sandbox.source_config())
    assert status["status"] == "FAILED"
    assert "website:conversation:sessions or website:people:profiles" in status["message"]
    assert discover.returncode != 0
    assert not [m for m in discover.messages if m["type"] == "CATALOG"]
    assert any("website:conversation:sessions or website:people:profiles" in e for e in discover.errors)


def test_a_route_the_tier_may_not_use_is_left_out_by_name(tmp_path):
    with CrispSandbox(size="tiny", route_tiers={"visitors": ["user"]}) as sandbox:
        result = run("discover", tmp_path, sandbox.source_config())
        status = run("check", tmp_path, sandbox.source_config()).connection_status
    assert result.returncode == 0
    lines = _left_out_lines(result)
    assert list(lines) == ["visitors"]
    assert "restricted_route_tier" in lines["visitors"]
    assert "website:visitors" in lines["visitors"]
    assert status["status"] == "SUCCEEDED"
    assert unreadable_in_check(status["message"]) == {
        "visitors": "website:visitors, or a token tier that may use the route (restricted_route_tier)"
    }


def test_a_plugin_not_installed_fails_discover(crisp_sandbox, tmp_path):
    token = next(token for token in TOKENS if token.name == "plugin_not_installed")
    result = run("discover", tmp_path, crisp_sandbox.source_config(**token.credentials()))
    assert result.returncode != 0
    assert any("not installed" in error for error in result.errors)


def _statuses(result, stream: str) -> list[str]:
    return [
        m["trace"]["stream_status"]["status"]
        for m in result.messages
        if m["type"] == "TRACE"
        and m["trace"].get("type") == "STREAM_STATUS"
        and m["trace"]["stream_status"]["stream_descriptor"]["name"] == stream
    ]


def test_read_of_a_stream_whose_scope_was_removed_finishes_the_others(crisp_sandbox, tmp_path):
    catalog = discovered_catalog(crisp_sandbox.source_config())
    crisp_sandbox.set_plugin_scopes(ALL_SCOPES - {"website:settings"})  # removed after discover
    configured = configure(
        catalog, ["website_settings", "conversations", "people_profiles"], incremental=True
    )
    configured["streams"].sort(key=lambda each: each["stream"]["name"] != "website_settings")
    result = run("read", tmp_path, crisp_sandbox.source_config(), configured)

    assert result.returncode != 0
    records = result.records
    assert "website_settings" not in records
    assert len(records["conversations"]) == crisp_sandbox.workspace.store.count
    assert len(records["people_profiles"]) == crisp_sandbox.workspace.people.count
    states = {s["stream"]["stream_descriptor"]["name"] for s in result.states}
    assert {"conversations", "people_profiles"} <= states
    assert _statuses(result, "conversations")[-1] == "COMPLETE"
    assert _statuses(result, "website_settings")[-1] == "INCOMPLETE"
    stream_error = next(e for e in result.errors if e.startswith("website_settings was not read"))
    assert "website:settings" in stream_error
    assert "deselect website_settings" in stream_error
    assert any("did not sync successfully" in e and "website_settings" in e for e in result.errors)


def test_read_of_a_per_profile_child_whose_scope_was_removed_finishes_the_profiles(crisp_sandbox, tmp_path):
    catalog = discovered_catalog(crisp_sandbox.source_config())
    crisp_sandbox.set_plugin_scopes(ALL_SCOPES - {"website:people:data"})
    configured = configure(catalog, ["people_data", "people_profiles"], incremental=True)
    configured["streams"].sort(key=lambda each: each["stream"]["name"] != "people_data")
    result = run("read", tmp_path, crisp_sandbox.source_config(), configured)

    assert result.returncode != 0
    assert "people_data" not in result.records
    assert len(result.records["people_profiles"]) == crisp_sandbox.workspace.people.count
    assert "people_profiles" in {s["stream"]["stream_descriptor"]["name"] for s in result.states}
    stream_error = next(e for e in result.errors if e.startswith("people_data was not read"))
    assert "website:people:data" in stream_error
    assert crisp_sandbox.source_config()["key"] not in result.stdout


def test_read_under_a_tier_the_route_refuses_names_the_other_tier(crisp_sandbox, tmp_path):
    catalog = discovered_catalog(crisp_sandbox.source_config())
    crisp_sandbox.set_route_tiers({"visitors": ["user"]})
    result = run(
        "read", tmp_path, crisp_sandbox.source_config(), configure(catalog, ["visitors", "operators"])
    )
    assert result.returncode != 0
    assert len(result.records["operators"]) > 0
    stream_error = next(e for e in result.errors if e.startswith("visitors was not read"))
    assert "restricted_route_tier" in stream_error
    assert "another tier" in stream_error


def test_the_sandbox_checks_the_scope_the_source_names_for_each_stream():
    """The two tables stay one fact: where Crisp's docs name a stream's scope, the sandbox route checks it."""
    route_of = {"people_subscriptions": "people_subscription"}  # sandbox route names that differ
    named = {stream: scope for stream, scope in STREAM_SCOPES.items() if scope is not None}
    assert len(named) == 14
    for stream, scope in named.items():
        assert ROUTE_SCOPES[route_of.get(stream, stream)] == scope, stream
    assert ROUTE_SCOPES["website"] is None


def test_read_of_a_conversation_child_whose_scope_was_removed_costs_its_siblings_nothing(
    crisp_sandbox, tmp_path
):
    """The conversation streams share one walk of the list: the denied one must not end it for the others."""
    catalog = discovered_catalog(crisp_sandbox.source_config())
    crisp_sandbox.set_plugin_scopes(ALL_SCOPES - {"website:conversation:events"})
    wanted = ["conversation_events", "conversation_messages", "conversations", "conversation_pages"]
    configured = configure(catalog, wanted, incremental=True)
    configured["streams"].sort(key=lambda each: each["stream"]["name"] != "conversation_events")
    result = run("read", tmp_path, crisp_sandbox.source_config(), configured)

    assert result.returncode != 0
    assert "conversation_events" not in result.records
    workspace = crisp_sandbox.workspace
    sessions = [workspace.store.session_id(i) for i in range(workspace.store.count)]
    assert len(result.records["conversations"]) == len(sessions)
    expected_messages = sum(len(workspace.messages(session)) for session in sessions)
    assert len(result.records["conversation_messages"]) == expected_messages
    assert len(result.records["conversation_pages"]) == sum(
        len(workspace.conversation_pages(session)) for session in sessions
    )
    assert {"conversations", "conversation_messages", "conversation_pages"} <= {
        state["stream"]["stream_descriptor"]["name"] for state in result.states
    }
    stream_error = next(e for e in result.errors if e.startswith("conversation_events was not read"))
    assert "website:conversation:events" in stream_error


def test_a_feature_the_plan_lacks_is_left_out_and_fails_only_its_stream(tmp_path):
    """Neighbour: the plan, not the token, refuses a route (402): the same partial access, named as a plan."""
    with CrispSandbox(size="tiny", plan_lacks={"campaigns"}) as sandbox:
        discover = run("discover", tmp_path, sandbox.source_config())
        status = run("check", tmp_path, sandbox.source_config()).connection_status
    assert discover.returncode == 0
    lines = _left_out_lines(discover)
    assert set(lines) == {"campaigns", "campaign_recipients", "campaign_statistics"}
    assert "402 subscription_upgrade_required" in lines["campaigns"]
    assert "upgrade the workspace's plan" in lines["campaigns"]
    assert status["status"] == "SUCCEEDED"
    assert unreadable_in_check(status["message"])["campaigns"].startswith("a Crisp plan that includes it")
    catalog = next(m["catalog"] for m in discover.messages if m["type"] == "CATALOG")
    assert "campaign_templates" in {stream["name"] for stream in catalog["streams"]}
