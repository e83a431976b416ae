"""Paging ends, per_page bounds, every conversations filter and order, message batches, people queries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sandboxes.crisp import CrispSandbox
from sandboxes.crisp.testing import SandboxClient, running_client


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


@pytest.fixture(scope="module")
def client():
    with running_client() as shared:  # read-only tests share one sandbox
        yield shared


@pytest.fixture(scope="module")
def everything(client) -> list[dict]:
    return client.all_conversations()


def test_default_page_size_is_20_and_the_list_ends_with_200_empty(client):
    pages = client.pages("conversations")
    assert all(len(page) == 20 for page in pages[:-1])
    assert 0 < len(pages[-1]) <= 20
    assert len(pages) >= 4


@pytest.mark.parametrize(("asked", "served"), [("50", 50), ("35", 35), ("5", 20), ("500", 50), ("", 20)])
def test_per_page_is_clamped_to_20_50(client, asked, served):
    assert len(client.data("conversations/1", per_page=asked)) == served


def test_bad_per_page_and_page_zero_are_invalid_data(client):
    for response in (client.get("conversations/1", per_page="many"), client.get("conversations/0")):
        assert response.status_code == 400
        body = response.json()
        assert (body["error"], body["reason"]) == (True, "invalid_data")
        assert body["data"]["message"]


def test_a_missing_page_segment_means_page_one(client):
    assert client.data("conversations") == client.data("conversations/1")


def test_empty_conversations_are_hidden_unless_include_empty(client, everything):
    visible = client.all("conversations", per_page=50)
    hidden = [c for c in everything if c["session_id"] not in {v["session_id"] for v in visible}]
    assert 2 <= len(hidden) <= 6
    for conversation in hidden:
        assert conversation["last_message"] == ""
        response = client.get(f"conversation/{conversation['session_id']}/messages")
        assert (response.status_code, response.json()["data"]) == (200, [])


def test_default_order_and_order_date_updated_are_latest_activity_first(client, everything):
    stamps = [c["updated_at"] for c in everything]
    assert stamps == sorted(stamps, reverse=True)
    assert client.all("conversations", per_page=50, include_empty=1, order_date_updated=1) == everything


def test_order_date_created_sorts_by_creation_newest_first(client, everything):
    listed = client.all("conversations", per_page=50, include_empty=1, order_date_created=1)
    assert [c["created_at"] for c in listed] == sorted((c["created_at"] for c in everything), reverse=True)
    assert [c["session_id"] for c in listed] != [c["session_id"] for c in everything]


def test_order_date_waiting_puts_waiting_conversations_first_newest_first(client, everything):
    listed = client.all("conversations", per_page=50, include_empty=1, order_date_waiting=1)
    waiting = [c["waiting_since"] for c in listed if "waiting_since" in c]
    assert waiting == sorted(waiting, reverse=True)
    assert all("waiting_since" in c for c in listed[: len(waiting)])
    assert len(listed) == len(everything)


@pytest.mark.parametrize(
    ("flag", "keep"),
    [
        ("filter_resolved", lambda c: c["state"] == "resolved"),
        ("filter_not_resolved", lambda c: c["state"] != "resolved"),
        ("filter_unread", lambda c: c["unread"]["operator"] > 0),
    ],
)
def test_state_filters_keep_exactly_the_matching_conversations(client, everything, flag, keep):
    listed = client.all("conversations", per_page=50, include_empty=1, **{flag: 1})
    expected = [c["session_id"] for c in everything if keep(c)]
    assert [c["session_id"] for c in listed] == expected
    assert 0 < len(expected) < len(everything)


def test_date_filter_applies_to_updated_at_inclusively(client, everything):
    start, end = everything[40]["updated_at"], everything[10]["updated_at"]
    listed = client.all("conversations", per_page=50, include_empty=1, filter_date_start=iso(start),
                        filter_date_end=iso(end))  # fmt: skip
    assert [c["session_id"] for c in listed] == [c["session_id"] for c in everything[10:41]]
    only_start = client.all("conversations", per_page=50, include_empty=1, filter_date_start=iso(start))
    assert len(only_start) == 41


def test_date_filter_can_be_switched_to_created_at():
    with CrispSandbox(size="tiny", seed=7, port=0, date_filter_field="created_at") as sandbox:
        client = SandboxClient(sandbox)
        everything = client.all("conversations", per_page=50, include_empty=1)
        cut = sorted(c["created_at"] for c in everything)[30]
        listed = client.all("conversations", per_page=50, include_empty=1, filter_date_start=iso(cut))
        expected = {c["session_id"] for c in everything if c["created_at"] >= cut}
        assert {c["session_id"] for c in listed} == expected
        assert any(c["updated_at"] >= cut > c["created_at"] for c in everything)  # the switch matters


def test_a_malformed_date_is_invalid_data(client):
    response = client.get("conversations/1", filter_date_start="yesterday")
    assert (response.status_code, response.json()["reason"]) == (400, "invalid_data")


def _long_thread(everything: list[dict], client: SandboxClient) -> tuple[str, list[dict]]:
    for conversation in everything:
        truth = client.sandbox.workspace.messages(conversation["session_id"])
        if len(truth) > 45:
            return conversation["session_id"], truth
    raise AssertionError("tiny has no conversation with more than 45 messages")


def test_messages_walk_backward_in_batches_of_20_with_206_until_200(client, everything):
    session, truth = _long_thread(everything, client)
    path, seen, before, statuses = f"conversation/{session}/messages", [], None, []
    while True:
        response = client.get(path, **({} if before is None else {"timestamp_before": before}))
        batch = response.json()["data"]
        statuses.append(response.status_code)
        if not batch:
            break
        assert len(batch) <= 20
        assert [m["timestamp"] for m in batch] == sorted(m["timestamp"] for m in batch)
        seen = batch + seen
        before = batch[0]["timestamp"]
        if response.status_code == 200:
            break
    assert seen == truth
    assert statuses[:-1] == [206] * (len(statuses) - 1)
    assert statuses[-1] == 200
    assert len(statuses) == -(-len(truth) // 20)


def test_messages_walk_forward_with_timestamp_after(client, everything):
    session, truth = _long_thread(everything, client)
    path, seen, after = f"conversation/{session}/messages", [], 0
    while batch := client.data(path, timestamp_after=after):
        seen += batch
        after = batch[-1]["timestamp"]
    assert seen == truth
    first = client.get(path, timestamp_after=0)
    later = client.get(path, timestamp_after=truth[30]["timestamp"])
    assert (first.status_code, later.status_code) == (200, 206)
    assert later.json()["data"] == truth[31:51]


def test_a_short_thread_answers_200_and_timestamp_around_centres_the_batch(client, everything):
    short = next(c for c in everything if 0 < len(client.sandbox.workspace.messages(c["session_id"])) < 20)
    response = client.get(f"conversation/{short['session_id']}/messages")
    assert response.status_code == 200
    session, truth = _long_thread(everything, client)
    around = client.data(f"conversation/{session}/messages", timestamp_around=truth[40]["timestamp"])
    assert around == truth[30:50]


@pytest.mark.parametrize(
    "params", [{"timestamp_before": "soon"}, {"timestamp_before": 1, "timestamp_after": 2}]
)
def test_bad_message_selectors_are_invalid_data(client, everything, params):
    response = client.get(f"conversation/{everything[0]['session_id']}/messages", **params)
    assert (response.status_code, response.json()["reason"]) == (400, "invalid_data")


def test_people_default_order_is_newest_created_first_with_paging(client):
    pages = client.pages("people/profiles")
    assert [len(p) for p in pages] == [20, 20]
    profiles = [p for page in pages for p in page]
    assert [p["created_at"] for p in profiles] == sorted((p["created_at"] for p in profiles), reverse=True)
    assert len(client.data("people/profiles/1", per_page=50)) == 40


@pytest.mark.parametrize("field", ["nickname", "email", "updated_at", "score"])
@pytest.mark.parametrize("order", ["ascending", "descending"])
def test_people_sort_field_and_order(client, field, order):
    profiles = client.all("people/profiles", per_page=50, sort_field=field, sort_order=order)
    def key(p):
        return p["person"]["nickname"].casefold() if field == "nickname" else p[field]
    assert [key(p) for p in profiles] == sorted(map(key, profiles), reverse=order == "descending")
    assert len(profiles) == 40


def test_people_date_filter_is_on_created_at_and_search_text_matches_names(client):
    profiles = client.all("people/profiles", per_page=50)
    cut = profiles[9]["created_at"]
    recent = client.all("people/profiles", per_page=50, filter_date_start=iso(cut))
    assert recent == profiles[:10]
    name = profiles[5]["person"]["nickname"].split(" ")[0]
    found = client.all("people/profiles", per_page=50, search_text=name.upper())
    assert profiles[5] in found
    assert all(name.casefold() in (p["person"]["nickname"] + p["email"]).casefold() for p in found)


def test_people_bad_sort_is_invalid_data(client):
    for params in ({"sort_field": "shoe_size"}, {"sort_order": "sideways"}):
        response = client.get("people/profiles/1", **params)
        assert (response.status_code, response.json()["reason"]) == (400, "invalid_data")


FIXED_SIZE_LISTS = [
    "helpdesk/locales", "helpdesk/locale/en/categories", "helpdesk/locale/fr/articles", "visitors/list",
]  # fmt: skip


@pytest.mark.parametrize("path", FIXED_SIZE_LISTS)
def test_fixed_size_lists_end_with_200_empty(client, path):
    assert client.pages(path)  # asserts 206 on each page and 200 [] after the last one


def test_unknown_children_are_not_found(client):
    for path in ("conversation/session_00000000-0000-4000-8000-000000000000", "helpdesk/locale/de/articles/1",
                 "helpdesk/locale/en/article/nope", "people/profile/nope"):  # fmt: skip
        assert client.get(path).status_code == 404


# --- list switches (ordering.py) ---


def _order(**options) -> list[dict]:
    with running_client(**options) as switched:
        return switched.all("conversations", per_page=20, include_empty=1, order_date_created=1)


def test_order_switches_reverse_or_drop_a_sort(everything):
    newest_first = sorted(everything, key=lambda c: c["created_at"], reverse=True)
    ids = [c["session_id"] for c in newest_first]
    assert [c["session_id"] for c in _order()] == ids
    assert [c["session_id"] for c in _order(order={"order_date_created": "oldest_first"})] == ids[::-1]
    ignored = _order(order={"order_date_created": "ignored"})
    assert [c["session_id"] for c in ignored] == [c["session_id"] for c in everything]  # the default order


def test_waiting_as_the_docs_read_lists_only_waiting_ones_longest_waiting_first(everything):
    with running_client(order={"order_date_waiting": "longest_waiting_first"}) as switched:
        listed = switched.all("conversations", per_page=20, include_empty=1, order_date_waiting=1)
    waiting = sorted((c for c in everything if c.get("waiting_since")), key=lambda c: c["waiting_since"])
    assert [c["session_id"] for c in listed] == [c["session_id"] for c in waiting]
    assert len(waiting) < len(everything)


@pytest.mark.parametrize(("misplaced", "page"), [("negative", 1), ("middle", 1), ("middle", 2)])
def test_misplaced_puts_one_conversation_at_the_top_of_a_page(misplaced, page):
    with running_client(misplaced=misplaced, misplaced_page=page) as switched:
        pages = switched.pages("conversations", per_page=20, include_empty=1, order_date_updated=1)
        truth = {c["session_id"] for c in switched.sandbox.workspace.conversations()}
    listed = [c for p in pages for c in p]
    assert {c["session_id"] for c in listed} == truth
    assert len(listed) == len(truth)
    top = pages[page - 1][0]
    assert top["updated_at"] < pages[page - 1][1]["updated_at"]  # out of order
    assert (top["created_at"] < 0) == (misplaced == "negative")


@pytest.mark.parametrize("size", [1, 7, 100])
def test_fixed_page_size_switch(size):
    with running_client(fixed_page_size=size) as switched:
        pages = switched.pages("visitors/list")
    assert [len(p) for p in pages[:-1]] == [size] * (len(pages) - 1)
    assert sum(len(p) for p in pages) == 24
