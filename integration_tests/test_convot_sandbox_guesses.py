"""The Convot sandbox's guess switches: each gives the other answer to what the Convot docs leave open."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sandboxes.convot import ConvotGuesses, ConvotSandbox
from sandboxes.convot.testing import ApiClient, validation_details

WHEN = "2021-03-04T05:06:07.000Z"


def api_for(sandbox: ConvotSandbox, guesses: ConvotGuesses) -> ApiClient:
    sandbox.guesses = guesses
    return ApiClient(sandbox.base_url, sandbox.token)


def start(api: ApiClient, **fields: object) -> dict:
    return api.create(
        "/conversations", {"email": "jane@example.com", "content": "hi", "type": "incoming", **fields}
    )


def test_defaults_are_the_assumptions(convot_sandbox: ConvotSandbox) -> None:
    api = api_for(convot_sandbox, ConvotGuesses())
    conversation = start(api, created_at=WHEN, external_id="crisp:1")
    start(api, external_id="crisp:2")
    (seed,) = api.get(f"/conversations/{conversation['id']}/messages").json()["messages"]
    assert (seed["type"], seed["created_at"], conversation["created_at"]) == ("incoming", WHEN, WHEN)
    listed = api.get("/conversations", external_id="crisp:1").json()["conversations"]
    assert [c["external_id"] for c in listed] == ["crisp:1"]
    assert api.post(f"/conversations/{conversation['id']}/resolve").status_code == 200
    assert api.get("/helpdesk/languages").status_code == 200
    assert api.get("/contacts", per_page=100).status_code == 200


def test_no_languages_api(convot_sandbox: ConvotSandbox) -> None:
    api = api_for(convot_sandbox, ConvotGuesses(languages_api=False))
    assert api.get("/helpdesk/languages").status_code == 404
    assert api.post("/helpdesk/languages", {"locale": "en"}).status_code == 404
    assert api.post("/helpdesk/categories", {"name": "Billing", "locale": "en"}).status_code == 201


def test_status_by_patch_only(convot_sandbox: ConvotSandbox) -> None:
    api = api_for(convot_sandbox, ConvotGuesses(status_paths=False))
    conversation = start(api)
    assert api.post(f"/conversations/{conversation['id']}/resolve").status_code == 404
    assert api.post(f"/conversations/{conversation['id']}/reopen").status_code == 404
    patched = api.patch(f"/conversations/{conversation['id']}", {"status": "resolved"})
    assert patched.json()["conversation"]["status"] == "resolved"


def test_external_id_filter_ignored(convot_sandbox: ConvotSandbox) -> None:
    api = api_for(convot_sandbox, ConvotGuesses(external_id_filter=False))
    start(api, external_id="crisp:1")
    start(api, external_id="crisp:2")
    api.create("/helpdesk/articles", {"title": "A", "external_id": "crisp:article:en:1"})
    listed = api.get("/conversations", external_id="crisp:2").json()["conversations"]
    assert [c["external_id"] for c in listed] == ["crisp:1", "crisp:2"]
    assert len(api.get("/helpdesk/articles", external_id="nope").json()["articles"]) == 1


def test_contact_id_rejected(convot_sandbox: ConvotSandbox) -> None:
    api = api_for(convot_sandbox, ConvotGuesses(contact_id=False))
    contact = api.create("/contacts", {"email": "jane@example.com"})
    refused = api.post("/conversations", {"contact_id": contact["id"], "content": "hi"})
    assert "Contact is not a permitted parameter" in validation_details(refused)[0]
    assert start(api)["contact_id"] == contact["id"]


def test_message_type_and_created_at_ignored(convot_sandbox: ConvotSandbox) -> None:
    api = api_for(convot_sandbox, ConvotGuesses(message_type=False, created_at=False))
    conversation = start(api, created_at=WHEN)
    posted = api.create(
        f"/conversations/{conversation['id']}/messages", {"content": "x", "type": "note", "created_at": WHEN}
    )
    held = api.get(f"/conversations/{conversation['id']}/messages").json()["messages"]
    assert [m["type"] for m in held] == ["outgoing", "outgoing"]
    assert posted["type"] == "outgoing"
    assert WHEN not in {conversation["created_at"], posted["created_at"], *(m["created_at"] for m in held)}


def test_incoming_and_created_at_refused(convot_sandbox: ConvotSandbox) -> None:
    api = api_for(convot_sandbox, ConvotGuesses(incoming_accepted=False, created_at_accepted=False))
    assert (
        "Type incoming cannot"
        in validation_details(
            api.post("/conversations", {"email": "j@x.io", "content": "hi", "type": "incoming"})
        )[0]
    )
    conversation = api.create("/conversations", {"email": "j@x.io", "content": "hi", "type": "note"})
    refused = api.post(f"/conversations/{conversation['id']}/messages", {"content": "x", "created_at": WHEN})
    assert validation_details(refused) == ["Created at is not a permitted parameter"]


def test_smaller_page_size(convot_sandbox: ConvotSandbox) -> None:
    api = api_for(convot_sandbox, ConvotGuesses(max_per_page=50))
    assert "between 1 and 50" in validation_details(api.get("/contacts", per_page=100))[0]
    assert api.get("/contacts", per_page=50).status_code == 200
    assert api.get("/contacts").status_code == 200


def test_page_parameter_ignored(convot_sandbox: ConvotSandbox) -> None:
    api = api_for(convot_sandbox, ConvotGuesses(page_param=False))
    for number in range(3):
        start(api, external_id=f"crisp:{number}")
    first, second = (api.get("/conversations", page=page, per_page=2).json() for page in (1, 2))
    assert first["conversations"] == second["conversations"]
    assert second["meta"]["has_more"] is True


def test_no_helpdesk_api(convot_sandbox: ConvotSandbox) -> None:
    api = api_for(convot_sandbox, ConvotGuesses(helpdesk_api=False))
    for path in ("/helpdesk/languages", "/helpdesk/categories", "/helpdesk/articles"):
        assert api.get(path).status_code == 404
    assert api.post("/helpdesk/articles", {"title": "A"}).status_code == 404
    assert api.get("/conversations").status_code == 200


def test_switches_are_validated_and_settable_over_the_admin_route(convot_sandbox: ConvotSandbox) -> None:
    with pytest.raises(ValueError, match="max_per_page"):
        ConvotGuesses(max_per_page=0)
    admin = ApiClient(convot_sandbox.admin_url, None)
    assert admin.post("/guesses", {"bogus": True}).status_code == 400
    assert admin.post("/guesses", {"status_paths": False}).json()["guesses"]["status_paths"] is False
    assert convot_sandbox.guesses == ConvotGuesses(status_paths=False)


def test_cli_flags_switch_the_guesses() -> None:
    from sandboxes.convot.__main__ import guesses_from, parse_args

    options = vars(parse_args(["--no-languages-api", "--ignore-created-at", "--max-per-page", "40"]))
    assert guesses_from(options) == ConvotGuesses(languages_api=False, created_at=False, max_per_page=40)
    everything = vars(parse_args(["--everything-switched"]))
    assert guesses_from(everything) == ConvotGuesses.everything_switched()
    listed = subprocess.run(
        [sys.executable, "-m", "sandboxes.convot", "--help"], capture_output=True, text=True
    )
    assert "--reject-contact-id" in listed.stdout


EVENT = {
    "name": "plan_upgraded",
    "occurred_at": "2026-06-07T10:30:00Z",
    "properties": {"from_plan": "starter"},
}


@pytest.mark.parametrize(
    ("guesses", "under_v1", "listed"),
    [
        (ConvotGuesses(), True, True),
        (ConvotGuesses(events_under_v1=False), False, True),
        (ConvotGuesses(events_list=False), True, False),
    ],
    ids=["defaults", "only-under-api-v1", "no-events-list"],
)
def test_contact_events_switches(
    convot_sandbox: ConvotSandbox, guesses: ConvotGuesses, under_v1: bool, listed: bool
) -> None:
    api = api_for(convot_sandbox, guesses)
    contact = api.create("/contacts", {"email": "jane@example.com"})
    article = ApiClient(convot_sandbox.base_url.replace("/v1", "/api/v1"), convot_sandbox.token)
    path = f"/contacts/{contact['id']}/events"
    assert api.post(path, EVENT).status_code == (201 if under_v1 else 404)
    created = article.create(path, EVENT)  # the article's prefix always serves events
    assert (created["name"], created["occurred_at"], created["properties"]) == (
        "plan_upgraded",
        "2026-06-07T10:30:00.000Z",
        {"from_plan": "starter"},
    )
    answer = article.get(path)
    assert answer.status_code == (200 if listed else 404)
    if listed:
        assert len(answer.json()["events"]) == (2 if under_v1 else 1)  # nothing deduplicated
    assert api.post("/contacts/999/events", EVENT).status_code == 404  # not a contact of this app
    assert validation_details(article.post(path, {"occurred_at": EVENT["occurred_at"]})) == [
        "Name can't be blank"
    ]
