"""Every route the source reads answers objects shaped as the Crisp reference §4 describes."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from sandboxes.crisp.testing import running_client

NONE = type(None)
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# Required fields and their JSON types, written from the reference (not from the generator).
CONVERSATION = {
    "session_id": str, "website_id": str, "inbox_id": (str, NONE), "people_id": str, "state": str,
    "status": int, "is_verified": bool, "is_blocked": bool, "availability": str, "active": dict,
    "last_message": str, "verifications": list, "participants": list, "mentions": list, "compose": dict,
    "unread": dict, "assigned": (dict, NONE), "meta": dict, "created_at": int, "updated_at": int,
}  # fmt: skip
CONVERSATION_OPTIONAL = {"preview_message": dict, "topic": str, "waiting_since": int}
META = {
    "nickname": str, "email": str, "phone": str, "address": str, "subject": str, "ip": str, "origin": str,
    "avatar": (str, NONE), "connection": dict, "data": dict, "segments": list, "device": dict,
}  # fmt: skip
MESSAGE = {
    "session_id": str, "website_id": str, "type": str, "from": str, "origin": str, "content": (str, dict),
    "preview": list, "mentions": list, "read": str, "delivered": str, "edited": bool, "translated": bool,
    "automated": bool, "stamped": bool, "fingerprint": int, "timestamp": int, "user": dict,
}  # fmt: skip
CONTENT_KEYS = {
    "file": {"name", "url", "type"}, "animation": {"url", "type"}, "audio": {"url", "type", "duration"},
    "picker": {"id", "text", "choices", "required"}, "field": {"id", "text", "explain", "value", "required"},
    "carousel": {"text", "targets"}, "event": {"namespace", "text"},
}  # fmt: skip
PROFILE = {
    "people_id": str, "email": str, "person": dict, "company": dict, "segments": list, "notepad": str,
    "score": int, "active": dict, "created_at": int, "updated_at": int,
}  # fmt: skip
PERSON_KEYS = {"nickname", "avatar", "gender", "phone", "address", "description", "website", "timezone",
               "profiles", "employment", "geolocation", "locales"}  # fmt: skip
VISITOR_KEYS = {"session_id", "inbox_id", "nickname", "email", "avatar", "useragent", "initiated", "active",
                "last_page", "geolocation", "timezone", "capabilities", "locales"}  # fmt: skip
OPERATOR_DETAILS_KEYS = {"user_id", "email", "avatar", "first_name", "last_name", "role", "title",
                         "availability", "has_token", "identifier", "key"}  # fmt: skip
ARTICLE = {
    "article_id": str, "title": str, "description": (str, NONE), "status": str, "visibility": str,
    "featured": bool, "visits": int, "order": int, "url": str, "created_at": int, "updated_at": int,
    "published_at": int,
}  # fmt: skip


def assert_fields(item: dict, expected: dict) -> None:
    for key, kind in expected.items():
        assert key in item, f"missing {key}"
        assert isinstance(item[key], kind), f"{key} is {type(item[key]).__name__}"
        if kind is int:
            assert not isinstance(item[key], bool), key


@pytest.fixture(scope="module")
def client():
    with running_client() as shared:  # read-only tests share one sandbox
        yield shared


@pytest.fixture(scope="module")
def conversations(client) -> list[dict]:
    return client.all_conversations()


def test_website_is_resolved_with_its_fields(client):
    response = client.get("")
    body = response.json()
    assert (response.status_code, body["error"], body["reason"]) == (200, False, "resolved")
    assert_fields(body["data"], {"website_id": str, "name": str, "domain": str, "logo": str, "verified": bool,
                                 "institutional": bool})  # fmt: skip
    assert body["data"]["website_id"] == client.sandbox.website_id


def test_conversations_carry_every_required_field_and_nested_object(conversations):
    assert 70 <= len(conversations) <= 90
    for item in conversations:
        assert_fields(item, CONVERSATION)
        assert item["session_id"].startswith("session_")
        assert UUID.match(item["session_id"][8:])
        assert (item["state"], item["status"]) in {("pending", 0), ("unresolved", 1), ("resolved", 2)}
        assert_fields(item["meta"], META)
        assert set(item["meta"]["connection"]) == {"isp", "asn"}
        device = item["meta"]["device"]
        assert set(device["geolocation"]["coordinates"]) == {"latitude", "longitude"}
        assert set(device["system"]) == {"os", "engine", "browser", "useragent"}
        assert set(device["system"]["browser"]) == {"name", "version", "major"}
        assert isinstance(device["timezone"], int)
        assert isinstance(device["locales"], list)
        assert set(item["compose"]) == {"operator", "visitor"}
        assert set(item["unread"]) == {"operator", "visitor"}
        assert item["updated_at"] >= item["created_at"]
        for key, kind in CONVERSATION_OPTIONAL.items():
            assert key not in item or isinstance(item[key], kind)


def test_conversations_mix_nulls_missing_fields_and_custom_data_types(conversations):
    assert any(c["meta"]["avatar"] is None for c in conversations)
    assert any(c["assigned"] is None for c in conversations)
    assert any(c["inbox_id"] is None for c in conversations)
    for optional in ("preview_message", "topic", "waiting_since"):
        present = sum(optional in c for c in conversations)
        assert 0 < present < len(conversations), optional
    assert any("last" not in c["active"] for c in conversations)
    value_types = {type(v) for c in conversations for v in c["meta"]["data"].values()}
    assert {str, int, float, bool} <= value_types
    names = [c["meta"]["nickname"] for c in conversations]
    assert any(not name.isascii() for name in names)
    assert any(re.search(r"[\u3040-\u9fff]", name) for name in names)  # CJK
    preview = next(c["preview_message"] for c in conversations if "preview_message" in c)
    assert_fields(preview, {"type": str, "from": str, "excerpt": str, "fingerprint": int})


def test_a_few_conversations_carry_the_device_timezone_flattening_collision(conversations):
    colliding = [c for c in conversations if "device_timezone" in c["meta"]]
    assert 0 < len(colliding) < 10
    for item in colliding:
        assert isinstance(item["meta"]["device_timezone"], str)
        assert isinstance(item["meta"]["device"]["timezone"], int)


def test_conversations_link_to_people_profiles_by_id_and_email(client, conversations):
    profiles = {p["people_id"]: p for p in client.all("people/profiles", per_page=50)}
    for item in conversations:
        assert item["people_id"] in profiles
        assert item["meta"]["email"] == profiles[item["people_id"]]["email"]


def test_single_conversation_equals_its_list_item(client, conversations):
    item = conversations[7]
    assert client.data(f"conversation/{item['session_id']}") == item


def test_messages_cover_every_type_with_its_content_shape(client, conversations):
    messages = [m for c in conversations[:30] for m in client.sandbox.workspace.messages(c["session_id"])]
    every_type = {"text", "file", "animation", "audio", "picker", "field", "carousel", "note", "event"}
    assert {m["type"] for m in messages} == every_type
    for message in messages:
        assert_fields(message, MESSAGE)
        assert len(str(message["fingerprint"])) == 15
        assert message["from"] in ("user", "operator")
        if message["type"] in ("text", "note"):
            assert isinstance(message["content"], str)
        else:
            assert CONTENT_KEYS[message["type"]] <= set(message["content"])


def test_message_authors_are_the_visitor_session_or_a_real_operator(client, conversations):
    operator_ids = {o["details"]["user_id"] for o in client.data("operators/list")}
    for conversation in conversations[:20]:
        for message in client.sandbox.workspace.messages(conversation["session_id"]):
            if message["from"] == "user":
                assert message["user"]["user_id"] == conversation["session_id"]
            else:
                assert message["user"]["user_id"] in operator_ids


def test_updated_at_is_never_before_the_last_message(client, conversations):
    for conversation in conversations:
        messages = client.sandbox.workspace.messages(conversation["session_id"])
        if messages:
            assert conversation["updated_at"] >= messages[-1]["timestamp"]
        if messages and "preview_message" in conversation:
            assert conversation["preview_message"]["fingerprint"] == messages[-1]["fingerprint"]


def test_people_profiles_have_person_company_and_double_wrapped_data(client):
    profiles = client.all("people/profiles", per_page=50)
    assert 30 <= len(profiles) <= 50
    for profile in profiles:
        assert_fields(profile, PROFILE)
        assert UUID.match(profile["people_id"])
        assert set(profile["person"]) >= PERSON_KEYS
        assert set(profile["person"]["employment"]) == {"name", "domain", "title", "role", "seniority"}
        assert {"name", "legal_name", "domain", "metrics", "tags"} <= set(profile["company"])
    assert client.data(f"people/profile/{profiles[3]['people_id']}") == profiles[3]
    wrapped = [client.data(f"people/data/{p['people_id']}") for p in profiles]
    assert all(set(w) == {"data"} and isinstance(w["data"], dict) for w in wrapped)
    assert {str, int, float, bool} <= {type(v) for w in wrapped for v in w["data"].values()}
    assert client.data("people/stats") == {"total": len(profiles)}


def test_visitors_are_a_paged_snapshot_without_timestamps(client):
    pages = client.pages("visitors/list")
    assert [len(page) for page in pages] == [20, 4]
    for visitor in (v for page in pages for v in page):
        assert set(visitor) == VISITOR_KEYS
        assert set(visitor["last_page"]) == {"page_title", "page_url"}


def test_operators_list_is_not_paginated_and_carries_credentials_fields(client):
    response = client.get("operators/list")
    assert (response.status_code, response.json()["reason"]) == (200, "listed")
    operators = response.json()["data"]
    assert 3 <= len(operators) <= 5
    for operator in operators:
        assert operator["type"] == "operator"
        assert set(operator["details"]) == OPERATOR_DETAILS_KEYS
        assert operator["details"]["identifier"]
        assert operator["details"]["key"]


def test_helpdesk_has_two_locales_with_categories_sections_and_articles(client):
    locales = client.all("helpdesk/locales")
    assert [loc["locale"] for loc in locales] == ["en", "fr"]
    for locale in locales:
        assert set(locale) == {"locale_id", "locale", "url", "articles", "categories"}
        categories = client.all(f"helpdesk/locale/{locale['locale']}/categories")
        assert 2 <= len(categories) == locale["categories"] <= 3
        for category in categories:
            assert {"category_id", "name", "url", "order", "created_at", "updated_at"} <= set(category)
            path = f"helpdesk/locale/{locale['locale']}/category/{category['category_id']}/sections"
            sections = client.all(path)
            assert sections
            section_keys = {"section_id", "name", "order", "created_at", "updated_at"}
            assert all(set(s) == section_keys for s in sections)


def test_article_list_omits_content_and_single_article_links_to_other_articles(client):
    for locale in ("en", "fr"):
        articles = client.all(f"helpdesk/locale/{locale}/articles")
        assert len(articles) == 8
        urls = {a["url"] for a in articles}
        for article in articles:
            assert_fields(article, ARTICLE)
            assert "content" not in article
            full = client.data(f"helpdesk/locale/{locale}/article/{article['article_id']}")
            assert full == article | {"content": full["content"]}
            assert len(urls & set(re.findall(r"\((https://[^)]+)\)", full["content"]))) == 2
            link = client.data(f"helpdesk/locale/{locale}/article/{article['article_id']}/category")
            assert set(link) == {"category_id", "section_id"}
        assert any(a["description"] is None for a in articles)
    sections = Counter(
        client.data(f"helpdesk/locale/en/article/{a['article_id']}/category")["section_id"] is None
        for a in client.all("helpdesk/locale/en/articles")
    )
    assert sections[True]
    assert sections[False]
