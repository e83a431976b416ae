"""The generated workspace: deterministic per seed, lazy at every size, and the ground truth tests read.

Ground-truth accessors return lists for tiny/small/medium; for `large` the bulk ones (`conversations`,
`people_profiles`) return generators and `messages` builds one conversation at a time, so a test or benchmark
can walk them without holding the dataset in memory.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import conversation_children as children
from . import shapes
from .campaigns import build_audience, build_campaigns, counters, subscribed
from .conversations import ConversationQuery, ConversationStore
from .helpdesk import build_helpdesk
from .ids import make_uuid, mix
from .knowledge_base import build_knowledge_base
from .people import PeopleStore
from .suggestions import build_suggestions
from .website_objects import build_website_objects

if TYPE_CHECKING:
    from collections.abc import Iterable

BASE_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z: data is relative to this date, never to the wall clock
SPAN_MS = 365 * 86_400_000


@dataclass(frozen=True)
class SizeSpec:
    conversations: int
    people: int
    visitors: int
    operators: int
    max_messages: int  # per ordinary conversation (a few long ones go beyond)
    forced_counts: tuple[tuple[int, int], ...] = ()  # (conversation index, message count)
    empty_one_in: int = 30  # about one conversation in N has no message
    lazy: bool = False


SIZES = {
    # tiny guarantees the shapes tests rely on: long threads (95, 47 messages) and a few empty conversations.
    "tiny": SizeSpec(80, 40, 24, 4, 12, ((3, 95), (10, 47), (5, 0), (40, 0), (71, 0), (20, 9)), 1_000),
    "small": SizeSpec(1_000, 400, 30, 5, 16),
    "medium": SizeSpec(10_000, 4_000, 40, 5, 18),
    "large": SizeSpec(100_000, 40_000, 45, 5, 21, lazy=True),
}


class Workspace:
    def __init__(self, size: str = "tiny", seed: int = 7, uncategorized_articles: bool = False) -> None:
        if size not in SIZES:
            raise ValueError(f"size must be one of {', '.join(SIZES)}, got {size!r}")
        self.size, self.seed, self.spec = size, seed, SIZES[size]
        spec = self.spec
        self.website_id = make_uuid(seed, "website", 0)
        self.store = ConversationStore(
            seed,
            spec.conversations,
            BASE_MS,
            SPAN_MS,
            spec.max_messages,
            dict(spec.forced_counts),
            spec.empty_one_in,
        )
        self.people = PeopleStore(seed, spec.people, BASE_MS - 30 * 86_400_000, SPAN_MS)
        self.helpdesk = build_helpdesk(seed, BASE_MS, uncategorized_articles)
        self.knowledge_base = build_knowledge_base(self.helpdesk, make_uuid(seed, "operator", 0))
        operator_rng = random.Random(mix(seed, 41))
        self._operators = [
            shapes.operator(operator_rng, make_uuid(seed, "operator", n), n) for n in range(spec.operators)
        ]
        self._visitors = [
            shapes.visitor(random.Random(mix(seed, 42, n)), "session_" + make_uuid(seed, "visitor", n))
            for n in range(spec.visitors)
        ]
        self.website_objects = build_website_objects(
            seed, self.website(), [op["details"]["user_id"] for op in self._operators], BASE_MS
        )
        self.campaigns = build_campaigns(seed, BASE_MS)
        self.audience = build_audience(seed, self.campaigns.campaigns, self.people)
        self.suggestions = build_suggestions(seed, spec.conversations, spec.people, BASE_MS)

    # --- objects served by the routes ---
    def website(self) -> dict:
        return {
            "website_id": self.website_id,
            "name": "Sandbox Café ☕",
            "domain": "sandbox.example.com",
            "logo": "https://sandbox.example.com/logo.png",
            "verified": True,
            "institutional": False,
        }

    def conversation_object(self, i: int) -> dict:
        store, people = self.store, self.people
        k = i % people.count
        count = store.message_count(i)
        facts = shapes.ConversationFacts(
            index=i,
            session_id=store.session_id(i),
            website_id=self.website_id,
            people_id=people.people_id(k),
            email=people.email(k),
            nickname=people.nickname(k),
            created_at=store.shown_created.get(i, store.created[i]),
            updated_at=store.updated[i],
            waiting_since=store.waiting[i],
            state=store.state[i],
            unread_operator=store.unread[i],
            message_count=count,
            last_message=self.message_objects(i, count - 1, count)[0] if count else None,
        )
        return shapes.conversation(facts, self._operators, random.Random(mix(self.seed, 22, i)))

    def message_objects(self, i: int, start: int, stop: int, stamps: list[int] | None = None) -> list[dict]:
        """Messages start..stop-1 (by rank) of conversation i, ascending."""
        stamps = stamps if stamps is not None else self.store.message_timestamps(i)
        session, base = self.store.session_id(i), self.store.base_count[i]
        nickname = self.people.nickname(i % self.people.count)
        forced_types = i % 10 == 0 or i == 3  # these threads show every message type in order
        out = []
        for j in range(start, stop):
            kind = None
            if j >= base:
                kind = "text"  # messages added by touch: the visitor writes again
            elif forced_types and 1 <= j <= len(shapes.MESSAGE_TYPES):
                kind = shapes.MESSAGE_TYPES[j - 1]
            out.append(
                shapes.message(
                    session,
                    self.website_id,
                    nickname,
                    stamps[j],
                    j,
                    self._operators,
                    random.Random(mix(self.seed, 23, i, j)),
                    kind,
                )
            )
        return out

    def list_conversations(self, query: ConversationQuery) -> list[int]:
        return self.store.query(query)

    def child_objects(self, i: int, kind: str) -> list[dict]:
        """Conversation i's events, pages or files (conversation_children.KINDS), oldest first."""
        store = self.store
        if kind == "file":
            generated = children.files_of(self.message_objects(i, 0, store.base_count[i]))
        else:
            generated = children.generated(self.seed, i, kind, store.created[i], store.base_last[i])
        extra = store.extra_children.get(i, ())
        return generated + [children.added(self.seed, i, kind, stamp) for k, stamp in extra if k == kind]

    def participants_answer(self, i: int) -> dict:
        return {"participants": self.conversation_object(i)["participants"]}

    def routing_answer(self, i: int) -> dict:
        if i in self.store.reassigned:  # reassigned by a test (ConversationStore.reassign)
            user_id = self.store.reassigned[i]
            return {"assigned": None if user_id is None else {"user_id": user_id}}
        return children.routing(self.conversation_object(i), i)

    # --- ground truth (current state, after mutations) ---
    def _maybe_list(self, items: Iterable[dict]) -> list[dict] | Iterable[dict]:
        return items if self.spec.lazy else list(items)

    def conversations(self) -> list[dict] | Iterable[dict]:
        """Every conversation, including empty ones, in default order (updated_at desc)."""
        indexes = self.store.query(ConversationQuery(include_empty=True))
        return self._maybe_list(self.conversation_object(i) for i in indexes)

    def conversation(self, session_id: str) -> dict:
        return self.conversation_object(self._index(session_id))

    def messages(self, session_id: str) -> list[dict]:
        i = self._index(session_id)
        return self.message_objects(i, 0, self.store.message_count(i))

    def conversation_events(self, session_id: str) -> list[dict]:
        return self.child_objects(self._index(session_id), "event")

    def conversation_pages(self, session_id: str) -> list[dict]:
        return self.child_objects(self._index(session_id), "page")

    def conversation_files(self, session_id: str) -> list[dict]:
        return self.child_objects(self._index(session_id), "file")

    def conversation_participants(self, session_id: str) -> list[dict]:
        return self.participants_answer(self._index(session_id))["participants"]

    def conversation_routing(self, session_id: str) -> dict:
        """The routing answer itself: {} for some unassigned conversations (no row), else {assigned}."""
        return self.routing_answer(self._index(session_id))

    def _index(self, session_id: str) -> int:
        i = self.store.index_of(session_id)
        if i is None:
            raise KeyError(f"no conversation {session_id} (unknown or deleted)")
        return i

    def people_profiles(self) -> list[dict] | Iterable[dict]:
        """Every profile in the route's default order (created_at desc)."""
        return self._maybe_list(self.people.profile(k) for k in range(self.people.count))

    def people_data(self, people_id: str) -> dict:
        k = self.people.index_of(people_id)
        if k is None:
            raise KeyError(f"no people profile {people_id}")
        return self.people.data(k)

    # --- per-parent objects of campaigns and people (served by reference: a test may edit them) ---
    def campaign_recipients(self, campaign_id: str) -> list[dict]:
        return self.audience.recipients[campaign_id]

    def campaign_statistics(self, campaign_id: str, action: str) -> list[dict]:
        return self.audience.statistics[(campaign_id, action)]

    def campaign(self, campaign_id: str, actions: tuple[str, ...]) -> dict:
        """GET campaign/{id} (WebsiteCampaignItem): its list fields and a counter per action in `actions`."""
        listed = next(c for c in self.campaigns.campaigns if c["campaign_id"] == campaign_id)
        return {**listed, "statistics": counters(self.audience, campaign_id, actions)}

    def people_events(self, people_id: str) -> list[dict]:
        return self.people.events(self._people_index(people_id))

    def people_conversations(self, people_id: str) -> list[str]:
        """Session ids of the profile's conversations (conversation i belongs to profile i % people)."""
        k, store = self._people_index(people_id), self.store
        return [
            store.session_id(i) for i in range(k, store.count, self.people.count) if i not in store.deleted
        ]

    def people_campaigns(self, people_id: str) -> list[dict]:
        self._people_index(people_id)
        return self.audience.received.get(people_id, [])

    def people_subscription(self, people_id: str) -> dict:
        self._people_index(people_id)
        return {"email": subscribed(self.people, people_id, self.audience.unsubscribed)}

    def _people_index(self, people_id: str) -> int:
        k = self.people.index_of(people_id)
        if k is None:
            raise KeyError(f"no people profile {people_id}")
        return k

    def visitors(self) -> list[dict]:
        return list(self._visitors)

    def operators(self) -> list[dict]:
        return list(self._operators)

    def helpdesk_locales(self) -> list[dict]:
        return list(self.helpdesk.locales)

    def helpdesk_categories(self, locale: str) -> list[dict]:
        return list(self.helpdesk.categories.get(locale, ()))

    def helpdesk_sections(self, locale: str, category_id: str) -> list[dict]:
        return list(self.helpdesk.sections.get((locale, category_id), ()))

    def helpdesk_articles(self, locale: str) -> list[dict]:
        return list(self.helpdesk.articles.get(locale, ()))

    def total_messages(self) -> int:
        return sum(
            self.store.message_count(i) for i in range(self.store.count) if i not in self.store.deleted
        )
