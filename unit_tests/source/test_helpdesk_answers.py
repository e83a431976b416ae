"""Answers the sandbox does not give: an article list carrying an excerpt, an article deleted between its
list and its routes, a Knowledge Base tree listed without subtrees or with a page path it does not hold."""

from __future__ import annotations

import logging

from source_crisp.knowledge_base import KnowledgeBase
from source_crisp.objects import BY_NAME
from source_crisp.reader import CrispReader
from testing.source_builders import WEBSITE_ID, client, envelope, url

ARTICLES = BY_NAME["helpdesk_articles"]
LOCALE = "helpdesk/locale/en"


def reader() -> CrispReader:
    return CrispReader(client(), WEBSITE_ID, 20)


def listed(requests_mock, *articles: dict) -> None:
    requests_mock.get(url("helpdesk/locales/1"), status_code=206, json=envelope([{"locale": "en"}]))
    requests_mock.get(url("helpdesk/locales/2"), status_code=200, json=envelope([]))
    requests_mock.get(url(f"{LOCALE}/articles/1"), status_code=206, json=envelope(list(articles)))
    requests_mock.get(url(f"{LOCALE}/articles/2"), status_code=200, json=envelope([]))


def answer(requests_mock, path: str, data: dict | None, missing_reason: str) -> None:
    if data is None:
        requests_mock.get(url(path), status_code=404, json=envelope({}, missing_reason, True))
    else:
        requests_mock.get(url(path), json=envelope(data, "resolved"))


def article_route(requests_mock, article_id: str, content: str | None, category: dict | None) -> None:
    own = None if content is None else {"article_id": article_id, "content": content}
    answer(requests_mock, f"{LOCALE}/article/{article_id}", own, "article_not_found")
    answer(requests_mock, f"{LOCALE}/article/{article_id}/category", category, "category_not_found")


def read_articles(shared: CrispReader) -> dict[str, dict]:
    out = {}
    for item, context in shared.items(ARTICLES):
        enriched = shared.enrich(ARTICLES, item, context)
        if enriched is not None:
            out[enriched["article_id"]] = enriched
    return out


def test_a_list_carrying_an_excerpt_is_never_trusted(requests_mock, caplog):
    listed(requests_mock, *({"article_id": f"a{n}", "content": "Short…"} for n in range(3)))
    for n in range(3):
        article_route(requests_mock, f"a{n}", f"# Full body {n}", {"category_id": "c1", "section_id": None})
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        articles = read_articles(reader())
    assert {key: a["content"] for key, a in articles.items()} == {
        f"a{n}": f"# Full body {n}" for n in range(3)
    }
    assert "differs from their own route" in caplog.text
    assert sum("/article/a" in r.url and "category" not in r.url for r in requests_mock.request_history) == 3


def test_an_uncategorized_article_is_kept_and_a_deleted_one_is_dropped(requests_mock):
    kept, gone = {"article_id": "kept", "content": "# Kept"}, {"article_id": "gone", "content": "# Gone"}
    listed(requests_mock, kept, gone, {"article_id": "vanished"})
    article_route(requests_mock, "kept", "# Kept", None)  # own route answers, category 404
    article_route(requests_mock, "gone", None, None)  # both 404: deleted since it was listed
    article_route(requests_mock, "vanished", None, {"category_id": "c1", "section_id": "s1"})
    articles = read_articles(reader())
    assert set(articles) == {"kept"}
    assert articles["kept"]["category_id"] is None
    assert articles["kept"]["section_id"] is None


def test_a_trusted_list_still_confirms_an_article_whose_category_404s(requests_mock):
    listed(
        requests_mock,
        {"article_id": "first", "content": "# One"},
        {"article_id": "second", "content": "# Two"},
    )
    article_route(requests_mock, "first", "# One", {"category_id": "c1", "section_id": None})
    article_route(requests_mock, "second", None, None)  # trusted list: its own route is asked only now, 404
    assert set(read_articles(reader())) == {"first"}


def tree(requests_mock, sub_path: str | None, entries: list[dict]) -> None:
    """One level of the tree (two pages: the entries, then the empty end)."""
    query = f"?sub_path={sub_path.replace('/', '%2F')}" if sub_path else ""
    for page, data in ((1, entries), (2, [])):
        requests_mock.get(
            url(f"helpdesk/tree/list/en/articles/{page}{query}"),
            complete_qs=True,
            status_code=206 if data else 200,
            json=envelope(data),
        )


def test_a_tree_listed_without_subtrees_is_walked_group_by_group(requests_mock, caplog):
    pages = [
        {"entity_id": "p1", "title": "Install", "tree_path": "start/basics/install", "url": "u1"},
        {"entity_id": "p2", "title": "Moved", "tree_path": "elsewhere/moved", "url": "u2"},
    ]
    requests_mock.get(url("helpdesk/page/list/en/articles/1"), status_code=206, json=envelope(pages))
    requests_mock.get(url("helpdesk/page/list/en/articles/2"), status_code=200, json=envelope([]))
    tree(requests_mock, None, [{"slug": "start", "title": "Start"}])  # no `children`: asked group by group
    tree(requests_mock, "start", [{"slug": "basics", "title": "Basics"}])
    tree(requests_mock, "start/basics", [{"slug": "install", "title": "Install"}])
    for path in ("start/basics/install", "elsewhere/moved"):
        requests_mock.get(url(f"helpdesk/tree/metadata/en/articles/{path}"), json=envelope({"title": path}))
        requests_mock.get(
            url(f"helpdesk/tree/content/en/articles/{path}"), json=envelope({"content": "# " + path})
        )
    requests_mock.get(url("helpdesk/tree/metadata/en/articles/start"), json=envelope({"color": "#123456"}))
    kb = KnowledgeBase(reader())
    assert [(c["category_id"], c["name"], c["color"]) for c in kb.categories("en")] == [
        ("start", "Start", "#123456")
    ]
    assert [(s["section_id"], s["category_id"]) for s in kb.sections("en")] == [("start/basics", "start")]
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        articles = {a["article_id"]: a for a in kb.articles("en")}
    assert (articles["p1"]["category_id"], articles["p1"]["section_id"]) == ("start", "start/basics")
    assert (articles["p2"]["category_id"], articles["p2"]["content"]) == (None, "# elsewhere/moved")
    assert "1 Knowledge Base page(s) of locale en have a tree_path that matches no entry" in caplog.text
