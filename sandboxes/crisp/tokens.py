"""The fixed API tokens the sandbox accepts (one place, so tests and docs can name them).

Keys are fake, generated for this emulator; they only ever travel over loopback.
"""

from __future__ import annotations

from dataclasses import dataclass

# Every scope a route of this sandbox checks (see routes.py `scope=`).
ALL_SCOPES = frozenset(
    {
        "website:conversation:sessions",
        "website:conversation:messages",
        "website:conversation:events",
        "website:conversation:pages",
        "website:conversation:participants",
        "website:conversation:routing",
        "website:people:profiles",
        "website:people:data",
        "website:people:subscriptions",
        "website:visitors",
        "website:operators",
        "website:settings",
        "website:availability",
        "website:inboxes",
        "website:helpdesk",
        "website:campaigns",
    }
)
PEOPLE_SCOPES = frozenset({"website:people:profiles", "website:people:data", "website:people:subscriptions"})


@dataclass(frozen=True)
class Token:
    name: str
    identifier: str
    key: str
    tier: str
    installed: bool = True  # plugin installed on the sandbox website (else 404 not_subscribed)
    scopes: frozenset[str] = ALL_SCOPES

    def credentials(self) -> dict[str, str]:
        return {"identifier": self.identifier, "key": self.key, "tier": self.tier}


TOKENS: tuple[Token, ...] = (
    Token(
        "plugin", "5f2e1c3a-7b9d-4e6f-8a1b-2c3d4e5f6a7b", "sandbox-plugin-key-0f9e8d7c6b5a4f3e2d1c", "plugin"
    ),
    Token(
        "website",
        "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
        "sandbox-website-key-1a2b3c4d5e6f7a8b9c0d",
        "website",
    ),
    Token("user", "0c9b8a7f-6e5d-4c3b-9a1f-0e9d8c7b6a5f", "sandbox-user-key-9f8e7d6c5b4a3f2e1d0c", "user"),
    Token(
        "plugin_not_installed",
        "7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a",
        "sandbox-uninstalled-key-2b3c4d5e6f7a8b9c",
        "plugin",
        installed=False,
    ),
    Token(
        "plugin_no_people",
        "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7",
        "sandbox-nopeople-key-3c4d5e6f7a8b9c0d1e",
        "plugin",
        scopes=ALL_SCOPES - PEOPLE_SCOPES,
    ),
)
TOKENS_BY_NAME = {token.name: token for token in TOKENS}
TOKENS_BY_IDENTIFIER = {token.identifier: token for token in TOKENS}
TIERS = ("plugin", "website", "user")
