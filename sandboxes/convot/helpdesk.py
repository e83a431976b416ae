"""Help-center languages, categories and articles, described as data (paths and fields: gaps 11-12).

One generic create / patch / get / list serves all three; articles add a slug and a url (a sent slug is kept
at creation, switch `article_slug_sent`; answers without them: switch `article_slug_answered`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from . import assumptions as A
from .errors import invalid, not_found
from .fields import Field, now_iso, parse_body
from .store import Store


@dataclass(frozen=True)
class Resource:
    path: str  # under /helpdesk; also the list key ("articles") and, singular, the object key
    singular: str
    table: str
    fields: tuple[Field, ...]
    filters: tuple[str, ...] = ()
    patchable: bool = True
    slug_from: str | None = None  # the field a stored, never-renamed slug is made from at creation

    @property
    def label(self) -> str:
        return self.singular.capitalize()


LANGUAGES = Resource(
    "languages",
    "language",
    "helpdesk_languages",
    (Field("locale", required=True, unique=True), Field("name")),
    filters=("locale",),
    patchable=False,
)
CATEGORIES = Resource(
    "categories",
    "category",
    "helpdesk_categories",
    (
        Field("name", required=True),
        Field("description"),
        Field("color"),
        Field("position", "int"),
        Field("locale"),
        Field("external_id"),
    ),
    filters=("external_id", "locale"),
)
ARTICLES = Resource(
    "articles",
    "article",
    "helpdesk_articles",
    (
        Field("title", required=True),
        Field("content"),
        Field("summary"),
        Field("status", "choice", choices=A.ARTICLE_STATUSES, default=A.DEFAULT_ARTICLE_STATUS),
        Field("category_id", "int", references="helpdesk_categories"),
        Field("position", "int"),
        Field("locale"),
        Field("external_id"),
        Field("meta_title"),
        Field("meta_description"),
    ),
    filters=("external_id", "locale"),
    slug_from="title",
)
RESOURCES = (LANGUAGES, CATEGORIES, ARTICLES)


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-") or "article"


def _present(resource: Resource, row: dict) -> dict:
    shown = {"id": row["id"], **{spec.name: row[spec.name] for spec in resource.fields}}
    if resource.slug_from:
        prefix = f"/{row['locale']}" if row["locale"] else ""
        shown |= {"slug": row["slug"], "url": f"{prefix}/article/{row['slug']}"}
    return shown | {"created_at": row["created_at"], "updated_at": row["updated_at"]}


def get_item(store: Store, resource: Resource, app_id: int, item_id: int) -> dict:
    row = store.one(f"SELECT * FROM {resource.table} WHERE id = ? AND app_id = ?", item_id, app_id)
    if row is None:
        raise not_found(resource.label)
    return _present(resource, row)


def list_items(store: Store, resource: Resource, app_id: int, filters: dict, page: int, per_page: int):
    rows, has_more = store.page(resource.table, {"app_id": app_id, **filters}, page=page, per_page=per_page)
    return [_present(resource, row) for row in rows], has_more


def _check_constraints(store: Store, resource: Resource, app_id: int, values: dict, item_id: int = 0) -> None:
    problems = []
    for spec in resource.fields:
        value = values.get(spec.name)
        if value is None:
            continue
        if spec.unique and store.scalar(
            f"SELECT 1 FROM {resource.table} WHERE app_id = ? AND {spec.name} = ? AND id != ?",
            app_id, value, item_id,
        ):  # fmt: skip
            problems.append(f"{spec.label} has already been taken")
        if spec.references and not store.scalar(
            f"SELECT 1 FROM {spec.references} WHERE id = ? AND app_id = ?", value, app_id
        ):
            problems.append(f"{spec.label} must exist")
    if problems:
        raise invalid(problems)


def _unique_slug(store: Store, table: str, app_id: int, locale: str | None, wanted: str) -> str:
    base = slugify(wanted)
    slug, suffix = base, 1
    while store.scalar(
        f"SELECT 1 FROM {table} WHERE app_id = ? AND locale IS ? AND slug = ?", app_id, locale, slug
    ):
        suffix += 1
        slug = f"{base}-{suffix}"
    return slug


def create_item(store: Store, resource: Resource, app_id: int, body: dict, slug_sent: bool = True) -> dict:
    """`slug_sent`: a `slug` in the body is kept (made unique) at creation; False: ignored like any unknown
    field, the slug is made from the title (switch `article_slug_sent`)."""
    values = parse_body(body, resource.fields)
    sent = body.get("slug") if slug_sent and isinstance(body.get("slug"), str) else None
    with store.transaction():
        _check_constraints(store, resource, app_id, values)
        stamp = now_iso()
        row = {"app_id": app_id, **values, "created_at": stamp, "updated_at": stamp}
        if resource.slug_from:
            row["slug"] = _unique_slug(
                store, resource.table, app_id, values.get("locale"), sent or values[resource.slug_from]
            )
        return get_item(store, resource, app_id, store.insert(resource.table, row))


def patch_item(store: Store, resource: Resource, app_id: int, item_id: int, body: dict) -> dict:
    with store.transaction():
        get_item(store, resource, app_id, item_id)
        values = parse_body(body, resource.fields, partial=True)
        _check_constraints(store, resource, app_id, values, item_id)
        store.update(resource.table, {"id": item_id}, {**values, "updated_at": now_iso()})
        return get_item(store, resource, app_id, item_id)
