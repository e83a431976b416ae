"""Synthetic source-crisp output (see briefs/source_output.md): flat columns, epoch-ms times, `website_id` on
every record, arrays as JSON text. Shared by the unit and end-to-end tests of destination-convot."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteRecordMessage,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStream,
    AirbyteStreamState,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteStream,
    DestinationSyncMode,
    StreamDescriptor,
    SyncMode,
    Type,
)
from airbyte_cdk.models.airbyte_protocol import AirbyteStateBlob

WEBSITE = "8c842203-7ed8-4e29-a608-7cf78a7d2fcc"
T0 = 1_700_000_000_000  # epoch ms
STREAMS = (
    "operators",
    "people_profiles",
    "people_data",
    "visitors",
    "conversations",
    "conversation_messages",
    "helpdesk_locales",
    "helpdesk_categories",
    "helpdesk_sections",
    "helpdesk_articles",
)


def operator(user_id: str, email: str) -> dict[str, Any]:
    return {"website_id": WEBSITE, "type": "operator", "user_id": user_id, "email": email, "first_name": "Op"}


def profile(people_id: str, email: str | None, nickname: str = "Jane Doe", **extra: Any) -> dict[str, Any]:
    return {
        "website_id": WEBSITE,
        "people_id": people_id,
        "email": email,
        "person_nickname": nickname,
        "person_phone": extra.pop("phone", None),
        "person_avatar": extra.pop("avatar", None),
        "company_name": extra.pop("company", None),
        "segments": json.dumps(extra.pop("segments", [])),
        "created_at": T0,
        "updated_at": T0,
        **extra,
    }


def people_data(people_id: str, **data: Any) -> dict[str, Any]:
    return {"website_id": WEBSITE, "people_id": people_id, **{f"data_{k}": v for k, v in data.items()}}


def conversation(
    session_id: str,
    people_id: str | None,
    email: str | None,
    state: str = "resolved",
    created_at: int = T0,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "website_id": WEBSITE,
        "session_id": session_id,
        "people_id": people_id,
        "state": state,
        "meta_email": email,
        "meta_nickname": extra.pop("nickname", "Visitor"),
        "meta_segments": "[]",
        "created_at": created_at,
        "updated_at": created_at + 10_000,
        **extra,
    }


def message(
    session_id: str,
    fingerprint: int,
    timestamp: int,
    sender: str = "user",
    kind: str = "text",
    content: Any = "hello",
    user_id: str | None = None,
    **columns: Any,
) -> dict[str, Any]:
    return {
        "website_id": WEBSITE,
        "session_id": session_id,
        "fingerprint": fingerprint,
        "type": kind,
        "from": sender,
        "origin": "chat",
        "timestamp": timestamp,
        "user_user_id": user_id,
        "content": content,
        **columns,
    }


def locale(code: str) -> dict[str, Any]:
    return {
        "website_id": WEBSITE,
        "locale": code,
        "locale_id": f"loc-{code}",
        "url": f"https://h.crisp.help/{code}/",
    }


def category(category_id: str, name: str, order: int, code: str = "en") -> dict[str, Any]:
    return {
        "website_id": WEBSITE,
        "category_id": category_id,
        "locale": code,
        "name": name,
        "order": order,
        "description": f"About {name}",
        "color": "#2266ff",
    }


def section(section_id: str, category_id: str, order: int, code: str = "en") -> dict[str, Any]:
    return {
        "website_id": WEBSITE,
        "section_id": section_id,
        "category_id": category_id,
        "locale": code,
        "name": f"Section {section_id}",
        "order": order,
    }


def crisp_article_url(article_id: str, code: str = "en") -> str:
    return f"https://h.crisp.help/{code}/article/{article_id}-x1y2/"


def article(
    article_id: str,
    title: str,
    content: str,
    category_id: str | None,
    order: int = 1,
    section_id: str | None = None,
    status: str = "published",
    visibility: str = "visible",
    code: str = "en",
) -> dict[str, Any]:
    return {
        "website_id": WEBSITE,
        "article_id": article_id,
        "locale": code,
        "title": title,
        "description": f"Summary of {title}",
        "content": content,
        "status": status,
        "visibility": visibility,
        "order": order,
        "url": crisp_article_url(article_id, code),
        "category_id": category_id,
        "section_id": section_id,
    }


# -- Airbyte messages ----------------------------------------------------------------------
def record(stream: str, data: dict[str, Any]) -> AirbyteMessage:
    return AirbyteMessage(
        type=Type.RECORD, record=AirbyteRecordMessage(stream=stream, data=data, emitted_at=0)
    )


def state(stream: str, value: Any) -> AirbyteMessage:
    return AirbyteMessage(
        type=Type.STATE,
        state=AirbyteStateMessage(
            type=AirbyteStateType.STREAM,
            stream=AirbyteStreamState(
                stream_descriptor=StreamDescriptor(name=stream), stream_state=AirbyteStateBlob(cursor=value)
            ),
        ),
    )


def state_values(messages: Iterable[AirbyteMessage]) -> list[tuple[str, Any]]:
    return [
        (m.state.stream.stream_descriptor.name, m.state.stream.stream_state.cursor)  # type: ignore[union-attr]
        for m in messages
        if m.type == Type.STATE
    ]


def catalog(streams: Iterable[str] = STREAMS) -> ConfiguredAirbyteCatalog:
    return ConfiguredAirbyteCatalog(
        streams=[
            ConfiguredAirbyteStream(
                stream=AirbyteStream(name=name, json_schema={}, supported_sync_modes=[SyncMode.full_refresh]),
                sync_mode=SyncMode.full_refresh,
                destination_sync_mode=DestinationSyncMode.append_dedup,
            )
            for name in streams
        ]
    )


def workspace() -> list[AirbyteMessage]:
    """A small workspace in discover order with a state after each stream."""
    setup_without_slash = crisp_article_url("a3").rstrip("/")
    body_a = f"See [the billing guide]({crisp_article_url('a2')}) and [setup]({setup_without_slash})."
    streams: dict[str, list[dict[str, Any]]] = {
        "operators": [operator("op-1", "alice@team.test"), operator("op-2", "bob@team.test")],
        "people_profiles": [
            profile("p-1", "jane@example.com", "Jane Doe", phone="+33 1 23", segments=["vip", "beta"]),
            profile("p-2", "max@example.com", "Max Power"),
        ],
        "people_data": [
            people_data("p-1", plan="pro", seats=5, trial=False),
            people_data("p-2", plan="free"),
        ],
        "visitors": [{"website_id": WEBSITE, "session_id": "v-1"}],
        "conversations": [
            conversation("s-1", "p-1", "jane@example.com", "resolved", T0),
            conversation("s-2", "p-3", "new@example.com", "unresolved", T0 + 1000, nickname="New Person"),
            conversation("s-3", "p-2", "max@example.com", "pending", T0 + 2000),
        ],
        "conversation_messages": [
            message("s-1", 11, T0 + 100, "user", content="I need help"),
            message("s-1", 12, T0 + 200, "operator", content="Sure, what's up?", user_id="op-1"),
            message("s-1", 13, T0 + 300, "operator", "note", content="VIP customer", user_id="op-2"),
            message(
                "s-1",
                14,
                T0 + 400,
                "user",
                "file",
                content=None,
                content_name="invoice.pdf",
                content_url="https://files.test/invoice.pdf",
                content_type="application/pdf",
            ),
            message(
                "s-1", 15, T0 + 500, "operator", "event", content=None, content_namespace="state:resolved"
            ),
            message("s-2", 21, T0 + 1100, "user", content="Hello?"),
            message(
                "s-2",
                22,
                T0 + 1200,
                "operator",
                "picker",
                content=None,
                user_id="op-2",
                content_text="Pick one",
                content_choices=json.dumps(
                    [{"value": "a", "label": "Billing"}, {"value": "b", "label": "Tech", "selected": True}]
                ),
            ),
        ],
        "helpdesk_locales": [locale("en")],
        "helpdesk_categories": [category("c-1", "Billing", 1), category("c-2", "Setup", 2)],
        "helpdesk_sections": [section("sec-1", "c-2", 0), section("sec-2", "c-2", 1)],
        "helpdesk_articles": [
            article("a1", "Welcome", body_a, "c-1", order=1),
            article("a2", "Billing guide", "Pay **monthly**.", "c-1", order=2),
            article("a3", "Setup basics", "Install it.", "c-2", order=1, section_id="sec-2"),
            article("a4", "Draft notes", "WIP", "c-2", order=2, section_id="sec-1", status="draft"),
        ],
    }
    messages: list[AirbyteMessage] = []
    for position, (stream, rows) in enumerate(streams.items()):
        messages.extend(record(stream, row) for row in rows)
        messages.append(state(stream, position))
    return messages


def big_workspace(
    conversations: int, messages_per_conversation: int, checkpoint_every: int = 5
) -> list[AirbyteMessage]:
    """Contacts, conversations and threads at scale, with source-like checkpoints inside each stream."""
    out: list[AirbyteMessage] = [
        record("operators", operator("op-1", "alice@team.test")),
        state("operators", 0),
    ]
    for n in range(conversations):
        out.append(record("people_profiles", profile(f"p-{n}", f"person{n}@example.com", f"Person {n}")))
    out.append(state("people_profiles", 1))
    for n in range(conversations):
        out.append(
            record(
                "conversations", conversation(f"s-{n}", f"p-{n}", f"person{n}@example.com", created_at=T0 + n)
            )
        )
    out.append(state("conversations", 2))
    for n in range(conversations):
        for k in range(messages_per_conversation):
            sender = "user" if k % 2 == 0 else "operator"
            text = f"conversation {n} message {k}"
            out.append(
                record(
                    "conversation_messages",
                    message(
                        f"s-{n}",
                        k,
                        T0 + n + 1000 * k,
                        sender,
                        content=text,
                        user_id="op-1" if sender == "operator" else None,
                    ),
                )
            )
        if (n + 1) % checkpoint_every == 0:
            out.append(state("conversation_messages", n))
    out.append(state("conversation_messages", conversations))
    return out
