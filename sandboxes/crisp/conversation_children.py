"""What each conversation holds besides its messages: events, browsed pages, files, participants and routing
(npm crisp-api 11 types ConversationEvent, ConversationPage, ConversationFile, ConversationParticipants; the
routing answer as go-crisp-api's ConversationRoutingAssign types it, `{assigned: {user_id}}`).

Rebuilt on every request from the conversation's seeded rng, like messages (ids.mix numbers no other builder
uses, so no other value changed); only children added later (ConversationStore.add_children) are held.
Generated children are dated between the conversation's creation and its last message, so never after its
updated_at. Planted on purpose: conversations with none of a kind (files exist only where a message carries
one), an event without `data` and one with `data` {}, pages without referrer or with an empty one, an audio
file without `name`, participants `[]`, and an unassigned conversation's routing answered either
`{"assigned": null}` or `{}` (the source emits no row for an empty answer).
"""

from __future__ import annotations

import random

from . import vocabulary as vocab
from .ids import mix

EVENT_NAMES = ("Signed up", "Upgraded plan", "Payment failed", "Viewed pricing", "Cart abandoned")
EVENT_COLORS = ("red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "grey", "black")
REFERRERS = ("https://www.google.com/", "https://news.example.net/launch", "")
FILE_MESSAGE_TYPES = ("file", "audio", "animation")  # message contents that carry a file url
KINDS = ("event", "page", "file")  # the dated children ConversationStore.add_children can add


def _stamps(count: int, created: int, last: int) -> list[int]:
    """Up to `count` distinct ascending times in [created, last] (fewer when the span is shorter: a
    conversation without messages was created and last updated at the same millisecond)."""
    count = min(count, last - created + 1)
    step = max((last - created) // max(count, 1), 1)
    return [last - j * step for j in reversed(range(count))]


def event(rng: random.Random, timestamp: int, position: int) -> dict:
    item = {"text": EVENT_NAMES[(position + rng.randrange(5)) % 5], "color": rng.choice(EVENT_COLORS)}
    shape = rng.randrange(4)
    if shape == 0:
        item["data"] = {}
    elif shape in (1, 2):
        item["data"] = {"plan": rng.choice(("free", "pro")), "amount": round(rng.uniform(5, 99), 2)}
    item["timestamp"] = timestamp  # shape 3: no `data` at all
    return item


def page(rng: random.Random, timestamp: int) -> dict:
    title, url = rng.choice(vocab.PAGES)
    item = {"page_title": title, "page_url": url, "timestamp": timestamp}
    referrer = rng.randrange(4)
    if referrer < 3:
        item["page_referrer"] = REFERRERS[referrer]
    return item


def added_file(timestamp: int) -> dict:
    """A file added after generation (an upload without a message of ours): a fingerprint of its own."""
    return {
        "name": f"upload-{timestamp}.png",
        "type": "image/png",
        "url": f"https://storage.example/uploads/{timestamp}.png",
        "fingerprint": timestamp * 100 + 99,
        "timestamp": timestamp,
    }


def files_of(messages: list[dict]) -> list[dict]:
    """The files the conversation's messages carry, as the files route lists them."""
    files = []
    for message in messages:
        if message["type"] not in FILE_MESSAGE_TYPES:
            continue
        content = message["content"]
        item = {"type": content["type"], "url": content["url"]}
        if "name" in content:
            item = {"name": content["name"], **item}
        files.append({**item, "fingerprint": message["fingerprint"], "timestamp": message["timestamp"]})
    return files


def generated(seed: int, i: int, kind: str, created: int, last: int) -> list[dict]:
    """The events or pages conversation i was generated with (files come from its messages)."""
    rng = random.Random(mix(seed, 24 if kind == "event" else 25, i))
    count = rng.randrange(4) if kind == "event" else rng.randrange(5)
    stamps = _stamps(count, created, last)
    if kind == "event":
        return [event(rng, stamp, j) for j, stamp in enumerate(stamps)]
    return [page(rng, stamp) for stamp in stamps]


def added(seed: int, i: int, kind: str, timestamp: int) -> dict:
    """A child added to conversation i at `timestamp` by ConversationStore.add_children."""
    rng = random.Random(mix(seed, 26, i, timestamp))
    if kind == "event":
        return event(rng, timestamp, 0)
    if kind == "page":
        return page(rng, timestamp)
    return added_file(timestamp)


def routing(conversation: dict, i: int) -> dict:
    assigned = conversation.get("assigned")
    if assigned is None and i % 3 == 0:
        return {}
    return {"assigned": assigned}
