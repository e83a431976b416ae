"""The helpdesk streams under each helpdesk switch of the Crisp sandbox, record by record against its ground
truth: legacy routes, Knowledge Base, both, neither, no help center; article lists with and without
`content`; uncategorized articles whose category route 404s. In-process reads of the tiny help center (fast).

Expectations are built here from the sandbox's legacy help center (`workspace.helpdesk`) and, for the
Knowledge Base, from the tree paths the sandbox gave each object (`workspace.knowledge_base.paths`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from airbyte_cdk.models import AirbyteStreamStatus, ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.state_builder import StateBuilder

from sandboxes.crisp import CrispSandbox
from source_crisp import SourceCrisp
from source_crisp.client import Backoff
from testing.source_runs import unreadable_in_check

STREAMS = ("helpdesk_locales", "helpdesk_categories", "helpdesk_sections", "helpdesk_articles")
KEYS = {
    "helpdesk_locales": ("locale",),
    "helpdesk_categories": ("locale", "category_id"),
    "helpdesk_sections": ("locale", "section_id"),
    "helpdesk_articles": ("locale", "article_id"),
}


def catalog(streams: tuple[str, ...] = STREAMS, sync_mode: str = "full_refresh") -> Any:
    return ConfiguredAirbyteCatalogSerializer.load(
        {
            "streams": [
                {
                    "stream": {
                        "name": name,
                        "json_schema": {},  # as discovered
                        "supported_sync_modes": ["full_refresh", "incremental"],
                    },
                    "sync_mode": sync_mode,
                    "destination_sync_mode": "append",
                    "cursor_field": ["updated_at"],
                }
                for name in streams
            ]
        }
    )


def run(sandbox: CrispSandbox, streams: tuple[str, ...] = STREAMS, **options: Any) -> EntrypointOutput:
    return read(
        SourceCrisp(backoff=Backoff.immediate()), sandbox.source_config(), catalog(streams), **options
    )


def emitted(output: EntrypointOutput) -> dict[str, dict[tuple, dict]]:
    out: dict[str, dict[tuple, dict]] = {name: {} for name in STREAMS}
    for message in output.records:
        record, stream = message.record.data, message.record.stream
        key = tuple(record[name] for name in KEYS[stream])
        assert key not in out[stream], f"{stream}: {key} emitted twice"
        out[stream][key] = record
    return out


@pytest.fixture
def airbyte_log() -> Iterator[list[logging.LogRecord]]:
    """Records of the `airbyte` logger, caught on the logger itself: PyAirbyte (test_pyairbyte.py) turns its
    propagation to the root off for the rest of the session, which hides them from caplog and from
    EntrypointOutput.logs."""
    caught: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = caught.append  # type: ignore[method-assign]
    logger = logging.getLogger("airbyte")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield caught
    logger.removeHandler(handler)
    logger.setLevel(level)


def without_nulls(record: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in record.items() if value is not None}


# --- the expected records --------------------------------------------------------------------------------
def legacy_truth(sandbox: CrispSandbox) -> dict[str, list[dict]]:
    desk, website = sandbox.workspace.helpdesk, {"website_id": sandbox.website_id}
    no_category = {"category_id": None, "section_id": None}
    return {
        "helpdesk_locales": [{**website, **locale} for locale in desk.locales],
        "helpdesk_categories": [
            {**website, "locale": locale, **category}
            for locale, items in desk.categories.items()
            for category in items
        ],
        "helpdesk_sections": [
            {**website, "locale": locale, "category_id": category_id, **section}
            for (locale, category_id), items in desk.sections.items()
            for section in items
        ],
        "helpdesk_articles": [
            {
                **website,
                "locale": locale,
                **article,
                **desk.article_category.get((locale, article["article_id"]), no_category),
            }
            for locale, items in desk.articles.items()
            for article in items
        ],
    }


EMPTY_CONTENT_TYPES = {
    f"statistics_{kind}_{n}": 0 for kind in ("guides", "references", "news") for n in ("entries", "groups")
}


def knowledge_base_truth(sandbox: CrispSandbox) -> dict[str, list[dict]]:
    """The same help center as the Knowledge Base carries it: ids are tree paths, no timestamps or visits."""
    desk, kb, website = (
        sandbox.workspace.helpdesk,
        sandbox.workspace.knowledge_base,
        {"website_id": sandbox.website_id},
    )
    author = sandbox.workspace.operators()[0]["details"]["user_id"]
    path = kb.paths
    locales = [
        {**website, "locale_id": loc["locale_id"], "locale": loc["locale"], "url": loc["url"],
         **EMPTY_CONTENT_TYPES,
         "statistics_articles_entries": len(desk.articles[loc["locale"]]),
         "statistics_articles_groups": len(desk.categories[loc["locale"]])
         + sum(len(v) for (locale, _), v in desk.sections.items() if locale == loc["locale"])}
        for loc in desk.locales
    ]  # fmt: skip
    categories = [
        {**website, "locale": locale, "category_id": path[(locale, c["category_id"])], "name": c["name"],
         "description": c["description"], "color": c["color"], "image": c["image"], "order": c["order"]}
        for locale, items in desk.categories.items()
        for c in items
    ]  # fmt: skip
    sections = [
        {**website, "locale": locale, "section_id": path[(locale, s["section_id"])],
         "category_id": path[(locale, category_id)], "name": s["name"], "order": s["order"]}
        for (locale, category_id), items in desk.sections.items()
        for s in items
    ]  # fmt: skip
    articles = []
    for locale, items in desk.articles.items():
        rank: dict[str | None, int] = {}  # parent (section, else category, else root) -> pages so far
        for a in items:
            link = desk.article_category.get((locale, a["article_id"]), {})
            parent = link.get("section_id") or link.get("category_id")
            rank[parent] = rank.get(parent, 0) + 1
            articles.append(
                {**website, "locale": locale, "article_id": a["article_id"], "title": a["title"],
                 "description": a["description"], "content": a["content"], "status": a["status"],
                 "visibility": a["visibility"], "featured": a["featured"], "url": a["url"],
                 "order": rank[parent],
                 "category_id": path.get((locale, link.get("category_id"))),
                 "section_id": path.get((locale, link.get("section_id"))),
                 "tree_path": path[(locale, a["article_id"])], "format": "markdown", "author_user_id": author}
            )  # fmt: skip
    return {
        "helpdesk_locales": locales,
        "helpdesk_categories": categories,
        "helpdesk_sections": sections,
        "helpdesk_articles": articles,
    }


def both_truth(sandbox: CrispSandbox) -> dict[str, list[dict]]:
    """Both families answer: the Knowledge Base is read; locales carry both families' fields."""
    legacy_locales = {loc["locale"]: loc for loc in legacy_truth(sandbox)["helpdesk_locales"]}
    truth = knowledge_base_truth(sandbox)
    truth["helpdesk_locales"] = [
        {**loc, **legacy_locales[loc["locale"]]} for loc in truth["helpdesk_locales"]
    ]
    return truth


def keyed(stream: str, records: list[dict]) -> dict[tuple, dict]:
    return {tuple(record[name] for name in KEYS[stream]): without_nulls(record) for record in records}


# --- every helpdesk switch, record by record -------------------------------------------------------------
SWITCHES = [
    pytest.param({"helpdesk": "legacy"}, legacy_truth, id="legacy"),
    pytest.param(
        {"helpdesk": "legacy", "uncategorized_articles": True}, legacy_truth, id="legacy-uncategorized"
    ),
    pytest.param(
        {"helpdesk": "legacy", "article_list_content": True}, legacy_truth, id="legacy-list-content"
    ),
    pytest.param({"helpdesk": "knowledge_base"}, knowledge_base_truth, id="knowledge_base"),
    pytest.param(
        {"helpdesk": "knowledge_base", "uncategorized_articles": True},
        knowledge_base_truth,
        id="kb-uncategorized",
    ),
    pytest.param({"helpdesk": "both", "uncategorized_articles": True}, both_truth, id="both"),
]


@pytest.mark.parametrize(("switches", "truth"), SWITCHES)
def test_every_helpdesk_record_equals_the_ground_truth(switches: dict[str, Any], truth: Any):
    with CrispSandbox(size="tiny", seed=7, port=0, **switches) as sandbox:
        output = run(sandbox)
        expected = truth(sandbox)
    assert not output.errors
    records = emitted(output)
    for stream in STREAMS:
        assert records[stream] == keyed(stream, expected[stream]), stream
    if switches.get("uncategorized_articles"):
        uncategorized = [r for r in records["helpdesk_articles"].values() if "category_id" not in r]
        assert len(uncategorized) == 2  # one per locale, emitted with an empty category instead of dropped


def test_locales_of_the_knowledge_base_carry_their_statistics():
    with CrispSandbox(size="tiny", seed=7, port=0, helpdesk="knowledge_base") as sandbox:
        records = emitted(run(sandbox, ("helpdesk_locales",)))["helpdesk_locales"]
        articles = {locale: len(items) for locale, items in sandbox.workspace.helpdesk.articles.items()}
    assert {key[0]: r["statistics_articles_entries"] for key, r in records.items()} == articles
    assert all(r["statistics_guides_entries"] == 0 for r in records.values())


def test_article_list_content_is_trusted_only_after_one_article_confirmed_it():
    counts = {}
    for listed in (False, True):
        with CrispSandbox(size="tiny", seed=7, port=0, article_list_content=listed) as sandbox:
            records = emitted(run(sandbox, ("helpdesk_articles",)))["helpdesk_articles"]
            counts[listed] = sandbox.request_counts().get("helpdesk_article", 0)
            articles = sum(len(items) for items in sandbox.workspace.helpdesk.articles.values())
        assert len(records) == articles
        assert all(r["content"].startswith("# ") for r in records.values())
    # Discovery samples the first article too: without content in the list, one more article request.
    assert counts == {False: articles + 1, True: 1}


def test_a_help_center_answering_neither_family_fails_those_streams_and_says_why():
    with CrispSandbox(size="tiny", seed=7, port=0, helpdesk="neither") as sandbox:
        output = run(sandbox, expecting_exception=True)
    records = emitted(output)
    assert len(records["helpdesk_locales"]) == 2  # the locales route still answers: read as usual
    for stream in STREAMS[1:]:
        assert records[stream] == {}
        assert output.get_stream_statuses(stream)[-1] == AirbyteStreamStatus.INCOMPLETE
    messages = [error.trace.error.message for error in output.errors]
    assert any(
        "helpdesk/tree/list/en/articles/1" in m and "helpdesk/locale/en/categories/1" in m for m in messages
    ), messages


def test_a_website_without_help_center_reads_as_empty_helpdesk_streams_and_says_so(
    airbyte_log: list[logging.LogRecord],
):
    with CrispSandbox(size="tiny", seed=7, port=0, helpdesk="none") as sandbox:
        output = run(sandbox)
    assert not output.errors
    assert output.records == []
    assert any("the website has no help center" in r.getMessage() for r in airbyte_log)
    assert all(output.get_stream_statuses(s)[-1] == AirbyteStreamStatus.COMPLETE for s in STREAMS)


def test_knowledge_base_incremental_reads_emit_every_article_since_it_has_no_timestamps():
    with CrispSandbox(size="tiny", seed=7, port=0, helpdesk="knowledge_base") as sandbox:
        source, config = SourceCrisp(backoff=Backoff.immediate()), sandbox.source_config()
        incremental = catalog(("helpdesk_articles",), "incremental")
        first = read(source, config, incremental)
        state = (
            StateBuilder().with_stream_state("helpdesk_articles", {"updated_at": 1_700_000_000_000}).build()
        )
        second = read(SourceCrisp(backoff=Backoff.immediate()), config, incremental, state=state)
        articles = sum(len(items) for items in sandbox.workspace.helpdesk.articles.values())
    assert len(first.records) == len(second.records) == articles
    assert second.most_recent_state.stream_state.__dict__.items() >= {"updated_at": 1_700_000_000_000}.items()


@pytest.mark.parametrize(
    ("mode", "says", "level"),
    [
        ("legacy", "helpdesk: legacy helpdesk routes", logging.INFO),
        ("knowledge_base", "helpdesk: new Knowledge Base", logging.INFO),
        ("both", "(the legacy routes answer too)", logging.INFO),
        ("neither", "answers neither the new Knowledge Base", logging.ERROR),
        ("none", "the website has no help center", logging.INFO),
    ],
)
def test_check_says_which_helpdesk_answers(
    mode: str, says: str, level: int, airbyte_log: list[logging.LogRecord]
):
    with CrispSandbox(size="tiny", seed=7, port=0, helpdesk=mode) as sandbox:
        status = SourceCrisp(backoff=Backoff.immediate()).check(
            logging.getLogger("airbyte"), sandbox.source_config()
        )
    assert status.status.name == "SUCCEEDED"  # the helpdesk alone never blocks a connection
    assert [r.levelno for r in airbyte_log if says in r.getMessage()] == [level]


def test_check_succeeds_and_names_the_helpdesk_when_the_token_may_not_read_it():
    with CrispSandbox(size="tiny", seed=7, port=0, route_tiers={"helpdesk_locales": ["user"]}) as sandbox:
        status = SourceCrisp(backoff=Backoff.immediate()).check(
            logging.getLogger("airbyte"), sandbox.source_config()
        )
    assert status.status.name == "SUCCEEDED"
    named = unreadable_in_check(status.message)
    assert sorted(named) == [
        "helpdesk_articles",
        "helpdesk_categories",
        "helpdesk_locales",
        "helpdesk_sections",
    ]
    assert all("restricted_route_tier" in need for need in named.values()), named
