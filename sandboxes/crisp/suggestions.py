"""What Crisp suggests from what the workspace holds (segments, custom data keys, event names, with their
counts) and the conversations its spam filter held back (npm crisp-api 11 types
ConversationSuggestedSegment, ConversationSuggestedData, PeopleSuggestedSegment, PeopleSuggestedDataKey,
PeopleSuggestedEvent, ConversationSpam).

Small at every size, built once from their own seeded rng (no other builder's values change). Counts are
drawn, not tallied: tallying would build every conversation, and the large size must stay lazy. The event
names are more than one server page, so that list pages. Planted on purpose: a spam without headers and one
with empty metadata.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import vocabulary as vocab
from .ids import make_uuid, mix

DATA_KEYS = ("plan", "seats", "mrr", "trial", "signup_at", "référence_client")  # shapes.custom_data's keys
EVENT_NAMES = tuple(
    f"{action}:{thing}"
    for action in ("viewed", "clicked", "started", "completed", "cancelled")
    for thing in ("pricing", "checkout", "trial", "onboarding", "invoice")
)  # 25 names: two server pages of 20


@dataclass(frozen=True)
class Suggestions:
    conversation_segments: list[dict]
    conversation_data_keys: list[dict]
    people_segments: list[dict]
    people_data_keys: list[dict]
    people_events: list[dict]
    spams: list[dict]


def build_suggestions(seed: int, conversations: int, people: int, base_ms: int) -> Suggestions:
    rng = random.Random(mix(seed, 65))

    def counted(field: str, values: tuple[str, ...], total: int) -> list[dict]:
        return [{field: value, "count": rng.randint(1, max(total, 1))} for value in values]

    return Suggestions(
        conversation_segments=counted("segment", vocab.SEGMENTS, conversations),
        conversation_data_keys=counted("key", DATA_KEYS, conversations),
        people_segments=counted("segment", vocab.SEGMENTS, people),
        people_data_keys=counted("key", DATA_KEYS, people),
        people_events=counted("text", EVENT_NAMES, people),
        spams=_spams(rng, seed, base_ms),
    )


def _spams(rng: random.Random, seed: int, base_ms: int) -> list[dict]:
    spams = []
    for n, (kind, reason) in enumerate(
        (("email", "spam_filter"), ("message", "blocked_ip"), ("email", "dmarc"))
    ):
        spam = {
            "spam_id": make_uuid(seed, "spam", n),
            "type": kind,
            "reason": reason,
            "metadata": {}
            if n == 1
            else {"ip": f"198.51.100.{rng.randint(1, 254)}", "score": rng.randint(5, 15)},
            "timestamp": base_ms - rng.randint(1, 60) * 86_400_000,
        }
        if kind == "email":  # a chat message has no mail headers
            spam["headers"] = {"From": f"promo{n}@spam.test", "Subject": "You won!", "X-Spam-Flag": "YES"}
        spams.append(spam)
    return spams
