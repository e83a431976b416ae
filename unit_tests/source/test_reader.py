"""Paging stop rules, the loop guard, parents -> children, enrichment and the message walk (requests-mock)."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp.objects import BY_NAME
from source_crisp.page_store import IN_MEMORY_PAGES
from source_crisp.reader import CrispReader
from source_crisp.resume_place import ResumePlace
from source_crisp.rotating_slice import RotatingSlice
from testing.source_builders import WEBSITE_ID, client, envelope, url


def reader(page_size: int = 20) -> CrispReader:
    return CrispReader(client(), WEBSITE_ID, page_size)


def conversations(start: int, count: int) -> list[dict]:
    return [{"session_id": f"s{i}"} for i in range(start, start + count)]


def test_per_page_list_stops_on_a_short_page_without_asking_further(requests_mock):
    requests_mock.get(url("conversations/1"), status_code=206, json=envelope(conversations(0, 20)))
    requests_mock.get(url("conversations/2"), status_code=206, json=envelope(conversations(20, 5)))
    items = [item["session_id"] for item, _ in reader().items(BY_NAME["conversations"])]
    assert len(items) == 25
    assert requests_mock.call_count == 2
    assert requests_mock.request_history[0].qs == {"per_page": ["20"], "include_empty": ["1"]}


def test_per_page_list_of_exact_multiple_ends_on_the_empty_page(requests_mock):
    requests_mock.get(url("conversations/1"), status_code=206, json=envelope(conversations(0, 20)))
    requests_mock.get(url("conversations/2"), status_code=200, json=envelope([]))
    assert len(list(reader().items(BY_NAME["conversations"]))) == 20
    assert requests_mock.call_count == 2


def test_fixed_page_list_does_not_trust_short_pages(requests_mock):
    visitors = [{"session_id": f"v{i}"} for i in range(30)]
    requests_mock.get(url("visitors/list/1"), status_code=206, json=envelope(visitors[:12]))
    requests_mock.get(url("visitors/list/2"), status_code=206, json=envelope(visitors[12:]))
    requests_mock.get(url("visitors/list/3"), status_code=200, json=envelope([]))
    assert len(list(reader().items(BY_NAME["visitors"]))) == 30
    assert "per_page" not in requests_mock.request_history[0].qs


def test_a_server_serving_the_same_page_forever_is_stopped(requests_mock):
    requests_mock.get(url("visitors/list/1"), status_code=206, json=envelope([{"session_id": "v"}]))
    requests_mock.get(url("visitors/list/2"), status_code=206, json=envelope([{"session_id": "v"}]))
    with pytest.raises(AirbyteTracedException, match="same visitors page twice"):
        list(reader().items(BY_NAME["visitors"]))


def test_children_take_their_parent_fields_and_enrichments_merge(requests_mock):
    requests_mock.get(url("helpdesk/locales/1"), status_code=206, json=envelope([{"locale": "fr"}]))
    requests_mock.get(url("helpdesk/locales/2"), status_code=200, json=envelope([]))
    requests_mock.get(
        url("helpdesk/locale/fr/articles/1"), status_code=206, json=envelope([{"article_id": "a1"}])
    )
    requests_mock.get(url("helpdesk/locale/fr/articles/2"), status_code=200, json=envelope([]))
    requests_mock.get(
        url("helpdesk/locale/fr/article/a1"), json=envelope({"article_id": "a1", "content": "# Hi"})
    )
    requests_mock.get(
        url("helpdesk/locale/fr/article/a1/category"),
        json=envelope({"category_id": "c1", "section_id": None}),
    )
    crisp = reader()
    obj = BY_NAME["helpdesk_articles"]
    [(item, context)] = list(crisp.items(obj))
    assert context == {"locale": "fr"}
    assert crisp.enrich(obj, item, context) == {
        "article_id": "a1", "content": "# Hi", "category_id": "c1", "section_id": None,
    }  # fmt: skip


def message(ts: int) -> dict:
    return {"fingerprint": ts * 10, "timestamp": ts, "session_id": "s1"}


def test_message_walk_goes_back_until_crisp_says_200_and_returns_oldest_first(requests_mock):
    path = url("conversation/s1/messages")
    requests_mock.get(path, [
        {"status_code": 206, "json": envelope([message(t) for t in (50, 60, 70)])},
        {"status_code": 206, "json": envelope([message(t) for t in (30, 40, 50)])},  # 1 ms overlap: deduped
        {"status_code": 200, "json": envelope([message(t) for t in (10, 20, 30)])},
    ])  # fmt: skip
    walked = reader().messages(BY_NAME["conversation_messages"], {"session_id": "s1"})
    assert [m["timestamp"] for m in walked] == [10, 20, 30, 40, 50, 60, 70]
    befores = [r.qs.get("timestamp_before") for r in requests_mock.request_history]
    assert befores == [None, ["51"], ["31"]]


def test_message_walk_stops_once_a_batch_reaches_the_reference(requests_mock):
    path = url("conversation/s1/messages")
    requests_mock.get(path, status_code=206, json=envelope([message(t) for t in (50, 60, 70)]))
    walked = reader().messages(BY_NAME["conversation_messages"], {"session_id": "s1"}, stop_at=55)
    assert requests_mock.call_count == 1
    assert [m["timestamp"] for m in walked] == [50, 60, 70]  # the caller filters; the walk only stops


def test_message_walk_of_a_deleted_conversation_is_none(requests_mock):
    requests_mock.get(url("conversation/s1/messages"), status_code=404, json=envelope({}, "not_found", True))
    # The child's 404 is proof only once the conversation's own route confirms it (parents.py).
    parent = requests_mock.get(url("conversation/s1"), status_code=404, json=envelope({}, "not_found", True))
    assert reader().messages(BY_NAME["conversation_messages"], {"session_id": "s1"}) is None
    assert parent.call_count == 1


def test_replay_reads_the_same_page_again_after_a_deletion(requests_mock):
    # While page 1 was processed, s1 was deleted: s20 slid from page 2 onto page 1.
    requests_mock.get(
        url("conversations/1"),
        [
            {"status_code": 206, "json": envelope(conversations(0, 20))},
            {
                "status_code": 206,
                "json": envelope([c for c in conversations(0, 21) if c["session_id"] != "s1"][:20]),
            },
        ],
    )
    requests_mock.get(url("conversations/2"), status_code=206, json=envelope(conversations(21, 3)))
    answers = iter([True, False])
    pages = reader().pages(BY_NAME["conversations"], {}, replay=lambda: next(answers))
    read = [(page.number, page.items[-1]["session_id"]) for page in pages]
    assert read == [(1, "s19"), (1, "s20"), (2, "s23")]


def test_a_website_without_help_center_has_empty_helpdesk_streams(requests_mock, caplog):
    requests_mock.get(
        url("helpdesk/locales/1"), status_code=404, json=envelope({}, "helpdesk_not_found", True)
    )
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        assert list(reader().items(BY_NAME["helpdesk_articles"])) == []
    assert "has not set this up" in caplog.text


def _list_all(shared: CrispReader, params: dict | None = None, replay=None) -> list[str]:
    pages = shared.pages(BY_NAME["conversations"], {}, params, replay=replay)
    return [item["session_id"] for page in pages for item in page.items]


def test_a_second_walk_of_the_same_conversation_pages_in_one_sync_costs_no_request(requests_mock):
    requests_mock.get(url("conversations/1"), status_code=206, json=envelope(conversations(0, 20)))
    requests_mock.get(url("conversations/2"), status_code=206, json=envelope(conversations(20, 3)))
    shared = reader()
    first = _list_all(shared, {"order_date_updated": "1"})
    assert _list_all(shared, {"order_date_updated": "1"}) == first  # the messages stream's parent walk
    assert requests_mock.call_count == 2
    _list_all(shared, {"order_date_created": "1"})  # another query is another list
    assert requests_mock.call_count == 4


def test_every_page_of_a_long_list_serves_the_second_walk_with_few_pages_in_memory(requests_mock):
    last = IN_MEMORY_PAGES * 3
    for number in range(1, last):
        page = envelope(conversations(number * 20, 20))
        requests_mock.get(url(f"conversations/{number}"), status_code=206, json=page)
    requests_mock.get(url(f"conversations/{last}"), status_code=200, json=envelope([]))
    shared = reader()
    first = _list_all(shared)
    requests_mock.reset_mock()
    assert _list_all(shared) == first
    assert requests_mock.call_count == 0  # the pages held in memory and the ones spilled to the file
    assert len(shared.page_store._recent) == IN_MEMORY_PAGES


def test_after_a_replay_the_rest_of_the_walk_is_read_from_crisp(requests_mock):
    """A deletion shifted the list up: the stored page 2 no longer lines up with the re-read page 1."""
    requests_mock.get(url("conversations/1"), status_code=206, json=envelope(conversations(0, 20)))
    requests_mock.get(url("conversations/2"), status_code=206, json=envelope(conversations(20, 3)))
    shared = reader()
    _list_all(shared)
    requests_mock.get(url("conversations/1"), status_code=206, json=envelope(conversations(1, 20)))
    requests_mock.get(url("conversations/2"), status_code=206, json=envelope(conversations(21, 2)))
    requests_mock.reset_mock()
    replays = iter([True, False, False])
    read = _list_all(shared, replay=lambda: next(replays))
    assert read[20:] == [f"s{i}" for i in range(1, 23)]  # s20 slid onto page 1, s21 and s22 onto page 2
    assert requests_mock.call_count == 2  # page 1 again and page 2, both from Crisp


def test_a_replayed_page_is_read_again_from_crisp(requests_mock):
    requests_mock.get(
        url("conversations/1"),
        [
            {"status_code": 206, "json": envelope(conversations(0, 20))},
            {"status_code": 206, "json": envelope(conversations(1, 20))},  # s0 was deleted meanwhile
        ],
    )
    requests_mock.get(url("conversations/2"), status_code=206, json=envelope(conversations(21, 2)))
    replays = iter([True, False, False])
    assert _list_all(reader(), replay=lambda: next(replays))[20:40] == [f"s{i}" for i in range(1, 21)]
    assert requests_mock.call_count == 3


def test_pages_of_an_object_with_secret_fields_never_reach_the_page_store(requests_mock):
    requests_mock.get(url("conversations/1"), status_code=206, json=envelope(conversations(0, 3)))
    requests_mock.get(url("conversations/2"), status_code=200, json=envelope([]))
    with_secrets = dataclasses.replace(BY_NAME["conversations"], never_emit=("token",))
    shared = reader()
    for _walk in range(2):
        assert len([item for page in shared.pages(with_secrets, {}) for item in page.items]) == 3
    assert requests_mock.call_count == 4  # each walk asks both pages again: none was stored
    assert shared.page_store.pages == 0


def test_per_page_list_reads_past_a_page_shorter_than_asked_until_the_server_ends_it(requests_mock, caplog):
    """A server that ignores per_page=50 and serves 20: every page is short of what was asked."""
    requests_mock.get(url("conversations/1"), status_code=206, json=envelope(conversations(0, 20)))
    requests_mock.get(url("conversations/2"), status_code=206, json=envelope(conversations(20, 20)))
    requests_mock.get(url("conversations/3"), status_code=206, json=envelope(conversations(40, 7)))
    items = [item["session_id"] for item, _ in reader(page_size=50).items(BY_NAME["conversations"])]
    assert items == [f"s{i}" for i in range(47)]
    # Page 3 is shorter than the 20 the route served: proven the last, no page 4 asked.
    assert requests_mock.call_count == 3
    assert any("served 20 items on a page although per_page=50" in r.getMessage() for r in caplog.records)


def test_a_one_page_per_page_list_is_confirmed_by_the_empty_page_after_it(requests_mock):
    requests_mock.get(url("people/profiles/1"), status_code=206, json=envelope([{"people_id": "p1"}]))
    requests_mock.get(url("people/profiles/2"), status_code=200, json=envelope([]))
    walked = reader(page_size=50)
    pages = list(walked.pages(BY_NAME["people_profiles"], {}))
    assert [len(page.items) for page in pages] == [1]
    assert not pages[0].final  # only the empty page 2 could say it was the last
    assert requests_mock.call_count == 2


def test_what_a_route_served_is_known_to_its_next_walk_of_the_sync(requests_mock):
    """A second walk with another query knows the route's page size: its short page ends it at once."""
    requests_mock.get(url("people/profiles/1"), status_code=206, json=envelope([
        {"people_id": f"p{i}"} for i in range(20)
    ]))  # fmt: skip
    requests_mock.get(url("people/profiles/2"), status_code=206, json=envelope([{"people_id": "p20"}]))
    walked = reader(page_size=50)
    assert sum(len(page.items) for page in walked.pages(BY_NAME["people_profiles"], {})) == 21
    assert requests_mock.call_count == 2  # page 2 (1 < 20 served) ended the list
    sorted_walk = list(walked.pages(BY_NAME["people_profiles"], {}, {"sort_field": "updated_at"}))
    assert [page.final for page in sorted_walk] == [False, True]
    assert requests_mock.call_count == 4


def placed(state: dict, page_size: int = 20) -> list[tuple[int, list[str]]]:
    place = ResumePlace(reader(page_size), BY_NAME["teams"], state, logging.getLogger("airbyte"))
    return [(page.number, [item["team_id"] for item in page.items]) for page in place.pages()]


def teams(*names: str) -> dict:
    return envelope([{"team_id": name} for name in names])


def test_a_resume_after_an_insertion_above_finds_its_place_on_the_saved_page(requests_mock):
    """t0, t1 were read before the kill (page 1 of 2 items); `new` was added at the top since."""
    requests_mock.get(url("teams/list/1"), status_code=206, json=teams("new", "t0"))
    requests_mock.get(url("teams/list/2"), status_code=206, json=teams("t1", "t2"))
    requests_mock.get(url("teams/list/3"), status_code=200, json=envelope([]))
    state = {"updated_at": None, "resume_page": 2, "resume_after": [["t0"], ["t1"]]}
    assert placed(state) == [(1, []), (2, ["t2"])]


def test_a_resume_checkpoints_nothing_before_its_place_is_found(requests_mock):
    """Items were added above: t4, the last item read before the kill (end of page 2), is now on page 3.
    Page 2 holds none of the markers, so it yields nothing (no checkpoint can claim it); page 3 yields what
    follows t4."""
    requests_mock.get(url("teams/list/2"), status_code=206, json=teams("a", "b"))
    requests_mock.get(url("teams/list/3"), status_code=206, json=teams("t4", "t5"))
    requests_mock.get(url("teams/list/4"), status_code=200, json=envelope([]))
    state = {"updated_at": None, "resume_page": 3, "resume_after": [["t4"]]}
    assert placed(state) == [(3, ["t5"])]


def test_a_malformed_resume_after_is_a_config_error_naming_it(requests_mock):
    with pytest.raises(AirbyteTracedException) as error:
        placed({"updated_at": None, "resume_page": 2, "resume_after": "t1"})
    assert error.value.failure_type.value == "config_error"
    assert "stream 'teams'" in error.value.message
    assert "'resume_after'" in error.value.message
    assert requests_mock.call_count == 0


def test_the_rotating_slice_moves_on_past_a_short_page_the_list_continues_after(requests_mock):
    """A server that ignores per_page=50: page 1 (20 items) is not the end, so the next sync's window starts
    at page 2, not again at page 1 (the slice would never reach pages 2 and 3)."""
    requests_mock.get(url("conversations/1"), status_code=206, json=envelope(conversations(0, 20)))
    requests_mock.get(url("conversations/2"), status_code=206, json=envelope(conversations(20, 20)))
    requests_mock.get(url("conversations/3"), status_code=206, json=envelope(conversations(40, 3)))
    walked = reader(page_size=50)
    window = RotatingSlice(walked, BY_NAME["conversations"], {}, start=1, size=1)
    assert [len(items) for items in window.pages()] == [20]
    assert window.next_page == 2
    window = RotatingSlice(walked, BY_NAME["conversations"], {}, start=3, size=1)
    assert [len(items) for items in window.pages()] == [3]
    assert (window.next_page, window.list_pages) == (1, 3)  # page 3 (3 < 20 served) is the last
