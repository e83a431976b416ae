"""Lists a hostile server never ends: cycling pages, endless distinct pages, message batches that ignore
`timestamp_before`, timestamps that are not numbers. Every walk stops with a clear error, bounded."""

from __future__ import annotations

import re

import pytest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp.objects import BY_NAME
from source_crisp.reader import CrispReader
from testing.source_builders import WEBSITE_ID, client, envelope, url

CONVERSATIONS = BY_NAME["conversations"]
MESSAGES = BY_NAME["conversation_messages"]


def reader(max_pages: int = 10_000) -> CrispReader:
    return CrispReader(client(), WEBSITE_ID, 20, max_pages)


def page(start: int) -> list[dict]:
    return [{"session_id": f"s{i}", "updated_at": 1000 - i} for i in range(start, start + 20)]


def test_pages_alternating_a_b_a_b_are_stopped_on_the_first_repeat(requests_mock):
    a, b = page(0), page(20)
    requests_mock.get(
        re.compile(r".*/conversations/\d+"), [{"status_code": 206, "json": envelope(p)} for p in (a, b) * 50]
    )
    with pytest.raises(AirbyteTracedException, match="same conversations page twice \\(page 3"):
        list(reader().items(CONVERSATIONS))
    assert requests_mock.call_count == 3


def test_a_cycle_of_three_is_stopped_too(requests_mock):
    cycle = [page(0), page(20), page(40)]
    requests_mock.get(
        re.compile(r".*/conversations/\d+"), [{"status_code": 206, "json": envelope(p)} for p in cycle * 20]
    )
    with pytest.raises(AirbyteTracedException, match="page twice"):
        list(reader().items(CONVERSATIONS))
    assert requests_mock.call_count == 4


def test_a_list_that_never_ends_stops_at_max_pages_naming_the_option(requests_mock):
    def endless(request, context):
        context.status_code = 206
        number = int(request.path.rsplit("/", 1)[1])
        return envelope(page(number * 20))

    requests_mock.get(re.compile(r".*/conversations/\d+"), json=endless)
    with pytest.raises(AirbyteTracedException, match=r"did not end after 7 pages.*'max_pages_per_list'"):
        list(reader(max_pages=7).items(CONVERSATIONS))
    assert requests_mock.call_count == 8  # the 8th page proves the list did not end at 7


def test_a_replayed_page_may_come_back_unchanged(requests_mock):
    requests_mock.get(url("conversations/1"), status_code=206, json=envelope(page(0)))
    requests_mock.get(url("conversations/2"), status_code=200, json=envelope([]))
    replays = iter([True, False])
    pages = list(reader().pages(CONVERSATIONS, {}, replay=lambda: next(replays)))
    assert [p.number for p in pages] == [1, 1]


def message(timestamp: object, fingerprint: int) -> dict:
    return {"fingerprint": fingerprint, "timestamp": timestamp}


def test_message_batches_that_ignore_timestamp_before_are_stopped(requests_mock):
    a = [message(t, t) for t in (100, 110, 120)]
    b = [message(t, t) for t in (50, 60, 70)]
    requests_mock.get(
        url("conversation/s1/messages"), [{"status_code": 206, "json": envelope(x)} for x in (a, b) * 50]
    )
    with pytest.raises(AirbyteTracedException, match="newer than the timestamp_before"):
        reader().messages(MESSAGES, {"session_id": "s1"})
    assert requests_mock.call_count == 3


def test_a_message_walk_that_never_ends_stops_at_max_pages(requests_mock):
    def older_and_older(request, context):
        context.status_code = 206
        before = int(request.qs.get("timestamp_before", ["1000000"])[0])
        return envelope([message(before - k, before - k) for k in (1, 2, 3)])

    requests_mock.get(url("conversation/s1/messages"), json=older_and_older)
    with pytest.raises(AirbyteTracedException, match="did not end after 5 batches"):
        reader(max_pages=5).messages(MESSAGES, {"session_id": "s1"})
    assert requests_mock.call_count == 5


def test_message_timestamps_that_are_not_numbers_do_not_crash_the_walk(requests_mock):
    batch = [
        message("yesterday", 1),
        message("120", 2),
        message(None, "x"),
        message(110, 3),
        message(1e400, 4),
    ]
    requests_mock.get(url("conversation/s1/messages"), status_code=200, json=envelope(batch))
    walked = reader().messages(MESSAGES, {"session_id": "s1"})
    assert sorted(str(m["fingerprint"]) for m in walked) == ["1", "2", "3", "4", "x"]
    assert [m["fingerprint"] for m in walked][-2:] == [3, 2]  # 110 then "120"


@pytest.mark.parametrize("data", [{"session_id": "s1"}, "listed", 7])
def test_a_list_answered_with_something_else_is_an_error_not_its_keys(requests_mock, data):
    requests_mock.get(url("conversations/1"), status_code=206, json=envelope(data))
    with pytest.raises(AirbyteTracedException, match="not a list"):
        list(reader().items(CONVERSATIONS))


def test_items_that_are_not_objects_are_an_error_not_an_early_end(requests_mock):
    requests_mock.get(url("conversations/1"), status_code=206, json=envelope(["s1", None, 3]))
    with pytest.raises(AirbyteTracedException, match="not JSON objects"):
        list(reader().items(CONVERSATIONS))
    requests_mock.get(url("operators/list"), status_code=200, json=envelope({"u1": {"user_id": "u1"}}))
    with pytest.raises(AirbyteTracedException, match="operators list with a JSON dict"):
        list(reader().items(BY_NAME["operators"]))
