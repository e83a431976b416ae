"""The website's own objects: settings, availability, teams, inboxes, and the help center's settings and
redirections (npm crisp-api 11 types WebsiteSettings, WebsiteAvailabilityStatus, WebsiteAvailabilityOperator,
WebsiteTeam, WebsiteInbox, HelpdeskSettings, HelpdeskRedirection; the helpdesk routes are the same in 10.11).

Small at every size, so they are built once. Each family draws from its own seeded rng (ids.mix with numbers
no other builder uses), so adding them changed no value of the conversations, people or helpdesk.
Empty and missing sub-objects are planted on purpose: a team without operators, a team without emoji, an
inbox without conditions, an operator availability without `time`, help center settings without `service`.
The help center settings hold secrets (`access.password`, `access.jwt_secret`) the source must never emit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .ids import make_uuid, mix

_DAY_MS = 86_400_000
TEAM_NAMES = ("Support", "Billing", "Sales", "Night shift", "VIP")
INBOX_NAMES = ("Urgent", "Billing questions", "Partners", "Spam suspects")


@dataclass(frozen=True)
class WebsiteObjects:
    settings: dict
    availability: dict
    operator_availabilities: list[dict]
    teams: list[dict]
    inboxes: list[dict]
    helpdesk_settings: dict
    helpdesk_redirections: list[dict]


def build_website_objects(seed: int, website: dict, operator_ids: list[str], base_ms: int) -> WebsiteObjects:
    teams = _teams(random.Random(mix(seed, 61)), seed, operator_ids, base_ms)
    return WebsiteObjects(
        settings=_settings(random.Random(mix(seed, 60)), website),
        availability={"status": "online", "since": base_ms - 3_600_000},
        operator_availabilities=_operator_availabilities(random.Random(mix(seed, 62)), operator_ids, base_ms),
        teams=teams,
        inboxes=_inboxes(random.Random(mix(seed, 63)), seed, operator_ids, teams, base_ms),
        helpdesk_settings=_helpdesk_settings(random.Random(mix(seed, 66))),
        helpdesk_redirections=_redirections(random.Random(mix(seed, 67)), seed, base_ms),
    )


def _settings(rng: random.Random, website: dict) -> dict:
    # The client's type spells the id `websiteID` (WebsiteSettings); kept as the type has it.
    return {
        "websiteID": website["website_id"],
        "name": website["name"],
        "domain": website["domain"],
        "domain_alternates": ["www.sandbox.example.com"],
        "logo": website["logo"],
        "audit": {"log": False},
        "contact": {"email": "hello@sandbox.example.com", "phone": "+33 1 23 45 67 89", "whatsapp": ""},
        "inbox": {"lock_removal": False, "force_operator_token": True, "locale": "fr"},
        "emails": {"rating": True, "transcript": True, "trackers": False, "junk_filter": True},
        "chatbox": {
            "tile": "default",
            "conversations": True,
            "wait_game": False,
            "website_logo": True,
            "hide_on_mobile": rng.random() < 0.5,
            "email_visitors": True,
            "file_transfer": True,
            "audio_record": False,
            "guard_level": "medium",
            "mode_initial": "chat",
            "helpdesk_link": True,
            "helpdesk_navigate": "website",
            "color_theme": rng.choice(("default", "amber", "blue")),
            "color_mode": "light",
            "welcome_message": "Bonjour ! Une question ?",
            "locale": "fr",
            "allowed_pages": [],
            "blocked_pages": ["https://sandbox.example.com/admin/*"],
            "blocked_countries": [],
            "blocked_locales": [],
            "blocked_ips": ["198.51.100.7"],
        },
    }


def _operator_availabilities(rng: random.Random, operator_ids: list[str], base_ms: int) -> list[dict]:
    out = []
    for n, user_id in enumerate(operator_ids):
        entry = {"user_id": user_id, "type": rng.choice(("online", "away", "offline"))}
        if n != 1:  # one operator's availability has no time window
            since = base_ms - rng.randint(1, 72) * 3_600_000
            entry["time"] = {"for": rng.randint(1, 480) * 60, "since": since}
        out.append(entry)
    return out


def _times(rng: random.Random, base_ms: int) -> dict:
    created = base_ms - rng.randint(60, 700) * _DAY_MS
    return {"created_at": created, "updated_at": created + rng.randint(0, 59) * _DAY_MS}


def _teams(rng: random.Random, seed: int, operator_ids: list[str], base_ms: int) -> list[dict]:
    teams = []
    for n, name in enumerate(TEAM_NAMES):
        members = [] if n == 3 else rng.sample(operator_ids, rng.randint(1, len(operator_ids)))
        team = {"team_id": make_uuid(seed, "team", n), "name": name, "operators": members}
        if n != 4:  # one team has no emoji
            team["emoji"] = ("🛟", "💳", "📈", "🌙")[n]
        teams.append(team | _times(rng, base_ms))
    return teams


def _inboxes(
    rng: random.Random, seed: int, operator_ids: list[str], teams: list[dict], base_ms: int
) -> list[dict]:
    inboxes = []
    for n, name in enumerate(INBOX_NAMES):
        team = teams[n % len(teams)]
        inbox = {
            "inbox_id": make_uuid(seed, "inbox", n),
            "name": name,
            "emoji": ("🔥", "💶", "🤝", "🗑")[n],
            "order": n + 1,
            "operators": rng.sample(operator_ids, rng.randint(0, 2)),
            "teams": [team["team_id"]],
            "team_operators": list(team["operators"]),
            "operator": operator_ids[n % len(operator_ids)],
        }
        if n != 2:  # one inbox is routed by hand: no conditions
            inbox["conditions"] = [
                {"model": "session", "criterion": "segments", "operator": "eq", "query": [name.lower()]}
            ]
        inboxes.append(inbox | _times(rng, base_ms))
    return inboxes


def _helpdesk_settings(rng: random.Random) -> dict:
    return {
        "name": "Sandbox Café Help",
        "appearance": {
            "color": {"mode": "light", "mode_changeable": True},
            "logos": {"favicon": "https://help.example.com/favicon.ico", "header": "", "footer": ""},
            "banner": "https://help.example.com/banner.png",
        },
        "localization": {"writing_locale": "en", "translated_automatic": False},
        "section": {"articles": "Articles", "guides": "Guides", "references": "", "news": "News"},
        "behavior": {
            "frequently_read": True,
            "show_category_images": rng.random() < 0.5,
            "show_chatbox": True,
            "ask_feedback": True,
            "serve_markdown": False,
            "locale_picker": True,
            "forbid_indexing": False,
        },
        "include": {"html": ""},
        "access": {
            "restrict_mode": "password",
            "password": f"sandbox-helpdesk-password-{rng.getrandbits(32):08x}",
            "jwt_secret": f"sandbox-helpdesk-jwt-{rng.getrandbits(64):016x}",
        },
    }


def _redirections(rng: random.Random, seed: int, base_ms: int) -> list[dict]:
    moves = (("/en/article/old-billing", "/en/article/billing"), ("/fr/", "/fr/category/general"))
    return [
        {"redirection_id": make_uuid(seed, "redirection", n), "path": path, "target": target}
        | _times(rng, base_ms)
        for n, (path, target) in enumerate(moves)
    ]
