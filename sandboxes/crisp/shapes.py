"""Builders of Crisp objects, field for field as reference §4 describes them.

Each builder is a pure function of a seeded `random.Random` and the facts the dataset fixed beforehand
(timestamps, state, counts), so an object is rebuilt identically on every request instead of being stored.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import vocabulary as vocab

STATES = ("pending", "unresolved", "resolved")  # index == numeric `status`
MESSAGE_TYPES = ("text", "file", "animation", "audio", "picker", "field", "carousel", "note", "event")
OPERATOR_ONLY_TYPES = frozenset({"note", "event", "picker", "field", "carousel"})


@dataclass(frozen=True)
class ConversationFacts:
    """What the dataset fixes about one conversation; everything else is drawn from its rng."""

    index: int
    session_id: str
    website_id: str
    people_id: str
    email: str
    nickname: str
    created_at: int
    updated_at: int
    waiting_since: int  # 0 = field absent
    state: int
    unread_operator: int
    message_count: int
    last_message: dict | None


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(vocab.FIRST_NAMES)} {rng.choice(vocab.LAST_NAMES)}"


def _place(rng: random.Random) -> dict:
    country, region, city, lat, lon, tz, locales = rng.choice(vocab.PLACES)
    return {
        "country": country,
        "region": region,
        "city": city,
        "coordinates": {"latitude": lat, "longitude": lon},
        "_timezone": tz,
        "_locales": list(locales),
    }


def _geolocation(place: dict) -> dict:
    return {key: value for key, value in place.items() if not key.startswith("_")}


def custom_data(rng: random.Random) -> dict:
    """Custom key/values with string, int, float and bool values (reference §4.1 meta.data, §4.5)."""
    data = {
        "plan": rng.choice(("free", "pro", "unlimited")),
        "seats": rng.randint(1, 250),
        "mrr": round(rng.uniform(0, 999), 2),
        "trial": rng.random() < 0.3,
    }
    if rng.random() < 0.5:
        data["signup_at"] = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if rng.random() < 0.3:
        data["référence_client"] = f"C-{rng.randint(1000, 9999)}"
    return data


def _device(rng: random.Random, place: dict) -> dict:
    (os_name, os_version), (engine, engine_version), (browser, browser_version, major) = rng.choice(
        vocab.SYSTEMS
    )
    return {
        "capabilities": rng.sample(["browsing", "call"], rng.randint(0, 2)),
        "geolocation": _geolocation(place),
        "system": {
            "os": {"name": os_name, "version": os_version},
            "engine": {"name": engine, "version": engine_version},
            "browser": {"name": browser, "version": browser_version, "major": major},
            "useragent": f"Mozilla/5.0 ({os_name} {os_version}) {browser}/{browser_version}",
        },
        "timezone": place["_timezone"],
        "locales": place["_locales"],
    }


def conversation(facts: ConversationFacts, operators: list[dict], rng: random.Random) -> dict:
    place = _place(rng)
    isp, asn = rng.choice(vocab.ISPS)
    meta = {
        "nickname": facts.nickname,
        "email": facts.email,
        "phone": rng.choice(
            ("", f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} 00")
        ),
        "address": rng.choice(("", "10 rue de Rivoli, Paris")),
        "subject": rng.choice(vocab.SUBJECTS),
        "ip": f"203.0.113.{rng.randint(1, 254)}",
        "origin": rng.choice(("chat", "chat", "email", "urn:crisp:import")),
        "avatar": None if rng.random() < 0.8 else f"https://avatars.example/{facts.index}.png",
        "connection": {"isp": isp, "asn": asn},
        "data": custom_data(rng),
        "segments": rng.sample(vocab.SEGMENTS, rng.randint(0, 3)),
        "device": _device(rng, place),
    }
    if facts.index % 20 == 7:
        # Deliberate flattening collision: flattens to the same column as meta.device.timezone.
        meta["device_timezone"] = "Europe/Paris"
    operator = rng.choice(operators)["details"]
    last = facts.last_message
    item = {
        "session_id": facts.session_id,
        "website_id": facts.website_id,
        "inbox_id": None if rng.random() < 0.85 else "inbox-" + facts.session_id[8:20],
        "people_id": facts.people_id,
        "state": STATES[facts.state],
        "status": facts.state,
        "is_verified": rng.random() < 0.2,
        "is_blocked": rng.random() < 0.03,
        "availability": rng.choice(("online", "offline", "offline")),
        "active": {"now": False},
        "last_message": _excerpt(last) if last else "",
        "verifications": []
        if rng.random() < 0.9
        else [{"identity": "email", "method": "hmac", "annotation": ""}],
        "participants": []
        if rng.random() < 0.8
        else [{"type": "email", "target": f"cc{facts.index}@example.org"}],
        "mentions": [] if rng.random() < 0.9 else [operator["user_id"]],
        "compose": {
            "operator": {
                "type": "stop",
                "excerpt": "",
                "timestamp": facts.updated_at - 60_000,
                "user": {
                    "user_id": operator["user_id"],
                    "nickname": operator["first_name"],
                    "avatar": operator["avatar"],
                },
                "automated": False,
            },
            "visitor": {
                "type": rng.choice(("start", "stop")),
                "excerpt": "",
                "timestamp": facts.updated_at - 30_000,
            },
        },
        "unread": {"operator": facts.unread_operator, "visitor": rng.randint(0, 2)},
        "assigned": None if rng.random() < 0.3 else {"user_id": operator["user_id"]},
        "meta": meta,
        "created_at": facts.created_at,
        "updated_at": facts.updated_at,
    }
    if rng.random() < 0.8:
        item["active"]["last"] = facts.updated_at
    if last and rng.random() < 0.85:
        item["preview_message"] = {
            "type": last["type"],
            "from": last["from"],
            "excerpt": _excerpt(last),
            "fingerprint": last["fingerprint"],
        }
    if rng.random() < 0.7:
        item["topic"] = rng.choice(vocab.TOPICS)
    if facts.waiting_since:
        item["waiting_since"] = facts.waiting_since
    return item


def _excerpt(message: dict) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content[:120]
    return content.get("text") or content.get("name") or content.get("url") or message["type"]


def _message_content(kind: str, rng: random.Random, index: int) -> str | dict:
    if kind in ("text", "note"):
        return rng.choice(vocab.TEXTS)
    files = f"https://storage.example/files/{index}"
    if kind == "file":
        return {"name": f"invoice-{index}.pdf", "url": f"{files}/invoice.pdf", "type": "application/pdf"}
    if kind == "animation":
        return {"url": f"https://media.example/gif/{index}.gif", "type": "image/gif"}
    if kind == "audio":
        return {"url": f"{files}/voice.webm", "type": "audio/webm", "duration": rng.randint(2, 90)}
    if kind == "picker":
        return {
            "id": f"picker-{index}",
            "text": "How can we help?",
            "required": True,
            "choices": [
                {
                    "value": value,
                    "icon": icon,
                    "label": label,
                    "selected": value == "billing",
                    "action": {"type": "link", "target": f"https://example.com/{value}"},
                }
                for value, icon, label in (("billing", "💳", "Billing"), ("tech", "🛠", "Technical"))
            ],
        }
    if kind == "field":
        return {
            "id": f"field-{index}",
            "text": "Your email?",
            "explain": "We reply by email",
            "value": rng.choice(("", "jane@example.com")),
            "required": False,
        }
    if kind == "carousel":
        return {
            "text": "Our plans",
            "targets": [
                {
                    "title": title,
                    "description": f"{title} plan",
                    "image": f"https://media.example/{title}.png",
                    "actions": [{"label": "Choose", "url": f"https://example.com/plans/{title}"}],
                }
                for title in ("Pro", "Unlimited")
            ],
        }
    return {
        "namespace": rng.choice(("state:resolved", "user:blocked", "conversation:routed")),
        "text": "Conversation marked as resolved",
    }


def message(
    session_id: str,
    website_id: str,
    visitor_nickname: str,
    timestamp: int,
    position: int,
    operators: list[dict],
    rng: random.Random,
    kind: str | None = None,
) -> dict:
    """One message; `position` is its rank in the thread (0 = first) and keeps the fingerprint unique."""
    if kind is None:
        kind = "text" if position == 0 or rng.random() < 0.5 else rng.choice(MESSAGE_TYPES)
    sender = "operator" if kind in OPERATOR_ONLY_TYPES or (position and rng.random() < 0.45) else "user"
    if sender == "user":
        user = {"type": "participant", "user_id": session_id, "nickname": visitor_nickname, "avatar": None}
    else:
        details = rng.choice(operators)["details"]
        user = {
            "type": "website",
            "user_id": details["user_id"],
            "nickname": details["first_name"],
            "avatar": details["avatar"],
        }
    item = {
        "session_id": session_id,
        "website_id": website_id,
        "type": kind,
        "from": sender,
        "origin": "chat" if rng.random() < 0.9 else "email",
        "content": _message_content(kind, rng, position),
        "preview": [],
        "mentions": [],
        "read": rng.choice(("chat", "")),
        "delivered": "chat",
        "edited": rng.random() < 0.05,
        "translated": False,
        "automated": kind in ("picker", "carousel"),
        "stamped": True,
        # 15 digits: ms timestamp * 100 plus the position, unique inside the conversation.
        "fingerprint": timestamp * 100 + position % 100,
        "timestamp": timestamp,
        "user": user,
    }
    # Fields of npm crisp-api 11 ConversationMessage on a few messages, chosen without drawing from `rng` so
    # that every other generated value stays what it was.
    if position % 11 == 3:
        item["properties"] = {"source": "widget", "rating": position % 5, "vip": position % 2 == 0}
    if sender == "operator" and position % 13 == 4:
        item["ignored"] = {"email": {"type": "bounced", "reason": "mailbox_full"}}
    if position % 17 == 6:
        item["references"] = [{"type": "url", "name": "Pricing", "target": "https://example.com/pricing"}]
        item["original"] = {"original_id": f"original_{timestamp}"}
    if kind == "text" and rng.random() < 0.1:
        item["preview"] = [
            {
                "url": "https://example.com/docs",
                "website": "example.com",
                "title": "Docs",
                "preview": {"excerpt": "Documentation", "image": None, "embed": None},
                "stamped": True,
            }
        ]
    return item


def operator(seed_rng: random.Random, user_id: str, position: int) -> dict:
    first, last, role, title, availability = vocab.OPERATORS[position % len(vocab.OPERATORS)]
    return {
        "type": "operator",
        "details": {
            "user_id": user_id,
            "email": f"{first.lower()}.{position}@support.example.com",
            "avatar": f"https://avatars.example/op{position}.png",
            "first_name": first,
            "last_name": last,
            "role": role,
            "title": title,
            "availability": availability,
            "has_token": position == 0,
            # Credential-looking fields the source must never emit (reference §4.7).
            "identifier": f"{seed_rng.getrandbits(64):016x}",
            "key": f"{seed_rng.getrandbits(128):032x}",
        },
    }


def visitor(rng: random.Random, session_id: str) -> dict:
    place = _place(rng)
    title, url = rng.choice(vocab.PAGES)
    (os_name, os_version), _, (browser, browser_version, _) = rng.choice(vocab.SYSTEMS)
    return {
        "session_id": session_id,
        "inbox_id": None,
        "nickname": f"visitor{rng.randint(1000, 9999)}",
        "email": "" if rng.random() < 0.7 else f"v{rng.randint(1, 999)}@mail.test",
        "avatar": None,
        "useragent": f"Mozilla/5.0 ({os_name} {os_version}) {browser}/{browser_version}",
        "initiated": rng.random() < 0.5,
        "active": rng.random() < 0.7,
        "last_page": {"page_title": title, "page_url": url},
        "geolocation": _geolocation(place),
        "timezone": place["_timezone"],
        "capabilities": rng.sample(["browsing", "call"], rng.randint(0, 2)),
        "locales": place["_locales"],
    }
