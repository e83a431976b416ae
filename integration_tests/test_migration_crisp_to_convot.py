"""The whole migration as a user runs it: `source-crisp read` (Crisp sandbox, tiny workspace) piped into
`destination-convot write` (Convot sandbox), both as subprocesses. Convot must then hold exactly the Crisp
workspace as mapped; expectations come from the Crisp sandbox's ground truth, not from the code."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sandboxes.convot import ConvotFaults, ConvotSandbox
from sandboxes.crisp import CrispSandbox
from testing.destination_harness import by_external_id, counts, duplicates, read_summary
from testing.source_runs import discovered_catalog

pytestmark = pytest.mark.slow  # every test runs both connectors as processes
BIN = Path(sys.executable).parent
HELP = "https://acme.convot.help"


@dataclass
class Migration:
    crisp: CrispSandbox
    convot: ConvotSandbox
    directory: Path  # holds source.json and catalog.json (shared) and this target's destination.json
    users: dict[str, int]  # Crisp operator email -> Convot user id (only some operators are mapped)

    def commands(self) -> tuple[list[Any], list[Any]]:
        catalog = self.directory.parent / "catalog.json"
        source = [
            BIN / "source-crisp",
            "read",
            "--config",
            self.directory.parent / "source.json",
            "--catalog",
            catalog,
        ]
        destination = [
            BIN / "destination-convot",
            "write",
            "--config",
            self.directory / "destination.json",
            "--catalog",
            catalog,
        ]
        return source, destination

    def run(self) -> subprocess.CompletedProcess[str]:
        source_command, destination_command = self.commands()
        with subprocess.Popen(source_command, stdout=subprocess.PIPE) as source:
            written = subprocess.run(
                destination_command, stdin=source.stdout, capture_output=True, text=True, timeout=180
            )
        assert (source.returncode, written.returncode) == (0, 0), written.stdout[-3000:]
        return written

    def run_and_kill(self, when: Callable[[], bool]) -> None:
        """Start the pipe; SIGKILL the destination once `when()` holds (the source then dies of SIGPIPE)."""
        source_command, destination_command = self.commands()
        with subprocess.Popen(source_command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as source:
            destination = subprocess.Popen(
                destination_command, stdin=source.stdout, stdout=subprocess.DEVNULL
            )
            source.stdout.close()  # the destination holds the only reader now
            deadline = time.monotonic() + 60
            while not when():
                assert destination.poll() is None, "the destination finished before it could be killed"
                assert time.monotonic() < deadline
                time.sleep(0.01)
            destination.kill()
            destination.wait(timeout=10)


def target(crisp: CrispSandbox, shared: Path, convot: ConvotSandbox, **overrides: Any) -> Migration:
    """A Convot app to migrate into: its teammates (two of the Crisp operators) and its destination config."""
    directory = shared / f"target-{convot.port}"
    directory.mkdir()
    emails = [operator["details"]["email"] for operator in crisp.workspace.operators()]
    users = {email: convot.create_user(1, email, email.split("@")[0]) for email in emails[:2]}
    config = convot.destination_config(
        ledger_path=str(directory / "ledger.sqlite"), help_center_url=HELP, operator_emails=users, **overrides
    )
    (directory / "destination.json").write_text(json.dumps(config))
    return Migration(crisp, convot, directory, users)


@pytest.fixture(scope="module")
def crisp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CrispSandbox, Path]]:
    """The Crisp sandbox, its source config and the configured catalog (every discovered stream)."""
    shared = tmp_path_factory.mktemp("migration")
    with CrispSandbox(size="tiny", seed=7, port=0) as sandbox:
        (shared / "source.json").write_text(json.dumps(sandbox.source_config()))
        catalog = discovered_catalog(sandbox.source_config())  # in-process: the pipe below is what is tested
        configured = [
            {"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "append_dedup"}
            for stream in catalog["streams"]
        ]
        (shared / "catalog.json").write_text(json.dumps({"streams": configured}))
        yield sandbox, shared


@pytest.fixture(scope="module")
def migration(crisp: tuple[CrispSandbox, Path]) -> Iterator[Migration]:
    with ConvotSandbox() as convot:
        migration = target(*crisp, convot)
        migration.run()
        yield migration


# -- what Convot must hold, from the Crisp ground truth ------------------------------------------------------
def importable(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [message for message in messages if message["type"] != "event"]  # Convot has no creatable activity


def expected_type(message: dict[str, Any]) -> str:
    if message["type"] == "note":
        return "note"
    return "incoming" if message["from"] == "user" else "outgoing"


def expected_operator(
    message: dict[str, Any], operators: dict[str, str], users: dict[str, int]
) -> int | None:
    if message["from"] != "operator":
        return None
    return users.get(operators.get(message["user"].get("user_id"), ""))


def assert_convot_holds_the_workspace(
    migration: Migration,
    *,
    type_held: Callable[[dict[str, Any]], str] = expected_type,
    languages_api: bool = True,
) -> dict[str, Any]:
    """`type_held`: the type Convot holds for a Crisp message; `languages_api`: Convot has one."""
    workspace, dump = migration.crisp.workspace, migration.convot.dump()
    threads = {
        c["session_id"]: importable(workspace.messages(c["session_id"])) for c in workspace.conversations()
    }
    threads = {session: thread for session, thread in threads.items() if thread}
    profiles = workspace.people_profiles()
    locales = [locale["locale"] for locale in workspace.helpdesk_locales()]
    articles = {(code, a["article_id"]): a for code in locales for a in workspace.helpdesk_articles(code)}
    people = {p["people_id"] for p in profiles} | {workspace.conversation(s)["people_id"] for s in threads}
    assert counts(dump) == {
        "contacts": len(people),
        "conversations": len(threads),
        "messages": sum(len(thread) for thread in threads.values()),
        "languages": len(locales) if languages_api else 0,
        "categories": sum(len(workspace.helpdesk_categories(code)) for code in locales),
        "articles": len(articles),
    }
    # Messages are not keyed here: each thread is compared with Crisp's below, message by message, so a
    # repeat lengthens its thread and fails there, also where Convot stamps its own times.
    assert duplicates(dump, messages=False) == {}

    contacts = by_external_id(dump, "contacts")
    for profile in profiles:
        contact = contacts[f"crisp:{profile['people_id']}"]
        assert (contact["email"], contact["name"]) == (profile["email"], profile["person"]["nickname"])
        assert contact["phone"] == (profile["person"].get("phone") or None)
        data = workspace.people_data(profile["people_id"])
        scalars = {key: value for key, value in data.items() if isinstance(value, str | int | float | bool)}
        assert scalars.items() <= contact["custom_data"].items()

    operators = {o["details"]["user_id"]: o["details"]["email"] for o in workspace.operators()}
    conversations = by_external_id(dump, "conversations")
    for session, thread in threads.items():
        held = conversations[f"crisp:{session}"]
        crisp_state = workspace.conversation(session)["state"]
        assert held["status"] == ("resolved" if crisp_state == "resolved" else "open")
        assert [m["type"] for m in held["messages"]] == [type_held(m) for m in thread]
        assert [m["operator_id"] for m in held["messages"]] == [
            expected_operator(m, operators, migration.users) for m in thread
        ]
        texts = [
            (h["content"], m["content"])
            for h, m in zip(held["messages"], thread, strict=True)
            if m["type"] in ("text", "note")
        ]
        assert all(held_text == crisp_text for held_text, crisp_text in texts)
        times = [m["created_at"] for m in held["messages"][1:]]
        assert times == sorted(times)

    held_locales = sorted(language["locale"] for language in dump["helpdesk_languages"])
    assert held_locales == (sorted(locales) if languages_api else [])
    held_articles = by_external_id(dump, "helpdesk_articles")
    convot_urls = {
        crisp_article[
            "url"
        ]: f"{HELP}/{code}/article/{held_articles[f'crisp:article:{code}:{article_id}']['slug']}"
        for (code, article_id), crisp_article in articles.items()
    }
    for (code, article_id), crisp_article in articles.items():
        body = crisp_article["content"]
        for crisp_url, convot_url in convot_urls.items():
            body = body.replace(crisp_url, convot_url)
        held = held_articles[f"crisp:article:{code}:{article_id}"]
        assert (held["title"], held["content"], held["locale"]) == (crisp_article["title"], body, code)
    return dump


def test_convot_holds_the_crisp_workspace_as_mapped(migration: Migration) -> None:
    dump = assert_convot_holds_the_workspace(migration)
    assert any(m["operator_id"] for c in dump["conversations"] for m in c["messages"])  # attribution happened
    rewritten = [a for a in dump["helpdesk_articles"] if f"{HELP}/" in a["content"]]
    assert rewritten  # the tiny workspace links its articles together


def test_the_same_migration_again_creates_nothing_and_picks_up_what_changed(migration: Migration) -> None:
    before = counts(migration.convot.dump())
    migration.run()
    assert counts(migration.convot.dump()) == before
    touched = migration.crisp.touch_conversations(3, new_messages=2)
    migration.run()
    dump = assert_convot_holds_the_workspace(migration)
    assert counts(dump)["messages"] == before["messages"] + 6
    assert all(f"crisp:{session}" in by_external_id(dump, "conversations") for session in touched)


def test_killed_midway_then_run_again_every_object_is_there_exactly_once(
    crisp: tuple[CrispSandbox, Path],
) -> None:
    with ConvotSandbox(faults=ConvotFaults(latency_ms=3)) as convot:
        migration = target(*crisp, convot)
        posted = "POST /v1/conversations/{uuid}/messages"
        migration.run_and_kill(when=lambda: convot.request_counts().get(posted, 0) >= 150)
        partial = counts(convot.dump())
        assert partial["messages"] > 0
        migration.run()
        assert_convot_holds_the_workspace(migration)


def test_a_429_storm_pauses_resumes_and_completes(crisp: tuple[CrispSandbox, Path]) -> None:
    # 150 requests/s, burst 3, for the whole migration: Retry-After answers of a few ms, really waited.
    with ConvotSandbox(faults=ConvotFaults(rate_per_second=150, burst=3)) as convot:
        migration = target(*crisp, convot)
        written = migration.run()
        assert convot.request_log()["statuses"].get("429", 0) > 0
        assert "resuming at" in written.stdout
        assert "rate limit pause over: resumed at" in written.stdout
        assert_convot_holds_the_workspace(migration)


def test_preview_counts_what_the_write_then_creates_and_writes_nothing(
    crisp: tuple[CrispSandbox, Path],
) -> None:
    with ConvotSandbox() as convot:
        migration = target(*crisp, convot, preview=True)
        written = migration.run()
        assert convot.request_counts() == {}
        assert counts(convot.dump()) == dict.fromkeys(counts(convot.dump()), 0)
        assert not (migration.directory / "ledger.sqlite").exists()
        assert [line for line in written.stdout.splitlines() if '"STATE"' in line] == []
        logs = [json.loads(line)["log"]["message"] for line in written.stdout.splitlines() if '"LOG"' in line]
        summary = next(log for log in logs if log.startswith("Convot preview summary"))
        outcomes, skipped = read_summary(summary)

        config_file = migration.directory / "destination.json"
        config_file.write_text(json.dumps({**json.loads(config_file.read_text()), "preview": False}))
        migration.run()
        created = counts(convot.dump())

    assert {kind: outcomes.get(kind, {}).get("new", 0) for kind in created} == created
    empty = len(crisp[0].workspace.conversations()) - created["conversations"]
    assert empty > 0  # the workspace has conversations without a message: they must not count as new
    assert skipped["conversations: empty (no message yet): kept pending"] == empty
