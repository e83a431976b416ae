"""The helpdesk (knowledge base): two locales with categories, sections and cross-linked articles.

It is small at every size, so it is built once and held in memory.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from . import vocabulary as vocab
from .ids import make_uuid

HELPDESK_URL = "https://help.example.com"
_DAY_MS = 86_400_000


def _slug(title: str) -> str:
    return "-".join("".join(ch for ch in word.lower() if ch.isalnum()) for word in title.split())


@dataclass
class Helpdesk:
    locales: list[dict] = field(default_factory=list)
    categories: dict[str, list[dict]] = field(default_factory=dict)  # locale -> categories
    sections: dict[tuple[str, str], list[dict]] = field(
        default_factory=dict
    )  # (locale, category_id) -> sections
    articles: dict[str, list[dict]] = field(default_factory=dict)  # locale -> full articles (with content)
    article_category: dict[tuple[str, str], dict] = field(
        default_factory=dict
    )  # (locale, article_id) -> link; absent for an uncategorized article

    def article(self, locale: str, article_id: str) -> dict | None:
        return next((a for a in self.articles.get(locale, ()) if a["article_id"] == article_id), None)


def build_helpdesk(seed: int, base_ms: int, uncategorized_articles: bool = False) -> Helpdesk:
    """`uncategorized_articles`: the last article of each locale belongs to no category (its `…/category`
    route answers 404 category_not_found)."""
    rng = random.Random(seed * 7919 + 11)
    desk = Helpdesk()
    counters = {"category": 0, "section": 0, "article": 0}

    def next_id(kind: str) -> str:
        counters[kind] += 1
        return make_uuid(seed, kind, counters[kind])

    def times() -> dict:
        created = base_ms - rng.randint(30, 400) * _DAY_MS
        return {"created_at": created, "updated_at": created + rng.randint(0, 29) * _DAY_MS}

    for locale_index, (locale, topics) in enumerate(vocab.HELPDESK_TOPICS.items()):
        desk.categories[locale], desk.articles[locale] = [], []
        for order, (name, titles) in enumerate(topics, start=1):
            category_id = next_id("category")
            desk.categories[locale].append(
                {
                    "category_id": category_id,
                    "name": name,
                    "description": f"{name} ({locale})",
                    "color": rng.choice(("#1972F5", "#FF5A5F", "#20C997")),
                    "image": None,
                    "url": f"{HELPDESK_URL}/{locale}/category/{_slug(name)}-{category_id[:6]}/",
                    "order": order,
                    **times(),
                }
            )
            sections = [
                {"section_id": next_id("section"), "name": f"{name} · {part}", "order": n, **times()}
                for n, part in enumerate(("Basics", "Advanced")[: 1 + order % 2], start=1)
            ]
            desk.sections[(locale, category_id)] = sections
            for position, title in enumerate(titles):
                article_id = next_id("article")
                stamps = times()
                desk.articles[locale].append(
                    {
                        "article_id": article_id,
                        "title": title,
                        "description": None if position % 3 == 2 else f"{title}, step by step",
                        "content": "",  # filled below, once every url is known
                        "status": "draft" if position == 3 else "published",
                        "visibility": "hidden" if (locale_index + position) % 5 == 4 else "visible",
                        "featured": position == 0,
                        "visits": rng.randint(0, 5000),
                        "order": position + 1,
                        "url": f"{HELPDESK_URL}/{locale}/article/{_slug(title)}-{article_id[:6]}/",
                        "created_at": stamps["created_at"],
                        "updated_at": stamps["updated_at"],
                        "published_at": stamps["created_at"] + 3_600_000,
                    }
                )
                section_id = (
                    None if position == len(titles) - 1 else sections[position % len(sections)]["section_id"]
                )
                desk.article_category[(locale, article_id)] = {
                    "category_id": category_id,
                    "section_id": section_id,
                }
        if uncategorized_articles:
            del desk.article_category[(locale, desk.articles[locale][-1]["article_id"])]
        _link_articles(desk.articles[locale])
    desk.locales = [
        {
            "locale_id": make_uuid(seed, "locale", n),
            "locale": locale,
            "url": f"{HELPDESK_URL}/{locale}/",
            "articles": len(desk.articles[locale]),
            "categories": len(desk.categories[locale]),
        }
        for n, locale in enumerate(desk.articles)
    ]
    return desk


def _link_articles(articles: list[dict]) -> None:
    """Each body links to the next two articles of its locale by Crisp url (what an importer rewrites)."""
    for n, article in enumerate(articles):
        linked = [articles[(n + step) % len(articles)] for step in (1, 2)]
        links = "\n".join(f"- [{other['title']}]({other['url']})" for other in linked)
        article["content"] = (
            f"# {article['title']}\n\n1. Open **Settings**.\n2. Follow the steps.\n\nSee also:\n{links}\n"
        )
