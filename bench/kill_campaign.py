"""Kill -9 campaign: a whole migration (`source-crisp read | destination-convot write`, both sandboxes) killed
with SIGKILL at random points, resumed each time from the last state the destination echoed, then run to the
end. Convot is then compared with the Crisp sandbox's ground truth: duplicates, missing objects, message order
and conversation status.

    .venv/bin/python -m bench.kill_campaign [--kills 20] [--seed 1] [--max-delay 2.5] [--max-writes 90]

Streams are read incrementally where the source supports it, so each resume really starts from the echoed
state (what the destination had durably written or queued), not from scratch. Prints one JSON line of
figures; exit status 1 if anything is duplicated, missing, out of order or in the wrong status.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sandboxes.convot import ConvotFaults, ConvotSandbox
from sandboxes.crisp import CrispSandbox
from testing.destination_harness import by_external_id, duplicates

BIN = Path(sys.executable).parent


def catalog(directory: Path, source_config: Path) -> Path:
    discovered = subprocess.run(
        [BIN / "source-crisp", "discover", "--config", source_config],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    streams = next(
        json.loads(line)["catalog"]["streams"]
        for line in discovered.stdout.splitlines()
        if '"CATALOG"' in line
    )
    configured = []
    for stream in streams:
        incremental = "incremental" in stream.get("supported_sync_modes", [])
        entry = {
            "stream": stream,
            "sync_mode": "incremental" if incremental else "full_refresh",
            "destination_sync_mode": "append_dedup",
        }
        if incremental and stream.get("default_cursor_field"):
            entry["cursor_field"] = stream["default_cursor_field"]
        configured.append(entry)
    path = directory / "catalog.json"
    path.write_text(json.dumps({"streams": configured}))
    return path


class Pipe:
    """One `source | destination` run; collects the STATEs the destination echoes while it lives."""

    def __init__(self, directory: Path, catalog_path: Path, states: dict[str, Any]) -> None:
        state_file = directory / "state.json"
        state_file.write_text(json.dumps(list(states.values())))
        self.source = subprocess.Popen(
            [BIN / "source-crisp", "read", "--config", directory / "source.json", "--catalog", catalog_path]
            + (["--state", state_file] if states else []),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.destination = subprocess.Popen(
            [
                BIN / "destination-convot",
                "write",
                "--config",
                directory / "destination.json",
                "--catalog",
                catalog_path,
            ],
            stdin=self.source.stdout,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.source.stdout.close()  # the destination holds the only reader
        self.echoed: dict[str, Any] = {}
        self.errors: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.destination.stdout:
            if not line.startswith("{"):
                continue
            message = json.loads(line)
            if message["type"] == "STATE":
                stream = message["state"]["stream"]
                self.echoed[stream["stream_descriptor"]["name"]] = {"type": "STREAM", "stream": stream}
            elif message["type"] == "TRACE" and message["trace"].get("type") == "ERROR":
                self.errors.append(message["trace"]["error"]["message"])

    def kill(self) -> bool:
        """SIGKILL the destination (the source then dies of SIGPIPE); False if it had already finished."""
        alive = self.destination.poll() is None
        self.destination.kill()
        self.finish()
        return alive

    def finish(self, timeout: float = 300) -> int:
        code = self.destination.wait(timeout=timeout)
        self.source.kill()
        self.source.wait(timeout=30)
        self._reader.join(timeout=10)
        return code


def writes(convot: ConvotSandbox) -> int:
    return sum(n for route, n in convot.request_counts().items() if route.split()[0] in ("POST", "PATCH"))


def expected_type(message: dict[str, Any]) -> str:
    if message["type"] == "note":
        return "note"
    return "incoming" if message["from"] == "user" else "outgoing"


def compare(crisp: CrispSandbox, dump: dict[str, Any]) -> dict[str, int]:
    """Convot against the Crisp ground truth: objects duplicated, missing, misordered, in the wrong status."""
    workspace = crisp.workspace
    threads = {
        c["session_id"]: [m for m in workspace.messages(c["session_id"]) if m["type"] != "event"]
        for c in workspace.conversations()
    }
    threads = {session: thread for session, thread in threads.items() if thread}
    conversations = by_external_id(dump, "conversations")
    locales = [locale["locale"] for locale in workspace.helpdesk_locales()]
    articles = {
        f"crisp:article:{code}:{a['article_id']}"
        for code in locales
        for a in workspace.helpdesk_articles(code)
    }
    people = {p["people_id"] for p in workspace.people_profiles()}
    people |= {workspace.conversation(session)["people_id"] for session in threads}
    repeated = duplicates(dump)
    figures = Counter(
        duplicates=sum(len(items) for items in repeated.values()),
        missing_contacts=len({f"crisp:{p}" for p in people} - by_external_id(dump, "contacts").keys()),
        missing_articles=len(articles - by_external_id(dump, "helpdesk_articles").keys()),
        conversations=len(threads),
        messages=sum(len(thread) for thread in threads.values()),
    )
    for session, thread in threads.items():
        held = conversations.get(f"crisp:{session}")
        if held is None:
            figures["missing_conversations"] += 1
            figures["missing_messages"] += len(thread)
            continue
        figures["missing_messages"] += max(0, len(thread) - len(held["messages"]))
        if [m["type"] for m in held["messages"]] != [expected_type(m) for m in thread]:
            figures["wrong_order"] += 1
        times = [m["created_at"] for m in held["messages"][1:]]
        if times != sorted(times):
            figures["wrong_order"] += 1
        crisp_state = workspace.conversation(session)["state"]
        if held["status"] != ("resolved" if crisp_state == "resolved" else "open"):
            figures["wrong_status"] += 1
    for key in ("missing_conversations", "missing_messages", "wrong_order", "wrong_status"):
        figures.setdefault(key, 0)
    return dict(figures)


def campaign(kills: int, seed: int, max_delay: float, max_writes: int, latency_ms: float) -> dict[str, Any]:
    rng = random.Random(seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch, CrispSandbox(size="tiny", seed=7, port=0) as crisp:
        directory = Path(scratch)
        (directory / "source.json").write_text(json.dumps(crisp.source_config()))
        catalog_path = catalog(directory, directory / "source.json")
        with ConvotSandbox(faults=ConvotFaults(latency_ms=latency_ms)) as convot:
            config = convot.destination_config(ledger_path=str(directory / "ledger.sqlite"))
            (directory / "destination.json").write_text(json.dumps(config))
            states: dict[str, Any] = {}
            killed = finished_early = 0
            delays = []
            progress = []  # Convot messages held after each kill: where in the migration the kills landed
            while killed < kills:
                before = writes(convot)
                pipe = Pipe(directory, catalog_path, states)
                # A quarter of the kills at a random moment (often while starting, reconciling or reading),
                # the others after a random number of Convot writes of this run (while writing).
                started_at = time.monotonic()
                if rng.random() < 0.25:
                    time.sleep(rng.uniform(0.05, max_delay))
                else:
                    target = before + rng.randint(1, max_writes)
                    while writes(convot) < target and pipe.destination.poll() is None:
                        time.sleep(0.005)
                delay = time.monotonic() - started_at
                if pipe.kill():
                    killed += 1
                    delays.append(delay)
                    progress.append(sum(len(c["messages"]) for c in convot.dump()["conversations"]))
                else:
                    finished_early += 1  # ran to the end before the kill: nothing left to interrupt
                states.update(pipe.echoed)
            final = Pipe(directory, catalog_path, states)
            code = final.finish()
            figures = compare(crisp, convot.dump())
    return {
        "kills": killed,
        "runs_that_finished_before_their_kill": finished_early,
        "kill_after_seconds": [round(min(delays), 2), round(max(delays), 2)] if delays else [],
        "messages_held_after_each_kill": progress,
        "final_run_exit": code,
        **figures,
        "seconds": round(time.monotonic() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-delay", type=float, default=2.5, help="time kills: at most this (s)")
    parser.add_argument("--max-writes", type=int, default=90, help="write kills: after at most this many")
    parser.add_argument("--latency-ms", type=float, default=3.0, help="Convot sandbox latency per request")
    args = parser.parse_args()
    result = campaign(args.kills, args.seed, args.max_delay, args.max_writes, args.latency_ms)
    print(json.dumps(result))
    bad = ("duplicates", "missing_conversations", "missing_messages", "missing_contacts", "missing_articles")
    failed = (
        any(result[key] for key in (*bad, "wrong_order", "wrong_status")) or result["final_run_exit"] != 0
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
