"""Crisp helpdesk records -> Convot helpdesk payloads, and the link rewriting of the second pass.

Pure functions like `mapping.py`, whose small helpers they share.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from destination_convot import assumptions
from destination_convot.mapping import (
    INT64,
    Record,
    Skipped,
    coerced,
    int64_or_none,
    text_or_none,
    without_none,
)

LOCALE_NAMES = {
    "en": "English", "fr": "Français", "de": "Deutsch", "es": "Español", "it": "Italiano",
    "pt": "Português", "nl": "Nederlands", "pl": "Polski", "sv": "Svenska", "da": "Dansk", "fi": "Suomi",
    "nb": "Norsk", "ja": "日本語", "zh": "中文", "ko": "한국어", "ru": "Русский", "tr": "Türkçe",
    "ar": "العربية",
}  # fmt: skip
# Positions of folded sections: articles directly in a category first, then each section's articles, sections
# in their Crisp order. position = (section order + 1) * SECTION_STRIDE + article order, with no section
# counting as 0 * SECTION_STRIDE.
SECTION_STRIDE = 1000


def language_payload(locale: Record) -> dict[str, Any]:
    code = str(locale["locale"])
    return {"locale": code, "name": LOCALE_NAMES.get(code.split("-")[0].lower(), code)}


def category_payload(category: Record) -> dict[str, Any]:
    name = text_or_none(category.get("name"))
    if name is None:
        raise Skipped("category without name")
    return without_none(
        {
            "name": name,
            "description": text_or_none(category.get("description")),
            "color": text_or_none(category.get("color")),
            "position": position_of(category, "category", "category_id"),
            "locale": category["locale"],
            assumptions.EXTERNAL_ID_FIELD: assumptions.CATEGORY_EXTERNAL_ID.format(**category),
        }
    )


def article_status(article: Record) -> str:
    if article.get("status") != "published":
        return "draft"
    return "hidden" if article.get("visibility") == "hidden" else "visible"


def article_position(article: Record, section_order: int | None) -> int:
    """Sections first, then the article's order in its section; an order that is not a 64-bit integer
    counts as 0 (the article keeps its section)."""
    section = int64_or_none(section_order)
    section_rank = 0 if section is None else (section + 1) * SECTION_STRIDE
    position = section_rank + (position_of(article, "article", "article_id") or 0)
    return position if position in INT64 else 0


def position_of(record: Record, kind: str, id_column: str) -> int | None:
    """The record's `order` as a Convot position (a 64-bit integer), or None with a warning."""
    order = record.get("order")
    position = int64_or_none(order)
    if position is None and order is not None:
        coerced(f"{kind} {record.get(id_column)}", "order", order, "is not a 64-bit integer: no position")
    return position


def body_text(value: Any) -> str:
    """An article body is text: a number or a structure a source sent instead is kept as its JSON text."""
    if value is None or isinstance(value, str):
        return value or ""
    coerced("article", "content", value, "is not text: sent as its JSON text")
    return json.dumps(value, default=str)


def article_payload(article: Record, category_id: Any, section_order: int | None) -> dict[str, Any]:
    return without_none(
        {
            "title": text_or_none(article.get("title")) or "",
            "content": body_text(article.get("content")),
            "summary": text_or_none(article.get("description")),
            "status": article_status(article),
            "category_id": category_id,
            "position": article_position(article, section_order),
            "locale": article["locale"],
            assumptions.EXTERNAL_ID_FIELD: assumptions.ARTICLE_EXTERNAL_ID.format(**article),
        }
    )


def crisp_slug(article: Record) -> dict[str, str]:
    """The slug to ask Convot for on create: the last segment of the Crisp article URL (`.../article/
    how-to-reset-1abcd2/` -> `how-to-reset-1abcd2`), kept to lowercase ASCII words joined by "-"; {} when the
    URL gives none (Convot then makes its own)."""
    url = text_or_none(article.get("url")) or ""
    segment = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    slug = re.sub(r"[^a-z0-9]+", "-", segment.lower()).strip("-")
    return {assumptions.ARTICLE_SLUG_FIELD: slug} if slug else {}


def convot_article_url(help_center_url: str | None, locale: str, slug: str) -> str:
    return (help_center_url or "") + assumptions.ARTICLE_URL.format(locale=locale, slug=slug)


def links_to_any(body: str, urls: Iterable[str]) -> bool:
    """Whether the body links to one of these Crisp article URLs (matched as `rewrite_links` matches)."""
    marker = "\x00unknown\x00"  # replaces every match, so any match changes the body
    return rewrite_links(body, dict.fromkeys(urls, marker)) != body


def rewrite_links(body: str, url_map: Mapping[str, str]) -> str:
    """Replace links to Crisp articles (their public `url`, with or without trailing slash) by Convot URLs.

    The longest URL wins, and a match must end at a URL boundary: `/article/a-1` never rewrites
    `/article/a-12`.
    """
    variants: dict[str, str] = {}
    for crisp_url, convot_url in url_map.items():
        variants[crisp_url] = convot_url
        variants.setdefault(crisp_url.rstrip("/"), convot_url)
    if not variants or not body:
        return body
    alternatives = "|".join(re.escape(url) for url in sorted(variants, key=len, reverse=True))
    pattern = re.compile(f"(?:{alternatives})(?![\\w\\-/])")
    return pattern.sub(lambda match: variants[match.group(0)], body)
