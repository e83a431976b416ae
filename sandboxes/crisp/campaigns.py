"""Campaigns, campaign templates and their tags (npm crisp-api 11 types WebsiteCampaignExcerpt,
WebsiteCampaignTemplateExcerpt; `campaigns/tags` answers a bare list of strings).

Small at every size, built once from their own seeded rng (no other builder's values change). Planted on
purpose: a campaign without tag, drafts never dispatched (no `dispatched_at`), a template without format.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol

from .ids import make_uuid, mix

_DAY_MS = 86_400_000
CAMPAIGN_NAMES = (
    "Welcome series", "Spring sale", "Onboarding tips", "Churn win-back", "Product update", "Beta invite",
    "Black Friday", "Survey",
)  # fmt: skip
TAGS = ("newsletter", "promo", "onboarding", "retention")
TEMPLATE_NAMES = ("Plain", "Announcement", "Digest")


@dataclass(frozen=True)
class Campaigns:
    campaigns: list[dict]
    templates: list[dict]

    @property
    def tags(self) -> list[str]:
        """Every tag a campaign carries, once, in first-use order."""
        return list(dict.fromkeys(c["tag"] for c in self.campaigns if c.get("tag")))


def build_campaigns(seed: int, base_ms: int) -> Campaigns:
    rng = random.Random(mix(seed, 64))
    campaigns = []
    for n, name in enumerate(CAMPAIGN_NAMES):
        created = base_ms - rng.randint(20, 500) * _DAY_MS
        dispatched = n % 3 != 2  # every third campaign is a draft
        targets = rng.randint(50, 5_000) if dispatched else 0
        campaign = {
            "campaign_id": make_uuid(seed, "campaign", n),
            "type": "automated" if n % 4 == 0 else "one-shot",
            "format": rng.choice(("markdown", "html")),
            "name": name,
            "subject": f"{name} — Sandbox Café",
            "ready": dispatched or rng.random() < 0.5,
            "dispatched": dispatched,
            "running": dispatched and n % 4 == 0,
            "progress": 100 if dispatched else 0,
            "targets": targets,
            "reached": rng.randint(0, targets),
            "created_at": created,
            "updated_at": created + rng.randint(0, 19) * _DAY_MS,
        }
        if n != 5:  # one campaign has no tag
            campaign["tag"] = TAGS[n % len(TAGS)]
        if dispatched:
            campaign["dispatched_at"] = created + rng.randint(0, campaign["updated_at"] - created)
        campaigns.append(campaign)
    templates = []
    for n, name in enumerate(TEMPLATE_NAMES):
        created = base_ms - rng.randint(100, 600) * _DAY_MS
        template = {
            "template_id": make_uuid(seed, "template", n),
            "type": "custom",
            "name": name,
            "created_at": created,
            "updated_at": created + rng.randint(0, 90) * _DAY_MS,
        }
        if n != 2:  # one template predates formats
            template["format"] = ("markdown", "html")[n]
        templates.append(template)
    return Campaigns(campaigns, templates)


# --- who each campaign reached (npm crisp-api 11: WebsiteCampaignRecipient, WebsiteCampaignStatistic) ---
STATISTIC_SHARE = {"opened": 0.6, "clicked": 0.3, "unsubscribed": 0.1}  # of the recipients, per action
LINKS = (
    "https://sandbox.example.com/pricing",
    "https://sandbox.example.com/blog/spring",
    "https://docs.example",
)


@dataclass(frozen=True)
class Audience:
    """Recipients and statistics per campaign_id, and each profile's own view (people_campaigns).

    Planted on purpose: drafts have no recipient and no statistic (parents without children), the first
    dispatched campaign has more recipients than one page, a campaign without any unsubscription, a
    recipient without `person`, statistics with an empty `data`, without `data`, without a geolocation.
    """

    recipients: dict[str, list[dict]]
    statistics: dict[tuple[str, str], list[dict]]  # (campaign_id, action) -> rows
    received: dict[str, list[dict]]  # people_id -> people_campaigns rows
    unsubscribed: frozenset[str]  # people_ids that unsubscribed through a campaign


class PersonCard(Protocol):
    """What the audience needs to know of a profile (people.PeopleStore has it)."""

    count: int

    def people_id(self, k: int) -> str: ...
    def index_of(self, people_id: str) -> int | None: ...
    def email(self, k: int) -> str: ...
    def nickname(self, k: int) -> str: ...


def build_audience(seed: int, campaigns: list[dict], people: PersonCard) -> Audience:
    rng = random.Random(mix(seed, 90))  # a number no other builder uses
    recipients: dict[str, list[dict]] = {}
    statistics: dict[tuple[str, str], list[dict]] = {}
    received: dict[str, list[dict]] = {}
    unsubscribed: set[str] = set()
    dispatched = 0
    for campaign in campaigns:
        cid = campaign["campaign_id"]
        recipients[cid] = []
        for action in STATISTIC_SHARE:
            statistics[(cid, action)] = []
        if not campaign["dispatched"] or not people.count:
            continue
        size = min(people.count, 23 if dispatched == 0 else rng.randint(2, 12))
        chosen = rng.sample(range(people.count), size)
        for k in chosen:
            people_id = people.people_id(k)
            recipient = {"people_id": people_id, "email": people.email(k), "subscribed": True}  # set below
            if k % 11 != 4:  # a recipient Crisp knows no person for
                recipient["person"] = {"nickname": people.nickname(k), "avatar": None}
            recipients[cid].append(recipient)
            taken = []
            for action, share in STATISTIC_SHARE.items():
                if (action == "unsubscribed" and dispatched == 1) or rng.random() >= share:
                    continue  # the second dispatched campaign made nobody unsubscribe
                taken.append(action)
                statistics[(cid, action)].append(_statistic(rng, action, campaign, people, k))
            if "unsubscribed" in taken:
                unsubscribed.add(people_id)
            received.setdefault(people_id, []).append(_received(rng, campaign, taken))
        dispatched += 1
    for listed in recipients.values():  # the profile's status now, whichever campaign changed it
        for recipient in listed:
            recipient["subscribed"] = subscribed(people, recipient["people_id"], unsubscribed)
    return Audience(recipients, statistics, received, frozenset(unsubscribed))


def plant_action(audience: Audience, action: str) -> None:
    """One more action Crisp has (switch `extra_statistic_action`): everyone who opened a campaign also took
    `action` an hour later, in the statistics route and in their people_campaigns `statistics`. Copied from
    the rows already built, so no other value of the workspace changes."""
    for (campaign_id, taken), rows in list(audience.statistics.items()):
        if taken == "opened":
            audience.statistics[(campaign_id, action)] = [
                {**row, "type": action, "created_at": row["created_at"] + 3_600_000,
                 "updated_at": row["updated_at"] + 3_600_000}
                for row in rows
            ]  # fmt: skip
    for received in audience.received.values():
        for campaign in received:
            if "opened" in campaign["statistics"]:
                campaign["statistics"].append(action)


def counters(audience: Audience, campaign_id: str, actions: tuple[str, ...]) -> dict[str, int]:
    """A campaign's own `statistics` (WebsiteCampaignItemStatistics): a count per action Crisp knows."""
    return {action: len(audience.statistics.get((campaign_id, action), ())) for action in actions}


def subscribed(people: PersonCard, people_id: str, unsubscribed: set[str] | frozenset[str]) -> bool:
    """Subscribed to emails unless unsubscribed through a campaign or (every seventh profile) by hand."""
    k = people.index_of(people_id)
    return people_id not in unsubscribed and k is not None and k % 7 != 6


def _statistic(rng: random.Random, action: str, campaign: dict, people: PersonCard, k: int) -> dict:
    created = campaign["dispatched_at"] + rng.randint(1, 5 * 86_400) * 1_000
    person: dict = {"nickname": people.nickname(k), "avatar": None}
    if k % 5:  # some profiles have no known place
        person["geolocation"] = {
            "country": "FR", "region": "IDF", "city": "Paris",
            "coordinates": {"latitude": 48.85, "longitude": 2.35},
        }  # fmt: skip
    row = {
        "type": action,
        "profile": {"people_id": people.people_id(k), "email": people.email(k), "person": person},
        "created_at": created,
        "updated_at": created + rng.randint(0, 3) * 3_600_000,
    }
    if action == "clicked":
        row["data"] = {"url": rng.choice(LINKS), "clicks": rng.randint(1, 4)}  # keys are Crisp's data
    elif k % 3:
        row["data"] = {}
    return row


def _received(rng: random.Random, campaign: dict, taken: list[str]) -> dict:
    """A campaign as one of its recipients sees it (PeopleCampaign)."""
    return {
        "campaign_id": campaign["campaign_id"],
        "type": campaign["type"],
        "name": campaign["name"],
        "created_at": campaign["created_at"],
        "updated_at": campaign["updated_at"],
        "dispatched_at": campaign["dispatched_at"],
        "occurred_at": campaign["dispatched_at"] + rng.randint(0, 3_600) * 1_000,
        "statistics": list(taken),
    }
