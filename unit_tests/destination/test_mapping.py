"""Crisp record -> Convot payload: what lands in Convot for each kind of source-crisp record."""

from __future__ import annotations

import json

import pytest

from destination_convot import helpdesk_mapping as H
from destination_convot import mapping as M
from testing import destination_builders as B


def test_profile_becomes_contact_with_identity_fields_and_segments() -> None:
    payload = M.contact_payload(
        B.profile(
            "p-1",
            "jane@example.com",
            "Jane",
            phone="+1 555",
            avatar="https://a/j.png",
            company="Acme",
            segments=["vip", "beta"],
        )
    )
    assert payload == {
        "external_id": "crisp:p-1",
        "email": "jane@example.com",
        "name": "Jane",
        "phone": "+1 555",
        "avatar_url": "https://a/j.png",
        "company": "Acme",
        "custom_data": {"crisp_segments": "vip,beta"},
    }


def test_profile_without_optional_fields_sends_no_nulls_that_would_clear_convot_values() -> None:
    payload = M.contact_payload(B.profile("p-2", None, "Max"))
    assert payload == {"external_id": "crisp:p-2", "name": "Max"}


def test_people_data_columns_become_scalar_custom_attributes_and_nulls_are_left_out() -> None:
    record = B.people_data("p-1", plan="pro", seats=5, ratio=0.5, trial=False, missing=None)
    assert M.contact_data_payload(record) == {
        "external_id": "crisp:p-1",
        "custom_data": {"plan": "pro", "seats": 5, "ratio": 0.5, "trial": False},
    }


def test_people_data_without_any_attribute_is_skipped_with_a_reason() -> None:
    with pytest.raises(M.Skipped, match="without attributes"):
        M.contact_data_payload(B.people_data("p-1", plan=None))


@pytest.mark.parametrize(
    ("sender", "kind", "expected"),
    [("user", "text", "incoming"), ("operator", "text", "outgoing"), ("operator", "note", "note")],
)
def test_message_direction(sender: str, kind: str, expected: str) -> None:
    assert M.message_type(B.message("s", 1, B.T0, sender, kind)) == expected


def test_message_payload_keeps_time_as_iso_and_attributes_operator_messages_only() -> None:
    outgoing = M.message_payload(B.message("s", 1, B.T0 + 123, "operator", content="Hi"), operator_id=7)
    incoming = M.message_payload(B.message("s", 2, B.T0, "user", content="Yo"), operator_id=7)
    assert outgoing == {
        "content": "Hi",
        "type": "outgoing",
        "created_at": "2023-11-14T22:13:20.123Z",
        "operator_id": 7,
    }
    assert "operator_id" not in incoming


@pytest.mark.parametrize(
    ("kind", "columns", "expected"),
    [
        ("file", {"content_name": "a.pdf", "content_url": "https://f/a.pdf"}, "[a.pdf](https://f/a.pdf)"),
        ("animation", {"content_url": "https://f/x.gif"}, "[Animation](https://f/x.gif)"),
        (
            "audio",
            {"content_url": "https://f/v.ogg", "content_duration": 12},
            "[Audio message (12s)](https://f/v.ogg)",
        ),
        (
            "picker",
            {
                "content_text": "Topic?",
                "content_choices": json.dumps([{"label": "Billing"}, {"label": "Tech", "selected": True}]),
            },
            "Topic?\n- Billing\n- Tech ✓",
        ),
        (
            "field",
            {"content_text": "Your email?", "content_explain": "We reply there", "content_value": "a@b.c"},
            "Your email?\n_We reply there_\nAnswer: a@b.c",
        ),
        (
            "carousel",
            {
                "content_text": "Plans",
                "content_targets": json.dumps(
                    [
                        {
                            "title": "Pro",
                            "description": "Best",
                            "actions": [{"label": "Buy", "url": "https://x/pro"}],
                        }
                    ]
                ),
            },
            "Plans\n- **Pro**: Best ([Buy](https://x/pro))",
        ),
    ],
)
def test_object_messages_become_readable_markdown(kind: str, columns: dict, expected: str) -> None:
    assert M.message_content(B.message("s", 1, B.T0, "user", kind, content=None, **columns)) == expected


def test_event_messages_and_empty_texts_are_skipped_with_reasons() -> None:
    with pytest.raises(M.Skipped, match="no creatable activity"):
        M.message_content(B.message("s", 1, B.T0, "operator", "event", content=None, content_namespace="x"))
    with pytest.raises(M.Skipped, match="without content"):
        M.message_content(B.message("s", 1, B.T0, "user", "text", content="  "))


@pytest.mark.parametrize(
    ("state", "status"), [("resolved", "resolved"), ("pending", "open"), ("unresolved", "open")]
)
def test_conversation_status(state: str, status: str) -> None:
    assert M.conversation_status(B.conversation("s", "p", None, state)) == status


def test_conversation_payload_seeds_the_first_message_and_never_starts_after_it() -> None:
    seed = M.message_payload(B.message("s-1", 1, B.T0 - 5000, "user", content="First"), None)
    payload = M.conversation_payload(B.conversation("s-1", "p-1", "j@x.io", created_at=B.T0), 42, seed)
    assert payload == {
        "contact_id": 42,
        "content": "First",
        "type": "incoming",
        "created_at": "2023-11-14T22:13:15.000Z",  # the earlier of conversation creation and first message
        "external_id": "crisp:s-1",
        "status": "open",
    }


def test_conversation_without_people_id_or_email_cannot_get_a_contact() -> None:
    with pytest.raises(M.Skipped, match="without people id or email"):
        M.contact_from_conversation(B.conversation("s", None, None))


@pytest.mark.parametrize(
    ("status", "visibility", "expected"),
    [
        ("published", "visible", "visible"),
        ("published", "hidden", "hidden"),
        ("draft", "visible", "draft"),
        ("draft", "hidden", "draft"),
    ],
)
def test_article_status(status: str, visibility: str, expected: str) -> None:
    assert H.article_status({"status": status, "visibility": visibility}) == expected


def test_sections_fold_into_their_category_ordered_after_direct_articles_then_by_section_order() -> None:
    direct = H.article_position({"order": 3}, None)
    first_section = H.article_position({"order": 9}, 0)
    second_section = H.article_position({"order": 1}, 1)
    assert direct < first_section < second_section


def test_article_payload() -> None:
    payload = H.article_payload(
        B.article("a1", "Title", "Body", "c-1", order=4), category_id=9, section_order=None
    )
    assert payload == {
        "title": "Title",
        "content": "Body",
        "summary": "Summary of Title",
        "status": "visible",
        "category_id": 9,
        "position": 4,
        "locale": "en",
        "external_id": "crisp:article:en:a1",
    }


def test_links_to_crisp_articles_are_rewritten_with_or_without_trailing_slash_keeping_anchors() -> None:
    url_map = {B.crisp_article_url("a2"): "https://help.test/en/article/billing"}
    body = f"[a]({B.crisp_article_url('a2')}) [b]({B.crisp_article_url('a2').rstrip('/')}#faq) [c](https://else.test)"
    assert H.rewrite_links(body, url_map) == (
        "[a](https://help.test/en/article/billing) [b](https://help.test/en/article/billing#faq) [c](https://else.test)"
    )


def test_link_rewriting_does_not_touch_a_longer_url_sharing_the_prefix() -> None:
    url_map = {"https://h.test/en/article/a-1": "/en/article/one"}
    assert H.rewrite_links("(https://h.test/en/article/a-12)", url_map) == "(https://h.test/en/article/a-12)"


def test_convot_article_url_is_relative_without_help_center_url() -> None:
    assert H.convot_article_url(None, "fr", "bonjour") == "/fr/article/bonjour"
    assert (
        H.convot_article_url("https://acme.convot.help", "en", "hi")
        == "https://acme.convot.help/en/article/hi"
    )


def test_message_identity_ignores_attribution() -> None:
    seen = M.message_payload(B.message("s", 1, B.T0, "operator", content="Hi"), operator_id=None)
    attributed = M.message_payload(B.message("s", 1, B.T0, "operator", content="Hi"), operator_id=7)
    edited = M.message_payload(B.message("s", 1, B.T0, "operator", content="Hi!"), operator_id=7)
    assert M.message_hash(seen) == M.message_hash(attributed) != M.message_hash(edited)
