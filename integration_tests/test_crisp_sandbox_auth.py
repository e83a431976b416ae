"""Basic auth + X-Crisp-Tier, route tiers, subscriptions, scopes, unknown websites and routes (§1.3, §8.7)."""

from __future__ import annotations

import pytest
import requests

from sandboxes.crisp import CrispSandbox
from sandboxes.crisp.testing import SandboxClient

PEOPLE_ROUTES = ["people/profiles/1", "people/stats"]


def envelope(response: requests.Response) -> tuple[int, dict]:
    return response.status_code, response.json()


def test_missing_or_wrong_credentials_are_unauthorized(crisp_sandbox):
    url = f"{crisp_sandbox.base_url}/website/{crisp_sandbox.website_id}"
    plugin = crisp_sandbox.credentials("plugin")
    tier = {"X-Crisp-Tier": "plugin"}
    attempts = [
        requests.get(url, timeout=5),
        requests.get(url, auth=(plugin["identifier"], "wrong-key"), headers=tier, timeout=5),
        requests.get(url, auth=("nobody", plugin["key"]), headers=tier, timeout=5),
        requests.get(url, headers={"Authorization": "Basic !!notbase64", **tier}, timeout=5),
    ]
    for response in attempts:
        assert envelope(response) == (401, {"error": True, "reason": "unauthorized", "data": {}})
        assert plugin["key"] not in response.text


WRONG_TIERS = [("plugin", "user"), ("plugin", None), ("website", "plugin")]


@pytest.mark.parametrize(("token", "sent_tier"), WRONG_TIERS)
def test_a_valid_token_under_the_wrong_tier_is_unauthorized(crisp_sandbox, token, sent_tier):
    client = SandboxClient(crisp_sandbox, token)
    if sent_tier is None:
        del client.session.headers["X-Crisp-Tier"]
    else:
        client.session.headers["X-Crisp-Tier"] = sent_tier
    assert envelope(client.get("")) == (401, {"error": True, "reason": "unauthorized", "data": {}})


@pytest.mark.parametrize("tier", ["plugin", "website", "user"])
def test_every_tier_reads_by_default(crisp_sandbox, tier):
    client = SandboxClient(crisp_sandbox, tier)
    assert client.get("conversations/1").status_code == 206
    assert client.data("")["website_id"] == crisp_sandbox.website_id
    assert crisp_sandbox.credentials(tier)["tier"] == tier


def test_a_user_token_without_tier_header_is_taken_as_user_tier(crisp_sandbox):
    client = SandboxClient(crisp_sandbox, "user")
    del client.session.headers["X-Crisp-Tier"]
    assert client.get("").status_code == 200


def test_route_tier_table_restricts_a_route_per_instance():
    with CrispSandbox(size="tiny", port=0, route_tiers={"conversations": ["user"]}) as sandbox:
        denied = SandboxClient(sandbox, "plugin").get("conversations/1")
        assert envelope(denied) == (403, {"error": True, "reason": "restricted_route_tier", "data": {}})
        assert SandboxClient(sandbox, "user").get("conversations/1").status_code == 206
        assert SandboxClient(sandbox, "plugin").get("operators/list").status_code == 200
        sandbox.set_route_tiers({"operators": ["website"]})
        assert SandboxClient(sandbox, "plugin").get("conversations/1").status_code == 206
        assert SandboxClient(sandbox, "plugin").get("operators/list").status_code == 403


def test_route_tier_table_rejects_unknown_tiers():
    with pytest.raises(ValueError, match=r"route_tiers\['conversations'\].*accepted"):
        CrispSandbox(size="tiny", route_tiers={"conversations": ["admin"]})


def test_a_plugin_not_installed_on_the_website_is_not_subscribed(crisp_sandbox):
    client = SandboxClient(crisp_sandbox, "plugin_not_installed")
    for path in ("", "conversations/1", "people/stats"):
        assert envelope(client.get(path)) == (404, {"error": True, "reason": "not_subscribed", "data": {}})


def test_a_plugin_without_people_scopes_is_not_allowed_on_people_routes(crisp_sandbox):
    client = SandboxClient(crisp_sandbox, "plugin_no_people")
    profile_id = SandboxClient(crisp_sandbox).data("people/profiles/1")[0]["people_id"]
    for path in [*PEOPLE_ROUTES, f"people/profile/{profile_id}", f"people/data/{profile_id}"]:
        assert envelope(client.get(path)) == (403, {"error": True, "reason": "not_allowed", "data": {}})
    assert client.get("conversations/1").status_code == 206
    assert client.get("helpdesk/locales/1").status_code == 206


def test_unknown_website_and_unknown_route(crisp_sandbox):
    client = SandboxClient(crisp_sandbox)
    other = "00000000-0000-4000-8000-000000000000"
    assert envelope(client.get(f"/website/{other}/conversations/1")) == (
        404, {"error": True, "reason": "website_not_found", "data": {}},
    )  # fmt: skip
    for path in ("/website/x/conversations/1/extra", "/nothing", "/website"):
        status, body = envelope(client.get(path))
        assert (status, body["reason"], body["data"]) == (
            404, "not_found", {"message": "the route does not exist"},
        )  # fmt: skip
    posted = client.session.post(f"{crisp_sandbox.base_url}/website/{crisp_sandbox.website_id}", timeout=5)
    assert posted.status_code == 404


def test_deleted_or_unknown_conversation_is_not_found(crisp_sandbox):
    client = SandboxClient(crisp_sandbox)
    session = client.data("conversations/1")[0]["session_id"]
    crisp_sandbox.delete_conversation(session)
    for path in (f"conversation/{session}", f"conversation/{session}/messages", "conversation/session_nope"):
        status, body = envelope(client.get(path))
        assert (status, body["error"], body["reason"]) == (404, True, "not_found")
