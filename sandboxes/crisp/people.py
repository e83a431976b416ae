"""People profiles and their custom data: lazy builders plus the sort/search/date index of the list route."""

from __future__ import annotations

import random
import threading
import unicodedata
from collections import OrderedDict
from typing import TYPE_CHECKING

from . import assumptions
from . import vocabulary as vocab
from .ids import make_uuid, mix, parse_uuid
from .shapes import custom_data
from .suggestions import EVENT_NAMES

if TYPE_CHECKING:
    from collections.abc import Callable

_DAY_MS = 86_400_000
EVENT_COLORS = ("red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "grey", "black")


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in folded if ch.isalnum()) or "user"


class PeopleStore:
    def __init__(self, seed: int, count: int, base_ms: int, span_ms: int) -> None:
        self.seed, self.count = seed, count
        self._base_ms, self._gap = base_ms, max(span_ms // max(count, 1), 1)
        self._lock = threading.Lock()
        self._orders: OrderedDict[tuple, list[int]] = OrderedDict()
        # Changes made by tests (touch, edit_data): updated_at and custom data overrides per profile.
        self._updated: dict[int, int] = {}
        self._data: dict[int, dict] = {}
        self._clock = max((self.updated_at(k) for k in range(count)), default=base_ms) + 60_000
        self._touch_rounds = 0

    # Cheap per-field functions: sorting 40k profiles must not build 40k full objects.
    def people_id(self, k: int) -> str:
        return make_uuid(self.seed, "people", k)

    def index_of(self, people_id: str) -> int | None:
        return parse_uuid(self.seed, "people", people_id, self.count)

    def nickname(self, k: int) -> str:
        h = mix(self.seed, 31, k)
        first, last = vocab.FIRST_NAMES, vocab.LAST_NAMES
        return f"{first[h % len(first)]} {last[(h >> 8) % len(last)]}"

    def email(self, k: int) -> str:
        first, last = self.nickname(k).split(" ", 1)
        domain = vocab.EMAIL_DOMAINS[mix(self.seed, 32, k) % len(vocab.EMAIL_DOMAINS)]
        return f"{_ascii_slug(first)}.{_ascii_slug(last)}.{k}@{domain}"

    def created_at(self, k: int) -> int:
        return self._base_ms - (k + 1) * self._gap + mix(self.seed, 33, k) % max(self._gap // 3, 1)

    def updated_at(self, k: int) -> int:
        touched = self._updated.get(k)
        return touched if touched is not None else self.created_at(k) + mix(self.seed, 34, k) % (90 * _DAY_MS)

    def touch(self, k: int, data: bool) -> list[int]:
        """Update k profiles spread through the list (a different spread each round); each gets a later
        updated_at than every profile before it, and new custom data when `data`."""
        with self._lock:
            n = self.count
            k = min(max(k, 0), n)
            offset = self._touch_rounds % max(n // (k + 1), 1)
            self._touch_rounds += 1
            picked = list(dict.fromkeys(min(j * n // (k + 1) + offset, n - 1) for j in range(k)))
            for i in picked:
                self._clock += 1_000
                self._updated[i] = self._clock
                if data:
                    self._data[i] = {**self.data(i), "touched": self._touch_rounds}
            self._orders.clear()
            return picked

    def edit_data(self, k: int, changes: dict) -> None:
        with self._lock:
            self._data[k] = {**self.data(k), **changes}

    def score(self, k: int) -> int:
        return mix(self.seed, 35, k) % 10

    def profile(self, k: int) -> dict:
        rng = random.Random(mix(self.seed, 36, k))
        country, region, city, lat, lon, tz, locales = rng.choice(vocab.PLACES)
        company, domain = rng.choice(vocab.COMPANIES)
        nickname = self.nickname(k)
        geolocation = {
            "country": country,
            "region": region,
            "city": city,
            "coordinates": {"latitude": lat, "longitude": lon},
        }
        return {
            "people_id": self.people_id(k),
            "email": self.email(k),
            "person": {
                "nickname": nickname,
                "avatar": None if rng.random() < 0.7 else f"https://avatars.example/p{k}.png",
                "gender": rng.choice(("female", "male", "")),
                "phone": rng.choice(("", "+33600000000")),
                "address": "",
                "description": rng.choice(("", "Power user ⭐")),
                "website": rng.choice(("", f"https://{_ascii_slug(nickname)}.example")),
                "timezone": tz,
                "profiles": []
                if rng.random() < 0.6
                else [
                    {
                        "type": "linkedin",
                        "handle": _ascii_slug(nickname),
                        "url": f"https://linkedin.com/in/{_ascii_slug(nickname)}",
                    }
                ],
                "employment": {
                    "name": company,
                    "domain": domain,
                    "title": rng.choice(("CTO", "Engineer", "CEO")),
                    "role": "engineering",
                    "seniority": rng.choice(("executive", "senior", "junior")),
                },
                "geolocation": geolocation,
                "locales": list(locales),
            },
            "company": {
                "name": company,
                "legal_name": f"{company} SAS",
                "domain": domain,
                "url": f"https://{domain}",
                "description": "",
                "timezone": tz,
                "phones": [],
                "emails": [f"contact@{domain}"],
                "geolocation": {"country": country, "city": city},
                "metrics": {
                    "employees": rng.randint(1, 5000),
                    "market_cap": 0,
                    "raised": rng.randint(0, 10**8),
                    "arr": rng.randint(0, 10**7),
                },
                "tags": rng.sample(["b2b", "saas", "retail", "enterprise"], rng.randint(0, 2)),
            },
            "segments": rng.sample(vocab.SEGMENTS, rng.randint(0, 3)),
            "notepad": rng.choice(("", "VIP")),
            "score": self.score(k),
            "active": {"now": False, "last": self.updated_at(k)},
            "created_at": self.created_at(k),
            "updated_at": self.updated_at(k),
        }

    def data(self, k: int) -> dict:
        """The inner data dict; the route wraps it twice (reference §4.5)."""
        if k in self._data:
            return dict(self._data[k])
        return custom_data(random.Random(mix(self.seed, 37, k))) if k % 9 else {}

    def events(self, k: int) -> list[dict]:
        """The profile's events, newest first (PeopleEvent). Planted: every fifth profile has none, the
        second has more than a page, some events have an empty `data` or none, one has no color."""
        if k % 5 == 0:
            return []
        rng = random.Random(mix(self.seed, 91, k))
        count = 23 if k == 1 else rng.randint(1, 6)
        events, at = [], self.updated_at(k)
        for n in range(count):
            event = {"text": rng.choice(EVENT_NAMES), "timestamp": at - n * 3_600_000 - rng.randint(0, 999)}
            if n % 4 == 1:
                event["data"] = {}
            elif n % 4 != 3:
                event["data"] = {
                    "plan": rng.choice(("free", "pro")),
                    "amount": rng.randint(1, 500),
                    "beta": n % 2 == 0,
                }
            if k % 7 != 3 or n:
                event["color"] = rng.choice(EVENT_COLORS)
            events.append(event)
        return events

    def _sort_key(self, field: str) -> Callable[[int], object]:
        keys = {
            "nickname": lambda k: self.nickname(k).casefold(),
            "email": self.email,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "score": self.score,
        }
        return keys[field]

    def query(
        self, sort_field: str, descending: bool, search_text: str, start_ms: int | None, end_ms: int | None
    ) -> list[int]:
        """Profile indexes in list order; cached because a client pages through the same query."""
        cache_key = (sort_field, descending, search_text, start_ms, end_ms)
        with self._lock:
            if cache_key in self._orders:
                self._orders.move_to_end(cache_key)
                return self._orders[cache_key]
        needle = search_text.casefold()
        lo = start_ms if start_ms is not None else -(1 << 62)
        hi = end_ms if end_ms is not None else 1 << 62
        selected = [
            k
            for k in range(self.count)
            if lo <= self.created_at(k) <= hi
            and (not needle or needle in self.nickname(k).casefold() or needle in self.email(k).casefold())
        ]
        # Ties (nickname, score) fall back to index order, so paging is stable.
        selected.sort(key=self._sort_key(sort_field), reverse=descending)
        with self._lock:
            self._orders[cache_key] = selected
            while len(self._orders) > 8:
                self._orders.popitem(last=False)
        return selected


DEFAULT_SORT = assumptions.PEOPLE_DEFAULT_ORDER
