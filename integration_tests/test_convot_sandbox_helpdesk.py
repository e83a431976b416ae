"""Convot sandbox: help-center languages, categories and articles; persistence across restarts."""

from __future__ import annotations

from sandboxes.convot import ConvotSandbox
from sandboxes.convot.testing import ApiClient, validation_details


def test_languages_are_unique_per_app(convot_sandbox, convot_api):
    created = convot_api.post("/helpdesk/languages", {"locale": "fr", "name": "Français"})
    assert created.status_code == 201
    assert created.json()["language"]["locale"] == "fr"
    assert validation_details(convot_api.post("/helpdesk/languages", {"locale": "fr"})) == [
        "Locale has already been taken"
    ]
    assert validation_details(convot_api.post("/helpdesk/languages", {"name": "No locale"})) == [
        "Locale can't be blank"
    ]
    other = ApiClient(convot_sandbox.base_url, convot_sandbox.create_token(convot_sandbox.create_app()))
    assert other.post("/helpdesk/languages", {"locale": "fr"}).status_code == 201
    assert [lang["locale"] for lang in convot_api.get("/helpdesk/languages").json()["languages"]] == ["fr"]


def test_categories_create_patch_and_filter(convot_api):
    category = convot_api.create(
        "/helpdesk/categories",
        {"name": "Billing", "description": "Money", "color": "#ff0000", "position": 2, "locale": "en",
         "external_id": "crisp:cat1"},
    )  # fmt: skip
    convot_api.create("/helpdesk/categories", {"name": "Facturation", "locale": "fr"})

    patched = convot_api.patch(f"/helpdesk/categories/{category['id']}", {"name": "Payments"})
    assert patched.status_code == 200
    assert patched.json()["category"] | {"updated_at": None} == category | {
        "name": "Payments",
        "updated_at": None,
    }
    assert [c["name"] for c in convot_api.get("/helpdesk/categories", locale="fr").json()["categories"]] == [
        "Facturation"
    ]
    assert [
        c["id"] for c in convot_api.get("/helpdesk/categories", external_id="crisp:cat1").json()["categories"]
    ] == [category["id"]]
    assert validation_details(convot_api.post("/helpdesk/categories", {"locale": "en"})) == [
        "Name can't be blank"
    ]
    assert validation_details(convot_api.patch(f"/helpdesk/categories/{category['id']}", {"name": ""})) == [
        "Name can't be blank"
    ]
    assert validation_details(
        convot_api.post("/helpdesk/categories", {"name": "x", "position": "first"})
    ) == ["Position must be an integer"]


def test_categories_and_articles_are_not_deduplicated(convot_sandbox, convot_api):
    for _ in range(2):
        convot_api.create("/helpdesk/categories", {"name": "Billing", "external_id": "crisp:cat1"})
        convot_api.create(
            "/helpdesk/articles", {"title": "Refunds", "external_id": "crisp:a1", "locale": "en"}
        )
    dump = convot_sandbox.dump()
    assert len(dump["helpdesk_categories"]) == 2
    assert [a["slug"] for a in dump["helpdesk_articles"]] == ["refunds", "refunds-2"]


def test_article_title_is_required_with_the_documented_details(convot_sandbox, convot_api):
    for body in ({"content": "Body"}, {"title": "   ", "content": "Body"}):
        response = convot_api.post("/helpdesk/articles", body)
        assert response.json() == {
            "error": {
                "code": "unprocessable_entity",
                "message": "Validation failed",
                "details": ["Title can't be blank"],
            }
        }
    assert convot_sandbox.dump()["helpdesk_articles"] == []


def test_article_fields_slug_and_url(convot_api):
    category = convot_api.create("/helpdesk/categories", {"name": "Billing", "locale": "fr"})
    body = {
        "title": "Où est ma facture ?", "content": "# Facture\n\nVoir [ici](https://example.com).",
        "summary": "Trouver sa facture", "status": "visible", "category_id": category["id"], "position": 3,
        "locale": "fr", "external_id": "crisp:a1", "meta_title": "Facture",
        "meta_description": "Où la trouver",
    }  # fmt: skip
    response = convot_api.post("/helpdesk/articles", body)
    assert response.status_code == 201
    article = response.json()["article"]
    assert {key: article[key] for key in body} == body
    assert (article["slug"], article["url"]) == ("ou-est-ma-facture", "/fr/article/ou-est-ma-facture")
    assert convot_api.get(f"/helpdesk/articles/{article['id']}").json() == {"article": article}


def test_article_slug_is_kept_when_the_title_changes_and_patch_is_partial(convot_api):
    article = convot_api.create(
        "/helpdesk/articles", {"title": "Organizing with categories", "content": "v1", "locale": "en"}
    )
    patched = convot_api.patch(
        f"/helpdesk/articles/{article['id']}", {"title": "Organizing with Collections"}
    ).json()["article"]
    assert patched["title"] == "Organizing with Collections"
    assert patched["slug"] == "organizing-with-categories"
    assert patched["url"] == "/en/article/organizing-with-categories"
    assert (patched["content"], patched["status"]) == ("v1", "draft")
    assert validation_details(convot_api.patch(f"/helpdesk/articles/{article['id']}", {"title": ""})) == [
        "Title can't be blank"
    ]


def test_article_status_and_category_are_validated(convot_sandbox, convot_api):
    assert validation_details(convot_api.post("/helpdesk/articles", {"title": "x", "status": "Visible"})) == [
        "Status must be one of visible, draft, hidden"
    ]
    other = ApiClient(convot_sandbox.base_url, convot_sandbox.create_token(convot_sandbox.create_app()))
    foreign = other.create("/helpdesk/categories", {"name": "Theirs"})
    assert validation_details(
        convot_api.post("/helpdesk/articles", {"title": "x", "category_id": foreign["id"]})
    ) == ["Category must exist"]
    assert convot_api.patch("/helpdesk/articles/999", {"title": "x"}).status_code == 404


def test_articles_filter_by_external_id_and_locale(convot_api):
    english = convot_api.create(
        "/helpdesk/articles", {"title": "Refunds", "locale": "en", "external_id": "crisp:a1"}
    )
    french = convot_api.create(
        "/helpdesk/articles", {"title": "Remboursements", "locale": "fr", "external_id": "crisp:a1"}
    )
    listed = convot_api.get("/helpdesk/articles", external_id="crisp:a1").json()["articles"]
    assert [a["id"] for a in listed] == [english["id"], french["id"]]
    assert [a["id"] for a in convot_api.get("/helpdesk/articles", locale="fr").json()["articles"]] == [
        french["id"]
    ]


def test_everything_persists_across_a_restart_with_the_same_db_path(tmp_path):
    db_path = tmp_path / "convot.sqlite3"
    with ConvotSandbox(db_path=db_path) as first:
        api = ApiClient(first.base_url, first.token)
        api.create("/contacts", {"email": "jane@example.com", "custom_data": {"plan": "pro"}})
        uuid = api.create("/conversations", {"email": "jane@example.com", "content": "Hi"})["id"]
        api.post(f"/conversations/{uuid}/messages", {"content": "Hello", "type": "incoming"})
        api.create("/helpdesk/articles", {"title": "Refunds", "locale": "en"})
        before, token = first.dump(), first.token

    with ConvotSandbox(db_path=db_path) as second:
        assert second.token == token
        assert second.dump() == before
        api = ApiClient(second.base_url, second.token)
        assert api.get(f"/conversations/{uuid}").json()["conversation"]["messages_count"] == 2
        assert api.create("/helpdesk/articles", {"title": "Refunds", "locale": "en"})["slug"] == "refunds-2"


def test_the_same_instance_restarts_on_its_port(convot_sandbox):
    api = ApiClient(convot_sandbox.base_url, convot_sandbox.token)
    api.create("/contacts", {"email": "jane@example.com"})
    base_url = convot_sandbox.base_url
    convot_sandbox.stop()
    convot_sandbox.start()
    assert convot_sandbox.base_url == base_url
    assert [c["email"] for c in api.get("/contacts").json()["contacts"]] == ["jane@example.com"]
