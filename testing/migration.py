"""A Crisp -> Convot migration as an operator runs it (both console scripts, files between them), and what
Convot must then hold, from the Crisp sandbox's ground truth: the migration tests' shared part."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandboxes.convot import ConvotSandbox
from sandboxes.crisp import CrispSandbox
from testing.destination_harness import by_external_id, counts, duplicates

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
