"""bench/peers.py's sequential floor reads every object of the tiny workspace once, with the fewest requests.

Its ratios are only a floor if the loop makes exactly the requests the workspace needs (one per page, one
per message batch, one per item route) and counts every record; expected figures come from the workspace.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))  # bench/ scripts import siblings

from crisp_sandbox_bench import Server
from peers import floor
from source_bench import PAGE

from sandboxes.crisp.assumptions import FIXED_PAGE_SIZE, MESSAGE_BATCH


def pages_until_short(n: int, size: int) -> int:
    """A list sized by per_page: its last page is shorter, or empty when n is a multiple of size."""
    return n // size + 1


def pages_until_empty(n: int, size: int) -> int:
    """A list the server pages by itself: it ends on an empty page."""
    return -(-n // size) + 1


def test_floor_reads_each_object_once_with_the_minimal_requests(crisp_sandbox):
    workspace = crisp_sandbox.workspace
    store, people, desk = workspace.store, workspace.people, workspace.helpdesk
    messages = [len(store.message_timestamps(i)) for i in range(store.count)]
    articles = {locale: len(items) for locale, items in desk.articles.items()}
    info = {"base_url": crisp_sandbox.base_url, "website_id": crisp_sandbox.website_id,
            "credentials": crisp_sandbox.credentials("plugin")}  # fmt: skip

    records = floor(Server.attached(info))

    assert crisp_sandbox.request_counts() == {
        "conversations": pages_until_short(store.count, PAGE),
        "conversation_messages": sum(max(1, -(-n // MESSAGE_BATCH)) for n in messages),
        "people_profiles": pages_until_short(people.count, PAGE),
        "people_data": people.count,
        "helpdesk_locales": pages_until_empty(len(articles), FIXED_PAGE_SIZE),
        "helpdesk_articles": sum(pages_until_empty(n, FIXED_PAGE_SIZE) for n in articles.values()),
        "helpdesk_article": sum(articles.values()),
        "helpdesk_article_category": sum(articles.values()),
    }
    assert records == store.count + sum(messages) + 2 * people.count + len(articles) + sum(articles.values())
