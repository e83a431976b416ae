"""People events and conversation files as Convot receives them, and the event guesses no sandbox switch
reaches: a route missing under both prefixes, a contact deleted in Convot, an api_url without `/v1`."""

from __future__ import annotations

import json

import pytest
import requests_mock as rm

from destination_convot import guesses as G
from destination_convot.api import ConvotApi
from destination_convot.client import ConvotClient, Pacing
from destination_convot.errors import ConvotRejected, StreamUnwritable
from destination_convot.events_api import ContactEvents, EventsUnverifiable, same_event
from destination_convot.mapping import Skipped, contact_data_payload, event_key, event_payload, file_key
from destination_convot.routes import NOT_IMPORTED, ROUTES

BASE = "http://127.0.0.1:9/v1"
ARTICLE = "http://127.0.0.1:9/api/v1"
EVENT = {"name": "plan_upgraded", "occurred_at": "2023-11-14T22:13:20.000Z", "properties": {"plan": "pro"}}
NOT_FOUND = {"status_code": 404, "json": {"error": {"code": "not_found", "message": "Not found"}}}


def people_event(**columns: object) -> dict:
    return {
        "website_id": "w",
        "people_id": "p-1",
        "text": "plan_upgraded",
        "timestamp": 1_700_000_000_000,
        **columns,
    }


@pytest.fixture
def events() -> ContactEvents:
    return ContactEvents(ConvotApi(ConvotClient(BASE, "ck_app:secret", pacing=Pacing(scale=0))))


# -- mapping -------------------------------------------------------------------------------------------
def test_an_event_becomes_name_occurred_at_and_scalar_properties() -> None:
    data = json.dumps({"plan": "pro", "seats": 3, "paid": True, "limits": {"a": 1}, "gone": None})
    assert event_payload(people_event(data=data, color="red")) == {
        "name": "plan_upgraded",
        "occurred_at": "2023-11-14T22:13:20.000Z",
        "properties": {"plan": "pro", "seats": 3, "paid": True, "limits": '{"a": 1}', "crisp_color": "red"},
    }
    assert event_payload(people_event(data="not json", color=None)) == {
        "name": "plan_upgraded",
        "occurred_at": "2023-11-14T22:13:20.000Z",
    }
    with pytest.raises(Skipped, match="event without text"):
        event_payload(people_event(text="  "))


def test_an_event_is_named_by_its_person_time_and_content_not_by_its_color() -> None:
    base = people_event(data='{"a": 1}')
    assert event_key(base) == event_key({**base, "color": "red", "timestamp": 1_700_000_000_000.0})
    assert event_key(base).startswith("p-1:1700000000000:")
    assert event_key(base) != event_key({**base, "data": '{"a": 2}'})
    assert event_key(base) != event_key({**base, "text": "other"})
    assert event_key({**base, "timestamp": "yesterday"}).startswith("p-1:yesterday:")  # named, then refused
    assert ROUTES["people_events"].problem({**base, "timestamp": "yesterday"}) is not None


def test_a_file_is_named_like_its_message_or_by_its_url() -> None:
    assert file_key({"session_id": "s-1", "fingerprint": 14, "url": "u"}) == "s-1:14"
    assert file_key({"session_id": "s-1", "url": "u"}).startswith("s-1:url:")


def test_every_stream_without_a_convot_place_is_named_no_convot_counterpart() -> None:
    assert not set(NOT_IMPORTED) & set(ROUTES)
    for stream in ("people_segments", "conversation_segments", "website", "campaign_recipients", "visitors"):
        assert NOT_IMPORTED[stream].startswith("no Convot counterpart ("), stream


def test_the_same_event_is_the_same_name_instant_and_properties() -> None:
    assert same_event({**EVENT, "occurred_at": "2023-11-14T22:13:20Z"}, EVENT)
    assert same_event({"name": "plan_upgraded", "occurred_at": EVENT["occurred_at"]}, EVENT)  # none shown
    assert not same_event({**EVENT, "properties": {"plan": "free"}}, EVENT)
    assert not same_event({**EVENT, "occurred_at": "2023-11-14T22:13:21.000Z"}, EVENT)


# -- the guesses -----------------------------------------------------------------------------------------
def test_a_route_missing_under_both_prefixes_for_a_readable_contact_makes_the_stream_unwritable(
    events: ContactEvents, requests_mock: rm.Mocker
) -> None:
    requests_mock.post(f"{BASE}/contacts/7/events", **NOT_FOUND)
    requests_mock.post(f"{ARTICLE}/contacts/7/events", **NOT_FOUND)
    requests_mock.get(f"{BASE}/contacts/7", json={"contact": {"id": 7}})
    with pytest.raises(StreamUnwritable, match="EVENTS_PATH"):
        events.create(7, EVENT)
    assert not events.api.outcomes.known(G.EVENTS_PREFIX)  # neither prefix proven


def test_a_contact_deleted_in_convot_rejects_its_event_only(
    events: ContactEvents, requests_mock: rm.Mocker
) -> None:
    requests_mock.post(f"{BASE}/contacts/7/events", **NOT_FOUND)
    requests_mock.post(f"{ARTICLE}/contacts/7/events", **NOT_FOUND)
    requests_mock.get(f"{BASE}/contacts/7", **NOT_FOUND)
    with pytest.raises(ConvotRejected) as raised:
        events.create(7, EVENT)
    assert raised.value.status == 404


def test_once_api_url_is_proven_a_404_is_not_retried_under_the_other_prefix(
    events: ContactEvents, requests_mock: rm.Mocker
) -> None:
    requests_mock.post(f"{BASE}/contacts/7/events", status_code=201, json={"event": {"id": 1, **EVENT}})
    events.create(7, EVENT)
    requests_mock.post(f"{BASE}/contacts/8/events", **NOT_FOUND)
    article = requests_mock.post(f"{ARTICLE}/contacts/8/events", status_code=201, json={"event": {"id": 2}})
    requests_mock.get(f"{BASE}/contacts/8", **NOT_FOUND)
    with pytest.raises(ConvotRejected):
        events.create(8, EVENT)
    assert not article.called


def test_an_api_url_without_v1_has_no_other_prefix_to_try(requests_mock: rm.Mocker) -> None:
    proxy = "http://127.0.0.1:9/convot"
    events = ContactEvents(ConvotApi(ConvotClient(proxy, "ck_app:secret", pacing=Pacing(scale=0))))
    requests_mock.post(f"{proxy}/contacts/7/events", status_code=201, json={"event": {"id": 1}})
    assert events.create(7, EVENT) == {"id": 1}
    assert [r.url for r in requests_mock.request_history] == [f"{proxy}/contacts/7/events"]


def test_a_lost_answer_without_an_events_list_is_never_sent_twice(
    events: ContactEvents, requests_mock: rm.Mocker
) -> None:
    sent = requests_mock.post(f"{BASE}/contacts/7/events", status_code=503, json={})
    requests_mock.get(f"{BASE}/contacts/7/events", **NOT_FOUND)
    requests_mock.get(f"{ARTICLE}/contacts/7/events", **NOT_FOUND)
    with pytest.raises(EventsUnverifiable):
        events.create(7, EVENT)
    assert sent.call_count == 1
    assert events.api.outcomes.fell_back(G.EVENTS_LIST)


def test_custom_data_kept_whole_by_the_source_brings_keys_discovery_never_saw() -> None:
    """source-crisp keeps maps whose keys are data whole as JSON text in `data`, beside sampled columns."""
    people_data = {
        "website_id": "w",
        "people_id": "p-1",
        "data_plan": "pro",
        "data": '{"plan": "pro", "new": 1}',
    }
    assert contact_data_payload(people_data)["custom_data"] == {"plan": "pro", "new": 1}
    assert contact_data_payload({**people_data, "data": None})["custom_data"] == {"plan": "pro"}
    columns_only = people_event(data_plan="pro", data_seats=None)  # a source without the whole map
    assert event_payload(columns_only)["properties"] == {"plan": "pro"}
    assert event_key(columns_only) == event_key(people_event(data='{"plan": "pro"}'))


def test_every_stream_source_crisp_reads_has_a_convot_place_or_a_stated_reason() -> None:
    """A stream added to the source without a decision here would only be counted as unknown: decide it."""
    from source_crisp.objects import BY_NAME

    assert sorted(set(BY_NAME) - set(ROUTES) - set(NOT_IMPORTED)) == []
