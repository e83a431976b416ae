"""End to end: `source-crisp check` and `read` say what to fix, and never print the key."""

from __future__ import annotations

import pytest

from sandboxes.crisp import TOKENS, CrispSandbox
from testing.source_runs import configure, run

TOKEN = {token.name: token for token in TOKENS}


@pytest.mark.parametrize(
    ("change", "advice"),
    [
        (lambda sb: sb.source_config(key="wrong-key-123"), "check 'identifier' and 'key'"),
        (lambda sb: sb.source_config(**TOKEN["plugin_not_installed"].credentials()), "not installed"),
        (lambda sb: sb.source_config(website_id="00000000-0000-4000-8000-000000000000"), "'website_id'"),
        (lambda sb: sb.source_config(tier="website"), "is the tier the token was issued for"),
    ],
)
def test_check_fails_with_advice(crisp_sandbox: CrispSandbox, tmp_path, change, advice):
    config = change(crisp_sandbox)
    result = run("check", tmp_path, config)
    status = result.connection_status
    assert status["status"] == "FAILED"
    assert advice in status["message"]
    assert config["key"] not in result.stdout


def test_check_reports_a_tier_the_route_refuses(crisp_sandbox: CrispSandbox, tmp_path):
    crisp_sandbox.set_route_tiers({"website": ["user"]})
    status = run("check", tmp_path, crisp_sandbox.source_config()).connection_status
    assert status["status"] == "FAILED"
    assert "set 'tier'" in status["message"]


def test_check_succeeds_asking_each_route_once(crisp_sandbox: CrispSandbox, tmp_path):
    """check asks the website, then each stream's route once (which streams the token may read: one request
    per route, test_source_scopes.py), the helpdesk probe and the conversation order probe."""
    assert run("check", tmp_path, crisp_sandbox.source_config()).connection_status["status"] == "SUCCEEDED"
    counts = crisp_sandbox.request_counts()
    helpdesk_probe = {"helpdesk_locales": 1, "helpdesk_tree_list": 1, "helpdesk_categories": 1}
    assert {route: counts[route] for route in helpdesk_probe} == helpdesk_probe
    assert counts.pop("conversations") == 2  # the order probe's two sorts (the access probe shares one)
    assert set(counts.values()) == {1}
    assert sum(counts.values()) + 2 <= 40
    assert not crisp_sandbox.repeated_requests()


def test_read_without_the_people_scope_says_which_scope(crisp_sandbox: CrispSandbox, tmp_path):
    config = crisp_sandbox.source_config(**TOKEN["plugin_no_people"].credentials())
    stream = {"name": "people_profiles", "json_schema": {}, "supported_sync_modes": ["full_refresh"]}
    result = run("read", tmp_path, config, configure({"streams": [stream]}, ["people_profiles"]))
    assert result.returncode != 0
    assert any("website:people:profiles" in error and "not_allowed" in error for error in result.errors)
    assert config["key"] not in result.stdout
