"""Convot sandbox: keys, scopes, app isolation, the error envelope and list paging."""

from __future__ import annotations

import pytest

from sandboxes.convot.testing import ApiClient


def error_of(response) -> dict:
    return response.json()["error"]


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-a-key", "Token ck_sandbox0001:x", "Bearer ck_sandbox0001:wrong-secret"],
)
def test_missing_or_malformed_key_is_401_unauthorized(convot_sandbox, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = ApiClient(convot_sandbox.base_url, None).request("GET", "/contacts", headers=headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert "ck_<id>:<secret>" in error_of(response)["message"]


def test_revoked_key_is_401_and_other_keys_keep_working(convot_sandbox, convot_api):
    token = convot_sandbox.create_token(1, ["contacts:read"])
    assert ApiClient(convot_sandbox.base_url, token).get("/contacts").status_code == 200
    convot_sandbox.revoke_token(token)
    response = ApiClient(convot_sandbox.base_url, token).get("/contacts")
    assert response.status_code == 401
    assert token.split(":")[1] not in response.text
    assert convot_api.get("/contacts").status_code == 200


def test_key_without_the_scope_is_403_naming_the_scope(convot_sandbox):
    reader = ApiClient(convot_sandbox.base_url, convot_sandbox.create_token(1, ["contacts:read"]))
    response = reader.post("/contacts", {"email": "jane@example.com"})
    assert response.status_code == 403
    assert error_of(response) == {
        "code": "forbidden",
        "message": "This API key lacks the contacts:write scope",
    }
    assert "helpdesk:read" in error_of(reader.get("/helpdesk/articles"))["message"]
    assert convot_sandbox.dump()["contacts"] == []


def test_scope_is_checked_before_the_body_so_an_empty_post_proves_a_scope(convot_sandbox, convot_api):
    reader = ApiClient(convot_sandbox.base_url, convot_sandbox.create_token(1, ["conversations:read"]))
    assert reader.post("/conversations", {}).status_code == 403
    assert convot_api.post("/conversations", {}).status_code in (400, 422)
    assert convot_api.post("/contacts", {}).status_code == 400
    assert convot_sandbox.dump()["conversations"] == []


def test_malformed_json_is_400_bad_request(convot_api):
    response = convot_api.request(
        "POST", "/contacts", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


def test_another_apps_objects_are_404_never_403(convot_sandbox, convot_api):
    contact = convot_api.create("/contacts", {"email": "jane@example.com"})
    conversation = convot_api.create("/conversations", {"email": "jane@example.com", "content": "Hi"})
    article = convot_api.create("/helpdesk/articles", {"title": "Billing"})
    other = ApiClient(convot_sandbox.base_url, convot_sandbox.create_token(convot_sandbox.create_app()))

    for path in (
        f"/contacts/{contact['id']}",
        f"/conversations/{conversation['id']}",
        f"/conversations/{conversation['id']}/messages",
        f"/helpdesk/articles/{article['id']}",
    ):
        response = other.get(path)
        assert response.status_code == 404, path
        assert error_of(response)["code"] == "not_found"
    assert other.post(f"/conversations/{conversation['id']}/messages", {"content": "x"}).status_code == 404
    assert other.post(f"/conversations/{conversation['id']}/resolve").status_code == 404
    assert other.get("/conversations").json()["conversations"] == []
    assert other.get("/contacts", email="jane@example.com").json()["contacts"] == []
    assert len(convot_sandbox.dump()["conversations"][0]["messages"]) == 1


def test_second_app_finds_or_creates_its_own_contact(convot_sandbox, convot_api):
    first = convot_api.create("/contacts", {"email": "jane@example.com", "custom_data": {"plan": "pro"}})
    other = ApiClient(convot_sandbox.base_url, convot_sandbox.create_token(convot_sandbox.create_app()))
    response = other.post("/contacts", {"email": "jane@example.com"})
    assert response.status_code == 201
    assert response.json()["contact"]["id"] != first["id"]
    assert response.json()["contact"]["custom_data"] == {}


def test_both_api_prefixes_are_served_and_unknown_routes_are_404(convot_sandbox, convot_api):
    root = convot_sandbox.base_url.removesuffix("/v1")
    legacy = ApiClient(f"{root}/api/v1", convot_sandbox.token)
    assert legacy.get("/contacts").status_code == 200
    response = convot_api.get("/nothing-here")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_list_pages_carry_meta_and_has_more(convot_api):
    for number in range(5):
        convot_api.create("/contacts", {"email": f"person{number}@example.com"})

    first = convot_api.get("/contacts", per_page=2).json()
    last = convot_api.get("/contacts", per_page=2, page=3).json()
    default = convot_api.get("/contacts").json()

    assert [c["email"] for c in first["contacts"]] == ["person0@example.com", "person1@example.com"]
    assert first["meta"] == {"page": 1, "per_page": 2, "has_more": True}
    assert [c["email"] for c in last["contacts"]] == ["person4@example.com"]
    assert last["meta"] == {"page": 3, "per_page": 2, "has_more": False}
    assert default["meta"] == {"page": 1, "per_page": 30, "has_more": False}
    assert len(default["contacts"]) == 5


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"page": 0}, 400),
        ({"page": "x"}, 400),
        ({"page": "--1"}, 400),
        ({"per_page": 101}, 422),
        ({"per_page": 0}, 422),
        ({"per_page": "ten"}, 422),
    ],
)
def test_bad_paging_parameters_are_rejected(convot_api, params, status):
    response = convot_api.get("/conversations", **params)
    assert response.status_code == status
    assert error_of(response)["code"] == {400: "bad_request", 422: "unprocessable_entity"}[status]


def test_request_counts_are_per_route_template(convot_sandbox, convot_api):
    conversation = convot_api.create("/conversations", {"email": "a@example.com", "content": "Hi"})
    convot_api.post(f"/conversations/{conversation['id']}/messages", {"content": "one"})
    convot_api.post(f"/conversations/{conversation['id']}/messages", {"content": "two"})
    assert convot_sandbox.request_counts() == {
        "POST /v1/conversations": 1,
        "POST /v1/conversations/{uuid}/messages": 2,
    }
    convot_sandbox.reset_counts()
    assert convot_sandbox.request_counts() == {}


def test_apps_of_one_organization_share_contacts_but_not_custom_data(convot_sandbox, convot_api):
    jane = convot_api.create("/contacts", {"email": "jane@example.com", "custom_data": {"plan": "pro"}})
    sibling_app = convot_sandbox.create_app(organization_of=1)
    sibling = ApiClient(convot_sandbox.base_url, convot_sandbox.create_token(sibling_app))
    assert sibling.get(f"/contacts/{jane['id']}").status_code == 404  # not known to that app yet

    matched = sibling.post("/contacts", {"email": "jane@example.com", "custom_data": {"tier": "gold"}})

    assert matched.status_code == 200
    assert matched.json()["contact"]["id"] == jane["id"]
    assert matched.json()["contact"]["custom_data"] == {"tier": "gold"}
    assert convot_api.get(f"/contacts/{jane['id']}").json()["contact"]["custom_data"] == {"plan": "pro"}


def test_chunked_request_bodies_are_read(convot_api):
    chunks = (part.encode() for part in ['{"email": ', '"jane@example.com"}'])
    response = convot_api.request(
        "POST", "/contacts", data=chunks, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201
    assert convot_api.get("/contacts").json()["contacts"][0]["email"] == "jane@example.com"
