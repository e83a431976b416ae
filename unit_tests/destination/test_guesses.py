"""The guess checks of `api.py` no sandbox switch reaches: a fallback is taken only when Convot's answers
prove the guess wrong, never because a record was refused for its own reasons."""

from __future__ import annotations

import json
import logging

import pytest
import requests_mock as rm

from destination_convot import api as api_module
from destination_convot import guesses as G
from destination_convot.api import ConvotApi
from destination_convot.client import ConvotClient, Pacing
from destination_convot.errors import AssumptionFailed, ConvotRejected

BASE = "http://127.0.0.1:9/v1"
CONVERSATION = {"contact_id": 7, "content": "hi", "type": "incoming", "external_id": "crisp:s-1"}


def refusal(status: int, detail: str) -> dict:
    return {
        "status_code": status,
        "json": {"error": {"code": "x", "message": "refused", "details": [detail]}},
    }


@pytest.fixture
def api() -> ConvotApi:
    return ConvotApi(ConvotClient(BASE, "ck_app:secret", pacing=Pacing(scale=0)))


def test_a_list_without_has_more_is_read_to_an_empty_page(api: ConvotApi, requests_mock: rm.Mocker) -> None:
    pages = [{"json": {"messages": [{"id": 1}, {"id": 2}]}}, {"json": {"messages": [{"id": 3}]}}]
    requests_mock.get(f"{BASE}/conversations/c/messages", [*pages, {"json": {"messages": []}}])
    assert [m["id"] for m in api.list_messages("c")] == [1, 2, 3]
    assert [r.qs["page"] for r in requests_mock.request_history] == [["1"], ["2"], ["3"]]


def test_a_list_repeating_its_page_stops_naming_the_page_parameter(
    api: ConvotApi, requests_mock: rm.Mocker
) -> None:
    requests_mock.get(
        f"{BASE}/conversations/c/messages", json={"messages": [{"id": 1}], "meta": {"has_more": True}}
    )
    with pytest.raises(AssumptionFailed, match="PAGE_PARAM"):
        api.list_messages("c")
    assert requests_mock.call_count == 2


def test_a_refused_page_size_falls_back_only_when_the_list_works_without_it(
    api: ConvotApi, requests_mock: rm.Mocker
) -> None:
    requests_mock.get(f"{BASE}/conversations", [refusal(422, "bad filter"), refusal(422, "bad filter")])
    with pytest.raises(ConvotRejected):
        api.find_conversation("crisp:s-1")
    assert not api.outcomes.fell_back(G.PER_PAGE)  # the filter, not the page size, was refused

    requests_mock.get(f"{BASE}/helpdesk/languages", [refusal(422, "per page"), {"json": {"languages": []}}])
    assert api.list_languages() == []
    assert api.outcomes.fell_back(G.PER_PAGE)
    assert "per_page" not in requests_mock.request_history[-1].qs


def test_contact_id_is_given_up_only_when_the_same_conversation_works_with_email(
    api: ConvotApi, requests_mock: rm.Mocker
) -> None:
    requests_mock.post(f"{BASE}/conversations", [refusal(422, "Content is too long")] * 2)
    with pytest.raises(ConvotRejected, match="Content is too long"):
        api.create_conversation(CONVERSATION, "jane@example.com")
    assert not api.outcomes.fell_back(G.CONTACT_ID)

    started = {"conversation": {"id": "u-1", "contact_id": 7, "external_id": "crisp:s-1"}}
    requests_mock.post(
        f"{BASE}/conversations", [refusal(422, "unknown contact_id"), {"json": started}, {"json": started}]
    )
    requests_mock.get(
        f"{BASE}/conversations/u-1/messages", json={"messages": [{"type": "incoming", "content": "hi"}]}
    )
    assert api.create_conversation(CONVERSATION, "jane@example.com")["id"] == "u-1"
    assert api.outcomes.fell_back(G.CONTACT_ID)
    api.create_conversation(CONVERSATION, "jane@example.com")
    sent = [json.loads(r.body) for r in requests_mock.request_history if r.method == "POST"]
    assert [("contact_id" in body, body.get("email")) for body in sent[-3:]] == [
        (True, None),
        (False, "jane@example.com"),
        (False, "jane@example.com"),  # the rest of the run starts conversations by email
    ]


def test_a_conversation_given_to_another_contact_is_warned_about(
    api: ConvotApi, requests_mock: rm.Mocker, caplog: pytest.LogCaptureFixture
) -> None:
    requests_mock.post(f"{BASE}/conversations", json={"conversation": {"id": "u-1", "contact_id": 99}})
    requests_mock.get(f"{BASE}/conversations/u-1/messages", json={"messages": []})
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        api.create_conversation(CONVERSATION, "jane@example.com")
    assert api.outcomes.fell_back(G.CONTACT_ID)
    assert "sent with contact_id 7 was stored with 99" in caplog.text


def test_status_falls_back_to_patch_only_when_the_patch_works(
    api: ConvotApi, requests_mock: rm.Mocker
) -> None:
    requests_mock.post(f"{BASE}/conversations/gone/resolve", **refusal(404, "Conversation not found"))
    requests_mock.patch(f"{BASE}/conversations/gone", **refusal(404, "Conversation not found"))
    with pytest.raises(ConvotRejected):
        api.set_status("gone", "resolved")
    assert not api.outcomes.fell_back(G.STATUS_PATHS)  # the conversation is gone, not the route

    requests_mock.post(f"{BASE}/conversations/u-1/resolve", **refusal(404, "No API route"))
    requests_mock.patch(f"{BASE}/conversations/u-1", json={"conversation": {"status": "resolved"}})
    api.set_status("u-1", "resolved")
    api.set_status("u-1", "resolved")
    assert api.outcomes.fell_back(G.STATUS_PATHS)
    assert [r.method for r in requests_mock.request_history[-3:]] == ["POST", "PATCH", "PATCH"]


def test_without_kept_times_a_lost_message_is_the_newest_one_beyond_what_the_ledger_confirmed(
    api: ConvotApi, requests_mock: rm.Mocker
) -> None:
    sent = {"content": "ok", "type": "incoming", "created_at": "2023-01-01T00:00:00.000Z"}
    held = [{"id": 1, "content": "ok", "type": "outgoing"}, {"id": 2, "content": "ok", "type": "outgoing"}]
    requests_mock.get(
        f"{BASE}/conversations/c/messages", json={"messages": held, "meta": {"has_more": False}}
    )
    assert api.find_message("c", sent, confirmed=1)["id"] == 2  # Convot holds one more: the lost POST
    assert api.find_message("c", sent, confirmed=2) is None  # both confirmed: the lost POST was not applied


def test_an_ignored_filter_is_matched_client_side_within_a_bound(
    api: ConvotApi, requests_mock: rm.Mocker, monkeypatch: pytest.MonkeyPatch
) -> None:
    others = [{"id": n, "external_id": f"other-{n}"} for n in range(5)]
    requests_mock.get(f"{BASE}/helpdesk/articles", json={"articles": others, "meta": {"has_more": False}})
    assert api.find_helpdesk("article", "crisp:article:en:a1") is None
    assert api.outcomes.fell_back(G.external_id_filter("/helpdesk/articles"))
    monkeypatch.setattr(api_module, "MAX_SCANNED_OBJECTS", 3)
    with pytest.raises(AssumptionFailed, match="EXTERNAL_ID_FIELD"):
        api.find_helpdesk("article", "crisp:article:en:a1")
