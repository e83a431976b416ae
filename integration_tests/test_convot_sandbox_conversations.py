"""Convot sandbox: contact find-or-create, conversations (never deduplicated), messages and statuses."""

from __future__ import annotations

import pytest

from sandboxes.convot.testing import ApiClient, validation_details

# contacts ------------------------------------------------------------------------------------------------


def test_contact_is_found_by_external_id_then_by_email(convot_api):
    created = convot_api.post(
        "/contacts", {"external_id": "crisp:p1", "email": "jane@example.com", "name": "Jane"}
    )
    by_external_id = convot_api.post("/contacts", {"external_id": "crisp:p1", "phone": "+33 6 00 00 00 00"})
    by_email = convot_api.post("/contacts", {"email": "JANE@example.com", "company": "Acme"})

    assert created.status_code == 201
    assert (by_external_id.status_code, by_email.status_code) == (200, 200)
    contact = by_email.json()["contact"]
    assert by_external_id.json()["contact"]["id"] == contact["id"] == created.json()["contact"]["id"]
    assert contact | {"created_at": None, "updated_at": None} == {
        "id": contact["id"], "external_id": "crisp:p1", "email": "jane@example.com", "name": "Jane",
        "phone": "+33 6 00 00 00 00", "company": "Acme", "avatar_url": None, "custom_data": {},
        "created_at": None, "updated_at": None,
    }  # fmt: skip


def test_email_match_adopts_the_external_id_when_the_contact_has_none(convot_sandbox, convot_api):
    first = convot_api.create("/contacts", {"email": "jane@example.com"})
    second = convot_api.create("/contacts", {"email": "jane@example.com", "external_id": "crisp:p1"})
    assert second["id"] == first["id"]
    assert second["external_id"] == "crisp:p1"
    assert len(convot_sandbox.dump()["contacts"]) == 1


def test_custom_data_is_merged_and_null_clears_a_key(convot_api):
    convot_api.create(
        "/contacts", {"email": "jane@example.com", "custom_data": {"plan": "pro", "seats": 3, "vip": True}}
    )
    merged = convot_api.create(
        "/contacts", {"email": "jane@example.com", "custom_data": {"seats": None, "mrr": 9.5}}
    )
    assert merged["custom_data"] == {"plan": "pro", "vip": True, "mrr": 9.5}


def test_contact_needs_email_or_external_id_and_scalar_custom_data(convot_api):
    response = convot_api.post("/contacts", {"name": "Nobody"})
    assert response.status_code == 400
    assert "email or external_id" in response.json()["error"]["message"]
    assert validation_details(
        convot_api.post("/contacts", {"email": "a@example.com", "custom_data": {"nested": {"x": 1}}})
    ) == ["Custom data values must be strings, numbers or booleans"]
    assert validation_details(convot_api.post("/contacts", {"email": "not-an-email"})) == ["Email is invalid"]


def test_contacts_list_filters_by_email_and_external_id(convot_api):
    jane = convot_api.create("/contacts", {"email": "jane@example.com", "external_id": "crisp:p1"})
    convot_api.create("/contacts", {"email": "joe@example.com"})
    assert [c["id"] for c in convot_api.get("/contacts", email="jane@example.com").json()["contacts"]] == [
        jane["id"]
    ]
    assert [c["id"] for c in convot_api.get("/contacts", external_id="crisp:p1").json()["contacts"]] == [
        jane["id"]
    ]
    assert convot_api.get(f"/contacts/{jane['id']}").json() == {"contact": jane}


# conversations -------------------------------------------------------------------------------------------


def test_conversations_are_never_deduplicated(convot_sandbox, convot_api):
    body = {"email": "jane@example.com", "content": "Hello", "external_id": "crisp:session_1"}
    first = convot_api.post("/conversations", body)
    second = convot_api.post("/conversations", body)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["conversation"]["id"] != second.json()["conversation"]["id"]
    dump = convot_sandbox.dump()
    assert len(dump["conversations"]) == 2
    assert len(dump["contacts"]) == 1  # the contact itself is found, not created twice
    listed = convot_api.get("/conversations", external_id="crisp:session_1").json()["conversations"]
    assert len(listed) == 2


def test_conversation_keeps_created_at_on_itself_and_its_seed_message(convot_sandbox, convot_api):
    contact = convot_api.create("/contacts", {"external_id": "crisp:p1"})
    conversation = convot_api.create(
        "/conversations",
        {
            "contact_id": contact["id"],
            "content": "Hi there",
            "type": "incoming",
            "created_at": "2024-03-01T10:00:00+01:00",
        },
    )
    assert conversation["created_at"] == "2024-03-01T09:00:00.000Z"
    assert conversation["channel"] == "imported"
    assert conversation["status"] == "open"
    assert conversation["messages_count"] == 1
    (seed,) = convot_api.get(f"/conversations/{conversation['id']}/messages").json()["messages"]
    assert (seed["type"], seed["content"], seed["created_at"]) == (
        "incoming",
        "Hi there",
        "2024-03-01T09:00:00.000Z",
    )
    assert convot_api.get(f"/conversations/{conversation['id']}").json() == {"conversation": conversation}


def test_conversation_without_created_at_is_a_live_start_with_an_outgoing_seed(convot_sandbox, convot_api):
    conversation = convot_api.create(
        "/conversations", {"email": "jane@example.com", "content": "Following up"}
    )
    assert conversation["channel"] == "email"
    assert conversation["created_at"] >= "2026-01-01"
    (seed,) = convot_sandbox.dump()["conversations"][0]["messages"]
    assert seed["type"] == "outgoing"


@pytest.mark.parametrize(
    ("body", "status", "problem"),
    [
        ({"email": "jane@example.com"}, 422, "Content can't be blank"),
        ({"email": "jane@example.com", "content": "  "}, 422, "Content can't be blank"),
        ({"content": "Hello"}, 400, "email or contact_id"),
        ({"contact_id": 999, "content": "Hello"}, 422, "Contact must exist"),
        ({"email": "jane@example.com", "content": "x", "type": "activity"}, 422, "Type must be one of"),
        ({"email": "jane@example.com", "content": "x", "created_at": "yesterday"}, 422, "Created at must be"),
        ({"email": "jane@example.com", "content": "x", "status": "closed"}, 422, "Status must be one of"),
    ],
)
def test_invalid_conversations_are_rejected_and_nothing_is_written(
    convot_sandbox, convot_api, body, status, problem
):
    response = convot_api.post("/conversations", body)
    assert response.status_code == status
    error = response.json()["error"]
    assert problem in " ".join([error["message"], *error.get("details", [])])
    assert convot_sandbox.dump()["conversations"] == []


# messages ------------------------------------------------------------------------------------------------


def start(api: ApiClient, **extra: object) -> str:
    return api.create("/conversations", {"email": "jane@example.com", "content": "Hi", **extra})["id"]


def test_messages_list_ascending_by_created_at_then_id_with_all_types(convot_api):
    uuid = start(convot_api, created_at="2024-01-01T00:00:00Z")
    posts = [
        ("late", "note", "2024-01-01T00:00:03Z"),
        ("early", "incoming", "2024-01-01T00:00:01Z"),
        ("tie-first", "outgoing", "2024-01-01T00:00:02Z"),
        ("tie-second", "incoming", "2024-01-01T00:00:02Z"),
    ]
    for content, kind, created_at in posts:
        assert convot_api.post(
            f"/conversations/{uuid}/messages", {"content": content, "type": kind, "created_at": created_at}
        )

    messages = convot_api.get(f"/conversations/{uuid}/messages").json()["messages"]
    assert [m["content"] for m in messages] == ["Hi", "early", "tie-first", "tie-second", "late"]
    assert [m["type"] for m in messages] == ["outgoing", "incoming", "outgoing", "incoming", "note"]
    assert convot_api.get(f"/conversations/{uuid}").json()["conversation"]["messages_count"] == 5


def test_message_default_type_operator_and_response_shape(convot_sandbox, convot_api):
    uuid = start(convot_api)
    operator = convot_sandbox.create_user(1, "agent@example.com", "Agent")
    response = convot_api.post(
        f"/conversations/{uuid}/messages", {"content": "On it", "operator_id": operator}
    )
    assert response.status_code == 201
    message = response.json()["message"]
    assert message | {"id": 0, "created_at": ""} == {
        "id": 0, "conversation_id": uuid, "type": "outgoing", "content": "On it", "operator_id": operator,
        "created_at": "",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"content": "x", "type": "activity"}, "Type must be one of incoming, outgoing, note"),
        ({"content": "x", "operator_id": 424242}, "Operator must be a user of this app"),
        ({"content": "x", "operator_id": "1"}, "Operator must be an integer"),
        ({"type": "note"}, "Content can't be blank"),
    ],
)
def test_invalid_messages_are_422_and_not_stored(convot_sandbox, convot_api, body, problem):
    uuid = start(convot_api)
    assert validation_details(convot_api.post(f"/conversations/{uuid}/messages", body)) == [problem]
    assert len(convot_sandbox.dump()["conversations"][0]["messages"]) == 1


def test_operator_of_another_app_is_rejected(convot_sandbox, convot_api):
    stranger = convot_sandbox.create_user(convot_sandbox.create_app(), "other@example.com")
    uuid = start(convot_api)
    assert validation_details(
        convot_api.post(f"/conversations/{uuid}/messages", {"content": "x", "operator_id": stranger})
    ) == ["Operator must be a user of this app"]


@pytest.mark.parametrize("status", ["resolved", "pending"])
def test_incoming_message_reopens_a_resolved_or_pending_conversation(convot_api, status):
    uuid = start(convot_api)
    assert (
        convot_api.patch(f"/conversations/{uuid}", {"status": status}).json()["conversation"]["status"]
        == status
    )
    convot_api.post(f"/conversations/{uuid}/messages", {"content": "internal", "type": "note"})
    convot_api.post(f"/conversations/{uuid}/messages", {"content": "reply", "type": "outgoing"})
    assert convot_api.get(f"/conversations/{uuid}").json()["conversation"]["status"] == status
    convot_api.post(f"/conversations/{uuid}/messages", {"content": "customer again", "type": "incoming"})
    assert convot_api.get(f"/conversations/{uuid}").json()["conversation"]["status"] == "open"


def test_resolve_reopen_and_patch_status(convot_api):
    uuid = start(convot_api)
    resolved = convot_api.post(f"/conversations/{uuid}/resolve")
    assert (resolved.status_code, resolved.json()["conversation"]["status"]) == (200, "resolved")
    assert [c["id"] for c in convot_api.get("/conversations", status="resolved").json()["conversations"]] == [
        uuid
    ]
    assert convot_api.post(f"/conversations/{uuid}/reopen").json()["conversation"]["status"] == "open"
    assert (
        convot_api.patch(f"/conversations/{uuid}", {"status": "pending"}).json()["conversation"]["status"]
        == "pending"
    )
    assert validation_details(convot_api.patch(f"/conversations/{uuid}", {"status": "archived"})) == [
        "Status must be one of open, pending, resolved"
    ]
    assert convot_api.post("/conversations/00000000-0000-0000-0000-000000000000/resolve").status_code == 404


def test_outgoing_messages_to_a_contact_with_email_record_would_notify_events(convot_sandbox, convot_api):
    uuid = start(convot_api)
    for kind in ("note", "incoming", "outgoing"):
        convot_api.post(f"/conversations/{uuid}/messages", {"content": kind, "type": kind})
    silent = convot_api.create("/contacts", {"external_id": "crisp:no-email"})
    convot_api.create("/conversations", {"contact_id": silent["id"], "content": "Hi"})

    dump = convot_sandbox.dump()
    messages = {m["id"]: m for m in dump["conversations"][0]["messages"]}
    notified = [messages[n["message_id"]]["content"] for n in dump["notifications"]]
    assert notified == ["Hi", "outgoing"]
    assert {n["kind"] for n in dump["notifications"]} == {"email_contact"}
    assert {n["email"] for n in dump["notifications"]} == {"jane@example.com"}


def test_contact_conflicts_answer_422_instead_of_merging_two_people(convot_sandbox, convot_api):
    convot_api.create("/contacts", {"email": "jane@example.com", "external_id": "crisp:p1"})
    convot_api.create("/contacts", {"email": "joe@example.com", "external_id": "crisp:p2"})
    assert validation_details(
        convot_api.post("/contacts", {"external_id": "crisp:p2", "email": "jane@example.com"})
    ) == ["Email has already been taken"]
    assert validation_details(
        convot_api.post("/contacts", {"external_id": "crisp:p3", "email": "jane@example.com"})
    ) == ["Email belongs to the contact with external id crisp:p1"]
    assert [c["email"] for c in convot_sandbox.dump()["contacts"]] == ["jane@example.com", "joe@example.com"]
