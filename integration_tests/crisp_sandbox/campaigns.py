"""Campaigns, campaign templates and their tags (npm crisp-api 11 types WebsiteCampaignExcerpt,
WebsiteCampaignTemplateExcerpt; `campaigns/tags` answers a bare list of strings).

Small at every size, built once from their own seeded rng (no other builder's values change). Planted on
purpose: a campaign without tag, drafts never dispatched (no `dispatched_at`), a template without format.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

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
