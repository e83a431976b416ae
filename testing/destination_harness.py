"""Running destination-convot against a Convot sandbox in-process, and reading back what Convot holds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from airbyte_cdk.models import AirbyteMessage

from destination_convot import DestinationConvot
from destination_convot.client import Pacing
from testing import destination_builders as B

NO_WAIT = Pacing(scale=0)


def destination_config(sandbox: Any, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    return sandbox.destination_config(ledger_path=str(tmp_path / "ledger.sqlite"), **overrides)


def run_write(
    sandbox: Any,
    tmp_path: Path,
    messages: Iterable[AirbyteMessage],
    pacing: Pacing = NO_WAIT,
    **overrides: Any,
) -> list[AirbyteMessage]:
    config = destination_config(sandbox, tmp_path, **overrides)
    return list(
        DestinationConvot(pacing=pacing, report_interval=3600).write(config, B.catalog(), iter(messages))
    )


def counts(dump: dict[str, Any]) -> dict[str, int]:
    """Objects per kind, messages included, as a user would count them in Convot."""
    return {
        "contacts": len(dump["contacts"]),
        "conversations": len(dump["conversations"]),
        "messages": sum(len(conversation["messages"]) for conversation in dump["conversations"]),
        "languages": len(dump["helpdesk_languages"]),
        "categories": len(dump["helpdesk_categories"]),
        "articles": len(dump["helpdesk_articles"]),
    }


def duplicates(dump: dict[str, Any], messages: bool = True) -> dict[str, list[Any]]:
    """External ids (and, with `messages`, per-conversation messages by time, type and content) that Convot
    holds more than once. A caller that compares each thread with Crisp's message by message passes
    `messages=False`: where Convot stamps its own times, two equal messages of a thread posted within one
    millisecond share that key without being a duplicate."""
    found: dict[str, list[Any]] = {}
    for kind in ("contacts", "conversations", "helpdesk_categories", "helpdesk_articles"):
        repeated = [key for key, n in Counter(item["external_id"] for item in dump[kind]).items() if n > 1]
        if repeated:
            found[kind] = repeated
    for conversation in dump["conversations"] if messages else ():
        keys = Counter((m["created_at"], m["type"], m["content"]) for m in conversation["messages"])
        repeated = [key for key, n in keys.items() if n > 1]
        if repeated:
            found.setdefault("messages", []).extend(repeated)
    return found


def by_external_id(dump: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {item["external_id"]: item for item in dump[kind]}


def read_summary(line: str) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """A counters line read back: ({kind: {outcome: count}}, {"kind: skip reason": count})."""
    outcomes: dict[str, dict[str, int]] = {}
    skipped: dict[str, int] = {}
    for part in line.split(": ", 1)[1].split(" | "):
        kind, _, rest = part.partition(" ")
        if kind == "skipped":
            skipped = _counted(rest, "; ")
        elif kind != "paused":
            outcomes[kind] = _counted(rest, ", ")
    return outcomes, skipped


def _counted(items: str, separator: str) -> dict[str, int]:
    """ "3 new, 2 already imported" -> {"new": 3, "already imported": 2}."""
    return {label: int(count) for count, label in (item.split(" ", 1) for item in items.split(separator))}
