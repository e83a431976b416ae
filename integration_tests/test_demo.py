"""`make demo`, the README's first command: the migration it runs lands the workspace in Convot, and running
it again creates nothing new. Expectations come from the Crisp sandbox's own ground truth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sandboxes.crisp import CrispSandbox

pytestmark = pytest.mark.slow
HELPDESK = ("helpdesk_languages", "helpdesk_categories", "helpdesk_articles")
SIZE, SEED = "tiny", "7"  # the demo's defaults, passed explicitly so the expectations below use the same data


def run_demo(workdir: Path, *extra: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "demo", "--size", SIZE, "--seed", SEED,
         "--workdir", str(workdir), *extra],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads((workdir / "convot_dump.json").read_text())


def expected_counts() -> dict[str, int]:
    workspace = CrispSandbox(size=SIZE, seed=int(SEED)).workspace
    threads = [  # Convot cannot create event (activity) messages
        [m for m in workspace.messages(c["session_id"]) if m["type"] != "event"]
        for c in workspace.conversations()
    ]
    locales = [locale["locale"] for locale in workspace.helpdesk_locales()]
    return {
        "contacts": len(workspace.people_profiles()),
        "conversations": sum(1 for thread in threads if thread),  # empty ones wait for their first message
        "messages": sum(len(thread) for thread in threads),
        "helpdesk_languages": len(locales),
        "helpdesk_categories": sum(len(workspace.helpdesk_categories(locale)) for locale in locales),
        "helpdesk_articles": sum(len(workspace.helpdesk_articles(locale)) for locale in locales),
    }


def counts(dump: dict) -> dict[str, int]:
    return {
        "contacts": len(dump["contacts"]),
        "conversations": len(dump["conversations"]),
        "messages": sum(len(c["messages"]) for c in dump["conversations"]),
        **{kind: len(dump[kind]) for kind in HELPDESK},
    }


def ids(dump: dict) -> dict[str, list]:
    return {
        "contacts": sorted(c["id"] for c in dump["contacts"]),
        "conversations": sorted(c["id"] for c in dump["conversations"]),
        "messages": sorted(m["id"] for c in dump["conversations"] for m in c["messages"]),
        "articles": sorted(a["id"] for a in dump["helpdesk_articles"]),
    }


def test_the_demo_migrates_the_workspace_and_a_second_run_creates_nothing(tmp_path: Path):
    first = run_demo(tmp_path, "--reset")
    assert counts(first) == expected_counts()
    second = run_demo(tmp_path)
    assert ids(second) == ids(first)
