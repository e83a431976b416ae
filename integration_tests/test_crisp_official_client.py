"""Crisp's official Python client (PyPI `crisp-api`) against the Crisp sandbox, for every read route that
client has and the sandbox serves, so the sandbox stays what Crisp's own clients expect: the same paths, query
strings, envelope and error replies. Answers are compared with the sandbox's ground truth.

The client is pointed at the sandbox with `set_rest_host` + `set_rest_base_path` (its defaults are
https://api.crisp.chat and /v1). It has no helpdesk routes (the Node client does: test_source_helpdesk.py
covers those through the source).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator

import pytest
from crisp_api import Crisp
from crisp_api.errors.route import RouteError
from crisp_api.resources.website import WebsiteResource

from sandboxes.crisp import CrispSandbox

PAGE = 20  # the sandbox's page size when `per_page` is not sent (the Python client never sends it)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[CrispSandbox]:
    with CrispSandbox(size="tiny", seed=7, port=0) as running:
        yield running


@pytest.fixture
def crisp(sandbox: CrispSandbox) -> Iterator[Crisp]:
    client = Crisp()
    client.set_rest_host(f"http://127.0.0.1:{sandbox.port}")
    client.set_rest_base_path("/v1")
    token = sandbox.credentials("plugin")
    client.authenticate(token["identifier"], token["key"])
    before = dict(Crisp.REQUEST_HEADERS)
    client.set_tier("plugin")  # the client keeps headers on the class: restored below
    yield client
    Crisp.REQUEST_HEADERS.clear()
    Crisp.REQUEST_HEADERS.update(before)


def every_page(read: Callable[[int], list[dict]]) -> list[dict]:
    items, page = [], 1
    while batch := read(page):
        assert len(batch) <= PAGE
        items.extend(batch)
        page += 1
        assert page < 100, "the list never ended"
    return items


# client method -> check(crisp.website, sandbox); every GET route of WebsiteResource must be listed here or
# in NOT_SERVED, so a route the client gains is a decision, not a silent gap.
def _website(api: WebsiteResource, sb: CrispSandbox) -> None:
    assert api.get_website(sb.website_id) == sb.workspace.website()


def _operators(api: WebsiteResource, sb: CrispSandbox) -> None:
    assert api.list_website_operators(sb.website_id) == sb.workspace.operators()


def _visitors(api: WebsiteResource, sb: CrispSandbox) -> None:
    assert every_page(lambda page: api.list_visitors(sb.website_id, page)) == sb.workspace.visitors()


def _conversations(api: WebsiteResource, sb: CrispSandbox) -> None:
    truth = list(sb.workspace.conversations())
    listed = every_page(lambda page: api.search_conversations(sb.website_id, page, include_empty="1"))
    assert listed == truth
    non_empty = every_page(lambda page: api.list_conversations(sb.website_id, page))
    assert [c["session_id"] for c in non_empty] == [
        c["session_id"] for c in truth if sb.workspace.messages(c["session_id"])
    ]


def _conversation(api: WebsiteResource, sb: CrispSandbox) -> None:
    truth = next(iter(sb.workspace.conversations()))
    assert api.get_conversation(sb.website_id, truth["session_id"]) == truth


def _conversation_metas(api: WebsiteResource, sb: CrispSandbox) -> None:
    for truth in list(sb.workspace.conversations())[:3]:
        assert api.get_conversation_metas(sb.website_id, truth["session_id"]) == truth["meta"]


def _messages(api: WebsiteResource, sb: CrispSandbox) -> None:
    for conversation in list(sb.workspace.conversations())[:5]:
        session_id = conversation["session_id"]
        newest = api.get_messages_in_conversation(sb.website_id, session_id, {})
        truth = sb.workspace.messages(session_id)
        assert newest == truth[-len(newest) :] if truth else newest == []
        if newest and len(truth) > len(newest):
            older = api.get_messages_in_conversation(
                sb.website_id, session_id, {"timestamp_before": newest[0]["timestamp"]}
            )
            assert older == truth[-len(newest) - len(older) : -len(newest)]


def _people_statistics(api: WebsiteResource, sb: CrispSandbox) -> None:
    assert api.get_people_statistics(sb.website_id) == {"total": len(list(sb.workspace.people_profiles()))}


def _people_profiles(api: WebsiteResource, sb: CrispSandbox) -> None:
    truth = list(sb.workspace.people_profiles())
    assert every_page(lambda page: api.list_people_profiles(sb.website_id, page)) == truth


def _people_profile(api: WebsiteResource, sb: CrispSandbox) -> None:
    truth = next(iter(sb.workspace.people_profiles()))
    assert api.get_people_profile(sb.website_id, truth["people_id"]) == truth


def _people_data(api: WebsiteResource, sb: CrispSandbox) -> None:
    for profile in list(sb.workspace.people_profiles())[:5]:
        people_id = profile["people_id"]
        assert api.get_people_data(sb.website_id, people_id) == {"data": sb.workspace.people_data(people_id)}


def _people_children(api: WebsiteResource, sb: CrispSandbox) -> None:
    ws = sb.workspace
    for profile in list(ws.people_profiles())[:6]:  # the second one has more events than a page
        people_id = profile["people_id"]
        events = every_page(lambda page, p=people_id: api.list_people_events(sb.website_id, p, page))
        assert events == ws.people_events(people_id)
        sessions = every_page(lambda page, p=people_id: api.list_people_conversations(sb.website_id, p, page))
        assert sessions == ws.people_conversations(people_id)
        status = api.get_people_subscription_status(sb.website_id, people_id)
        assert status == ws.people_subscription(people_id)


SERVED: dict[str, Callable[[WebsiteResource, CrispSandbox], None]] = {
    "get_website": _website,
    "list_website_operators": _operators,
    "list_visitors": _visitors,
    "search_conversations": _conversations,
    "list_conversations": _conversations,
    "get_conversation": _conversation,
    "get_conversation_metas": _conversation_metas,
    "get_messages_in_conversation": _messages,
    "get_people_statistics": _people_statistics,
    "list_people_profiles": _people_profiles,
    "get_people_profile": _people_profile,
    "get_people_data": _people_data,
    "list_people_events": _people_children,
    "list_people_conversations": _people_children,
    "get_people_subscription_status": _people_children,
}
# Read routes of the client that no stream uses, so the sandbox does not serve them.
NOT_SERVED = {
    "get_website_availability_status",
    "list_last_active_website_operators",
    "get_website_settings",
    "count_visitors",
    "get_message_in_conversation",
    "get_conversation_routing_assign",
    "list_conversation_pages",
    "list_conversation_events",
    "list_conversation_files",
    "get_conversation_state",
    "get_block_status_for_conversation",
    "list_people_segments",
    "search_people_profiles",
}


def read_routes() -> set[str]:
    return {
        name
        for name, method in inspect.getmembers(WebsiteResource, inspect.isfunction)
        if "self.parent.get(" in inspect.getsource(method) or name == "list_conversations"
    }


def test_every_read_route_of_the_official_client_is_tested_or_named_as_not_served():
    assert read_routes() == set(SERVED) | NOT_SERVED


@pytest.mark.parametrize("method", sorted(SERVED))
def test_the_official_client_reads_the_ground_truth(crisp: Crisp, sandbox: CrispSandbox, method: str):
    SERVED[method](crisp.website, sandbox)


def test_the_official_client_sees_crisp_error_replies(crisp: Crisp, sandbox: CrispSandbox):
    with pytest.raises(RouteError) as raised:
        crisp.website.get_conversation(sandbox.website_id, "session_00000000-0000-4000-8000-000000000000")
    assert (raised.value.args[0]["code"], raised.value.args[0]["message"]) == (404, "not_found")


def test_the_official_client_with_a_wrong_key_is_refused(crisp: Crisp, sandbox: CrispSandbox):
    crisp.authenticate(sandbox.credentials("plugin")["identifier"], "wrong-key")
    with pytest.raises(RouteError) as raised:
        crisp.website.get_website(sandbox.website_id)
    assert (raised.value.args[0]["code"], raised.value.args[0]["message"]) == (401, "unauthorized")
