"""`make demo`: the whole Crisp -> Airbyte -> Convot job on a laptop, with no accounts.

Starts the Crisp and Convot sandboxes in-process, runs source-crisp `spec`, `check`, `discover` and `read`
as an operator would (console scripts, protocol on stdout), previews what destination-convot would import,
runs the migration with live counters, and prints a summary and where to look. The Convot database and the
destination's ledger live in `.demo/` (git-ignored), so a second `make demo` shows the re-run creating
nothing new; `--reset` starts from an empty Convot app.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

from demo import display as show
from demo.connector import (
    ConnectorFailed,
    ConnectorProcess,
    StreamTracker,
    configured_catalog,
    counter_summary,
    run,
    stream_requests,
    write_json,
)
from sandboxes.crisp.floor import STREAMS as FLOORS
from sandboxes.crisp.floor import Ground, request_floor

ROOT = Path(__file__).resolve().parent.parent

# What the migration moves: Convot object (as destination-convot counts it) <- the Crisp stream that feeds it,
# and where the Convot sandbox's dump lists it.
MIGRATED = (
    ("contacts", "people_profiles", "contacts"),
    ("conversations", "conversations", "conversations"),
    ("messages", "conversation_messages", "messages"),
    ("languages", "helpdesk_locales", "helpdesk_languages"),
    ("categories", "helpdesk_categories", "helpdesk_categories"),
    ("articles", "helpdesk_articles", "helpdesk_articles"),
)
PREVIEW_SUMMARY = "Convot preview summary: "
IMPORT_SUMMARY = "Convot import summary: "

# The parts this demo drives: part -> (module, the name it must define).
PARTS = {
    "crisp_sandbox": ("sandboxes.crisp", "CrispSandbox"),
    "source": ("source_crisp.run", "run"),
    "convot_sandbox": ("sandboxes.convot", "ConvotSandbox"),
    "destination": ("destination_convot.run", "run"),
}


@dataclass
class ReadResult:
    catalog: dict
    records_path: Path
    records: Counter = field(default_factory=Counter)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    present = {part for part, (module, name) in PARTS.items() if defines(module, name)}
    if "crisp_sandbox" not in present:
        print("The Crisp sandbox (sandboxes/crisp) is not in this checkout yet.")
        return 0
    from sandboxes.crisp import CrispSandbox

    if args.reset:
        shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with CrispSandbox(size=args.size, seed=args.seed, port=0) as crisp:
        show.heading(0, "Sandboxes")
        show.note(f"Crisp API  {crisp.base_url}  (website {crisp.website_id}, {args.size}, seed {args.seed})")
        if "source" not in present:
            show_raw_crisp_calls(crisp)
            return 0
        read = read_crisp(crisp, args.workdir)
        if not {"convot_sandbox", "destination"} <= present:
            show.note("destination-convot or the Convot sandbox is not in this checkout yet: stopping here.")
            return 0
        from sandboxes.convot import ConvotSandbox

        with ConvotSandbox(db_path=str(args.workdir / "convot.sqlite"), port=0) as convot:
            show.note(f"Convot API {convot.base_url}  (database {args.workdir / 'convot.sqlite'})")
            migrate(convot, read, args.workdir)
            print(f"\nDone in {time.monotonic() - started:.1f} s.")
            if args.keep_serving:
                serve_until_interrupted(crisp.base_url, convot.base_url)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="tiny", choices=["tiny", "small", "medium"], help="Crisp data size")
    parser.add_argument("--seed", type=int, default=7, help="Crisp dataset seed (same seed, same workspace)")
    parser.add_argument("--workdir", type=Path, default=ROOT / ".demo",
                        help="where configs, records, Convot's database and the ledger stay between runs")
    parser.add_argument("--reset", action="store_true", help="forget the previous runs (empty Convot app)")
    parser.add_argument("--keep-serving", action="store_true", help="keep both sandboxes up after the run")
    return parser.parse_args(argv)


def defines(module: str, name: str) -> bool:
    try:
        return hasattr(importlib.import_module(module), name)
    except ImportError:
        return False


def read_crisp(crisp, workdir: Path) -> ReadResult:
    config = write_json(workdir / "source_config.json", crisp.source_config())

    show.heading(1, "source-crisp spec")
    spec = run("source-crisp", "spec").of_type("SPEC")[0]["spec"]["connectionSpecification"]
    show.note(f"{len(spec['properties'])} config fields: {', '.join(spec['properties'])}")

    show.heading(2, "source-crisp check")
    crisp.reset_counts()
    status = run("source-crisp", "check", "--config", str(config)).of_type("CONNECTION_STATUS")[0]
    status = status["connectionStatus"]
    show.note(f"{status['status']} {status.get('message') or ''}({crisp.total_requests()} requests)")

    show.heading(3, "source-crisp discover")
    crisp.reset_counts()
    catalog = run("source-crisp", "discover", "--config", str(config)).of_type("CATALOG")[0]["catalog"]
    show.table(
        ["stream", "columns", "primary key", "default cursor", "sync modes"],
        [
            (
                s["name"], len(s["json_schema"].get("properties", {})),
                _keys(s.get("source_defined_primary_key")),
                ".".join(s.get("default_cursor_field") or []) or None, ", ".join(s["supported_sync_modes"]),
            )
            for s in catalog["streams"]
        ],
    )
    show.note(f"discovery used {crisp.total_requests()} requests (a live sample on top of the known fields)")

    show.heading(4, "source-crisp read (full refresh of every stream)")
    read = ReadResult(catalog, workdir / "records.jsonl")
    catalog_path = write_json(workdir / "source_catalog.json", configured_catalog(catalog, "append"))
    crisp.reset_counts()
    streams = StreamTracker()
    with read.records_path.open("w") as records:

        def keep_record(message: dict) -> None:
            streams(message)
            if message["type"] == "RECORD":
                read.records[message["record"]["stream"]] += 1
            if message["type"] in ("RECORD", "STATE"):
                records.write(json.dumps(message) + "\n")

        process = run("source-crisp", "read", "--config", str(config), "--catalog", str(catalog_path),
                      on_message=keep_record)
    columns = {s["name"]: len(s["json_schema"].get("properties", {})) for s in catalog["streams"]}
    sent = stream_requests(process.logs())
    ground = Ground(crisp.workspace, crisp.source_config()["page_size"])
    floor = request_floor(ground, [name for name in columns if name in FLOORS])
    rows = [
        (name, read.records[name], columns[name], sent.get(name), floor.get(name), streams.seconds.get(name))
        for name in columns
    ]
    show.table(["stream", "records", "columns", "requests", "floor", "seconds"], rows)
    records, requests = sum(read.records.values()), crisp.total_requests()
    show.note(f"total: {records} records, {requests} requests (floor {sum(floor.values())}) in "
              f"{process.seconds:.1f} s -> {read.records_path}")
    show.note("floor: the fewest requests this workspace needs (from the sandbox's ground truth: each list's")
    show.note("       pages by its stop rule, walked once per sync, plus each parent's own requests)")
    return read


def migrate(convot, read: ReadResult, workdir: Path) -> None:
    spec = run("destination-convot", "spec").of_type("SPEC")[0]["spec"]
    modes = spec.get("supported_destination_sync_modes") or ["append"]
    mode = "append_dedup" if "append_dedup" in modes else modes[0]
    catalog = write_json(workdir / "destination_catalog.json", configured_catalog(read.catalog, mode))
    ledger = str(workdir / "ledger.sqlite")

    show.heading(5, "destination-convot preview (counts what it would import, writes nothing)")
    preview_config = write_json(workdir / "destination_preview_config.json",
                                convot.destination_config(ledger_path=ledger, preview=True))
    preview = run("destination-convot", "write", "--config", str(preview_config), "--catalog", str(catalog),
                  stdin_path=read.records_path)
    summary = counter_summary(preview.logs(), PREVIEW_SUMMARY)
    if summary is None:
        show.note(f"destination said: {preview.logs()[-2:]}")
    else:
        outcomes, skipped = summary
        show.table(
            ["Convot object", "from Crisp stream", "records", "new", "already imported"],
            [
                (kind, stream, read.records[stream], outcomes.get(kind, {}).get("new", 0),
                 outcomes.get(kind, {}).get("already imported", 0))
                for kind, stream, _ in MIGRATED
            ],
        )
        for reason in skipped:
            show.note(f"would skip: {reason}")

    show.heading(6, "destination-convot write (the migration)")
    config = write_json(workdir / "destination_config.json", convot.destination_config(ledger_path=ledger))
    before = convot_objects(convot)
    convot.reset_counts()
    process = ConnectorProcess(
        "destination-convot", ["write", "--config", str(config), "--catalog", str(catalog)],
        stdin_path=read.records_path,
    )
    progress = show.ProgressLine()
    while process.running:
        progress.update(progress_text(convot_counts(convot), process))
        time.sleep(0.25)
    try:
        process.wait()
    finally:
        progress.finish(progress_text(convot_counts(convot), process))
    after = convot_objects(convot)
    requests_sent = sum(convot.request_counts().values())
    show.note(f"{requests_sent} requests to Convot in {process.seconds:.1f} s "
              f"({sum(read.records.values()) / process.seconds:.0f} records/s)")

    show.heading(7, "Summary")
    summary = counter_summary(process.logs(), IMPORT_SUMMARY)
    if summary is None:
        show.note(f"destination said: {process.logs()[-2:]}")
    _, skipped = summary or ({}, [])
    changed = {kind: changes(before[kind], after[kind]) for kind, _, _ in MIGRATED}
    show.table(
        ["Convot object", "Crisp records", "Convot before", "after", "created", "updated", "unchanged"],
        [
            (kind, read.records[stream], len(before[kind]), len(after[kind]), *changed[kind])
            for kind, stream, _ in MIGRATED
        ],
    )
    show.note("created, updated, unchanged: Convot objects (before vs after this run), not API writes")
    for reason in skipped:
        show.note(f"skipped: {reason}")
    created = sum(change[0] for change in changed.values())
    if created == 0 and any(before.values()):
        show.note("Re-run: Convot already held everything, so nothing was created (the ledger maps each "
                  "Crisp id to its Convot id).")
    dump = write_json(workdir / "convot_dump.json", convot.dump())
    print("\nWhere to look:")
    show.note(f"{dump}  everything the Convot app holds (contacts, conversations, messages, help center)")
    show.note(f"{workdir / 'convot.sqlite'}  the Convot sandbox database; {ledger}  the destination's ledger")
    show.note(f"{read.records_path}  what source-crisp emitted; configs and catalogs beside it")
    show.note("`make demo` again: the re-run creates nothing new; "
              "`.venv/bin/python -m demo --reset`: start over")


def convot_objects(convot) -> dict[str, dict[object, object]]:
    """What Convot holds per migrated kind: object id -> its last update (messages cannot be edited)."""
    dump = convot.dump()
    objects = {kind: {item["id"]: item.get("updated_at") for item in dump.get(key, [])}
               for kind, _, key in MIGRATED if kind != "messages"}
    objects["messages"] = {(c["id"], m["id"]): None
                           for c in dump.get("conversations", []) for m in c.get("messages", [])}
    return objects


def changes(before: dict[object, object], after: dict[object, object]) -> tuple[int, int, int]:
    """(created, updated, unchanged) objects of one kind between two snapshots of Convot."""
    kept = before.keys() & after.keys()
    updated = sum(1 for key in kept if before[key] != after[key])
    return len(after.keys() - before.keys()), updated, len(kept) - updated


def convot_counts(convot) -> Counter:
    return Counter({kind: len(objects) for kind, objects in convot_objects(convot).items()})


def progress_text(counts: Counter, process: ConnectorProcess) -> str:
    parts = "  ".join(f"{kind} {counts[kind]}" for kind, _, _ in MIGRATED)
    return f"Convot holds: {parts}  ({time.monotonic() - process.started:.1f} s)"


def show_raw_crisp_calls(crisp) -> None:
    show.note("source-crisp is not in this checkout yet: raw Crisp API calls against the sandbox instead.")
    credentials = crisp.credentials()
    session = requests.Session()
    session.auth = (credentials["identifier"], credentials["key"])
    session.headers["X-Crisp-Tier"] = credentials["tier"]
    for path in (f"website/{crisp.website_id}", f"website/{crisp.website_id}/conversations/1?per_page=20",
                 f"website/{crisp.website_id}/operators/list"):
        response = session.get(f"{crisp.base_url}/{path}", timeout=10)
        data = response.json().get("data")
        size = f"{len(data)} items" if isinstance(data, list) else f"keys {', '.join(list(data)[:6])}"
        show.note(f"GET /v1/{path} -> {response.status_code} ({size})")


def serve_until_interrupted(*urls: str) -> None:
    show.note(f"sandboxes up at {', '.join(urls)}; Ctrl-C to stop")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


def _keys(keys: list | None) -> str | None:
    if not keys:
        return None
    return ", ".join(".".join(k) if isinstance(k, list) else str(k) for k in keys)


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except ConnectorFailed as failure:
        raise SystemExit(f"demo stopped: {failure}") from None
