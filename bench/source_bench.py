"""Figures of source-crisp against the Crisp sandbox (served by its CLI in a separate process).

    .venv/bin/python bench/source_bench.py throughput --size medium   # records/s vs a plain-requests baseline
    .venv/bin/python bench/source_bench.py requests --size small      # requests vs floor, per stream
    .venv/bin/python bench/source_bench.py requests --size medium --changes 10 --only people
    .venv/bin/python bench/source_bench.py incremental --size medium --changes 10   # every stream, k changes
    .venv/bin/python bench/source_bench.py memory                     # peak RSS: N (small) vs 10 N (medium)
    .venv/bin/python bench/source_bench.py memory --streams all       # the same, one read per stream
    .venv/bin/python bench/source_bench.py concurrency --size small   # max_concurrency 1 vs 4/10/16, latency

Each figure is printed next to its reference measured in the same run (baseline, floor or the smaller size).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import requests
from crisp_sandbox_bench import Server  # the sandbox helper's CLI wrapper, same directory

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the sandbox's ground truth, for the floor
from sandboxes.crisp.dataset import Workspace  # noqa: E402
from sandboxes.crisp.floor import STREAMS as FLOORS  # noqa: E402
from sandboxes.crisp.floor import Ground, per_page_list, request_floor  # noqa: E402

SOURCE_CRISP = str(Path(sys.executable).parent / "source-crisp")
PAGE = 50
BULK = ("conversations", "conversation_messages")
PEOPLE = ("people_profiles", "people_data")
# source_crisp.config.PEOPLE_REFRESH_SYNCS_DEFAULT; not imported, so that this script also measures an older
# source-crisp (run it with that checkout's python) against the same sandbox.
PEOPLE_REFRESH_SYNCS = 30
# The source's count at the end of each stream, with the part its rotating slice made (rotating_slice.py).
STREAM_REQUESTS = re.compile(r"(\w+): ([\d,]+) requests(?: \(([\d,]+) of them the rotating slice\))?$")
# Why a stream's incremental costs more than O(changes) even with no change: printed next to its figures.
_WHOLE_LIST = "its list takes no date sort or filter (crisp-api.md): the whole list is read, filtered here"
CONSTANT_COSTS = {
    "campaign_statistics": "every campaign x action (opened, clicked, unsubscribed) list on every sync: the "
    "lists take no date filter or sort and a new statistic is not known to move its campaign's updated_at, "
    "so nothing tells which campaigns gained one; incremental saves rows, not requests",
    **{name: _WHOLE_LIST for name in ("helpdesk_categories", "helpdesk_sections", "helpdesk_articles",
                                      "helpdesk_redirections", "teams", "inboxes", "campaigns",
                                      "campaign_templates", "spam_conversations")},
    "full-refresh-only streams": "snapshots, settings and counts with no cursor (and campaign_recipients, "
    "no date): 1 request per page of each on every sync",
    "per changed conversation or profile": "1 request per child route (messages, participants, routing, "
    "people data, subscription), 2 per paged child list that has any (events, pages, files, people events "
    "and conversations): their page size is not documented, so a list ends only on an empty page "
    "(assumptions.py, FIXED_PAGE)",
}  # fmt: skip


# --- the source, as an operator runs it ---------------------------------------------------------------------
def source_config(server: Server, **options: Any) -> dict[str, Any]:
    """The config an operator writes; `options` adds optional fields (e.g. `max_concurrency`)."""
    return {"website_id": server.info["website_id"], "api_url": server.info["base_url"], "page_size": PAGE,
            **server.info["credentials"], **options}  # fmt: skip


def write(directory: str, name: str, content: Any) -> str:
    path = os.path.join(directory, name)
    with open(path, "w") as handle:
        json.dump(content, handle)
    return path


def discover(server: Server, directory: str) -> dict[str, Any]:
    config = write(directory, "config.json", source_config(server))
    command = [SOURCE_CRISP, "discover", "--config", config]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    return next(json.loads(line)["catalog"] for line in out.stdout.splitlines() if '"CATALOG"' in line)


def configured(catalog: dict[str, Any], streams: Iterable[str], incremental: bool) -> dict[str, Any]:
    wanted = set(streams)
    return {"streams": [
        {"stream": s, "destination_sync_mode": "append",
         "sync_mode": "incremental" if incremental else "full_refresh",
         "cursor_field": s.get("default_cursor_field", []) if incremental else []}
        for s in catalog["streams"] if s["name"] in wanted
    ]}  # fmt: skip


def read(
    server: Server, directory: str, catalog: dict, state: list | None = None, **options: Any
) -> dict[str, Any]:
    """Run `source-crisp read`; count records, keep the last state per stream, measure time and peak RSS."""
    config = source_config(server, **options)
    args = [SOURCE_CRISP, "read", "--config", write(directory, "config.json", config),
            "--catalog", write(directory, "catalog.json", catalog)]  # fmt: skip
    if state is not None:
        args += ["--state", write(directory, "state.json", state)]
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    records, states, first_record_at, requests_by_stream, sync_started_at = 0, {}, None, {}, None
    slice_by_stream: dict[str, int] = {}
    assert process.stdout is not None
    for line in process.stdout:
        if sync_started_at is None and b"Starting syncing" in line:
            sync_started_at = time.perf_counter()  # after the interpreter and the CDK are loaded
        if line.startswith(b'{"type":"RECORD"'):
            records += 1
            first_record_at = first_record_at or time.perf_counter()
        elif line.startswith(b'{"type":"STATE"'):
            stream = json.loads(line)["state"]["stream"]
            states[stream["stream_descriptor"]["name"]] = {"type": "STREAM", "stream": stream}
        elif line.startswith(b'{"type":"LOG"') and (count := stream_requests(line)):
            requests_by_stream[count.group(1)] = int(count.group(2).replace(",", ""))
            slice_by_stream[count.group(1)] = int((count.group(3) or "0").replace(",", ""))
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = status
    ended = time.perf_counter()
    return {"records": records, "seconds": ended - started,
            "startup_seconds": (first_record_at or ended) - started,
            "sync_seconds": ended - (sync_started_at or started),
            "peak_rss_mb": usage.ru_maxrss / 1024, "state": list(states.values()),
            "requests_by_stream": requests_by_stream, "slice_by_stream": slice_by_stream}  # fmt: skip


def stream_requests(log_line: bytes) -> re.Match[str] | None:
    return STREAM_REQUESTS.match(json.loads(log_line)["log"]["message"])


# --- the baseline: the same pages with plain requests + json ------------------------------------------------
def baseline(server: Server) -> dict[str, Any]:
    session, website, sink = server.session(), server.website, 0
    started = time.perf_counter()
    records = page = 0
    while True:
        page += 1
        params = {"per_page": PAGE, "include_empty": 1, "order_date_created": 1}
        items = session.get(f"{website}/conversations/{page}", params=params, timeout=30).json()["data"]
        for conversation in items:
            sink += len(json.dumps(conversation))
            records += 1
            records += walk_messages(session, f"{website}/conversation/{conversation['session_id']}/messages")
        if len(items) < PAGE:
            break
    return {"records": records, "seconds": time.perf_counter() - started}


def walk_messages(session: requests.Session, url: str) -> int:
    count, params = 0, {}
    while True:
        response = session.get(url, params=params, timeout=30)
        batch = response.json()["data"]
        count += sum(1 for message in batch if json.dumps(message))
        if response.status_code != 206 or not batch:
            return count
        params = {"timestamp_before": min(message["timestamp"] for message in batch)}


# --- figures ------------------------------------------------------------------------------------------------
def admin(server: Server, action: str, body: dict | None = None) -> dict:
    url = server.info["base_url"].rsplit("/v1", 1)[0] + f"/_sandbox/{action}"
    if body is None:
        return requests.get(url, timeout=30).json()["data"]["counts"]
    return requests.post(url, json=body, timeout=30).json()["data"]


def throughput(args: argparse.Namespace) -> dict[str, Any]:
    server = Server(args.size)
    with tempfile.TemporaryDirectory() as directory:
        catalog = configured(discover(server, directory), BULK, incremental=False)
        admin(server, "reset", {})
        plain = baseline(server)
        baseline_used = admin(server, "requests")
        admin(server, "reset", {})
        source = read(server, directory, catalog)
        used = admin(server, "requests")
    server.stop()
    source_rate, plain_rate = source["records"] / source["seconds"], plain["records"] / plain["seconds"]
    return {"size": args.size, "records": source["records"], "baseline_records": plain["records"],
            "source_records_per_s": round(source_rate), "baseline_records_per_s": round(plain_rate),
            "baseline_over_source": round(plain_rate / source_rate, 2),
            "source_seconds": round(source["seconds"], 1), "baseline_seconds": round(plain["seconds"], 1),
            "source_seconds_to_first_record": round(source["startup_seconds"], 1),
            "source_requests": used, "baseline_requests": baseline_used}  # fmt: skip


def suggested_streams() -> list[str]:
    """metadata.yaml's suggested streams: the cheap core a new connection selects."""
    lines = (REPO / "metadata.yaml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "suggestedStreams:")
    names = []
    for line in lines[start + 2 :]:
        if not line.strip().startswith("- "):
            break
        names.append(line.strip()[2:])
    return names


def full_read_costs(server: Server, directory: str, catalog: dict[str, Any], size: str) -> dict[str, Any]:
    """Every stream read in full: each stream's requests (the source's own count) next to its floor (from
    the sandbox's ground truth: sandboxes/crisp/floor.py), the totals, and the requests sent
    more than once (path and query) in the sync."""
    names = [stream["name"] for stream in catalog["streams"]]
    admin(server, "reset", {})
    run = read(server, directory, configured(catalog, names, incremental=False))
    counted = requests.get(server.info["base_url"].rsplit("/v1", 1)[0] + "/_sandbox/requests", timeout=30)
    sandbox = counted.json()["data"]
    floor = request_floor(Ground(Workspace(size, 7), PAGE), [name for name in names if name in FLOORS])
    counts = run["requests_by_stream"]
    return {"requests": sandbox["total"], "floor": sum(floor.values()), "repeated": sandbox["repeated"],
            "records": run["records"],
            "streams_off_the_floor": [name for name in names if counts.get(name) != floor.get(name)],
            "streams (requests / floor)": {name: f"{counts.get(name, '?')} / {floor.get(name, '?')}"
                                           for name in names}}  # fmt: skip


def request_costs(args: argparse.Namespace) -> dict[str, Any]:
    server = Server(args.size)
    figures: dict[str, Any] = {"size": args.size, "page_size": PAGE}
    with tempfile.TemporaryDirectory() as directory:
        catalog = discover(server, directory)
        if args.only == "people":
            figures["people"] = people_costs(server, directory, catalog, args.changes)
            server.stop()
            return figures
        figures["full_read_every_stream"] = full_read_costs(server, directory, catalog, args.size)
        suggested = {"streams": [s for s in catalog["streams"] if s["name"] in suggested_streams()]}
        figures["full_read_suggested_streams"] = full_read_costs(server, directory, suggested, args.size)
        admin(server, "reset", {})
        full = read(server, directory, configured(catalog, ["conversations"], incremental=False))
        figures["full_refresh_conversations"] = {
            "records": full["records"], "list_calls": admin(server, "requests").get("conversations"),
            "floor": per_page_list(full["records"], PAGE)}  # fmt: skip
        incremental = configured(catalog, BULK, incremental=True)
        state = read(server, directory, incremental)["state"]
        for changed in args.changes:
            admin(server, "touch", {"count": changed})
            admin(server, "reset", {})
            run = read(server, directory, incremental, state)
            state, used = run["state"], admin(server, "requests")
            figures[f"incremental_after_{changed}_changes"] = {
                "records": run["records"], "list_calls": used.get("conversations", 0),
                "bound": math.ceil(changed / PAGE) + 2,  # for the whole sync
                "message_calls": used.get("conversation_messages", 0)}  # fmt: skip
        figures["people"] = people_costs(server, directory, catalog, args.changes)
    server.stop()
    return figures


def people_costs(server: Server, directory: str, catalog: dict, changes: list[int]) -> dict[str, Any]:
    """An incremental sync of people_profiles + people_data after k profile changes, per route, with the
    rotating slice it reads (people_refresh_syncs at its default) stated."""
    incremental = configured(catalog, PEOPLE, incremental=True)
    state = read(server, directory, incremental)["state"]
    total = server.session().get(f"{server.website}/people/stats", timeout=30).json()["data"]["total"]
    pages = math.ceil(total / PAGE)
    slice_pages = math.ceil(pages / PEOPLE_REFRESH_SYNCS)
    figures: dict[str, Any] = {
        "profiles": total,
        "people_refresh_syncs": PEOPLE_REFRESH_SYNCS,
        "slice": f"{slice_pages} pages = {slice_pages * PAGE} profiles per sync",
    }
    for changed in changes:
        admin(server, "touch_profiles", {"count": changed})
        admin(server, "reset", {})
        run = read(server, directory, incremental, state)
        state, used = run["state"], admin(server, "requests")
        figures[f"incremental_after_{changed}_changes"] = {
            "records": run["records"],
            "requests": sum(used.values()),
            **{route: used.get(route, 0) for route in ("people_profiles", "people_data", "people_stats")},
            # changed profiles + the slice's data, the newest-first pages, the slice's pages, people/stats
            "bound": changed + slice_pages * PAGE + math.ceil(changed / PAGE) + 1 + slice_pages + 1,
        }
    return figures


def incremental_costs(args: argparse.Namespace) -> dict[str, Any]:
    """Every stream selected incremental (the streams without a cursor are read in full, as the platform
    does): a first sync, a sync after no change (what a sync costs whatever happened), then syncs after k
    conversations and k profiles changed. Per stream of each later sync: its requests split into the rotating
    slice's (people children, conversation participants and routing: rotating_slice.py) and the rest, and the
    rest's growth over the no-change sync (the part the changes cost)."""
    server = Server(args.size)
    figures: dict[str, Any] = {"size": args.size, "page_size": PAGE}
    with tempfile.TemporaryDirectory() as directory:
        catalog = discover(server, directory)
        selected = configured(catalog, [s["name"] for s in catalog["streams"]], incremental=True)
        cursorless = {s["name"] for s in catalog["streams"] if "incremental" not in s["supported_sync_modes"]}
        first = read(server, directory, selected)
        first_requests = sum(first["requests_by_stream"].values())
        figures["first_sync"] = {"records": first["records"], "requests": first_requests,
                                 "seconds": round(first["seconds"], 1)}  # fmt: skip
        state, unchanged = first["state"], None
        for changed in [0, *args.changes]:
            if changed:
                admin(server, "touch", {"count": changed})
                admin(server, "touch_profiles", {"count": changed})
            run = read(server, directory, selected, state)
            state = run["state"]
            split = split_costs(run, cursorless, unchanged)
            unchanged = unchanged or split["rest_by_stream"]
            name = f"after_{changed}_conversations_and_{changed}_profiles_changed" if changed else "no_change"
            figures[name] = {"records": run["records"], **split["totals"], "streams": split["streams"]}
        figures["why_some_streams_cost_requests_without_changes"] = CONSTANT_COSTS
    server.stop()
    return figures


def split_costs(
    run: dict[str, Any], cursorless: set[str], unchanged: dict[str, int] | None
) -> dict[str, Any]:
    """One sync's requests: per stream "total = slice + rest" (and the rest's growth over the no-change sync
    when given), and the totals over the incremental streams and the full-refresh-only ones."""
    counts, slices = run["requests_by_stream"], run["slice_by_stream"]
    rest = {name: n - slices.get(name, 0) for name, n in counts.items()}
    streams = {}
    for name, n in counts.items():
        line = f"{n} = slice {slices.get(name, 0)} + rest {rest[name]}"
        if unchanged is not None:
            line += f" (rest {rest[name] - unchanged.get(name, 0):+d} over the no-change sync)"
        streams[name + (" [full refresh only]" if name in cursorless else "")] = line
    totals = {"requests": sum(counts.values()), "slice": sum(slices.values()), "rest": sum(rest.values()),
              "rest_of_incremental_streams": sum(n for name, n in rest.items() if name not in cursorless),
              "rest_of_full_refresh_only_streams": sum(n for name, n in rest.items() if name in cursorless)}
    if unchanged is not None:
        totals["rest_minus_no_change_sync"] = totals["rest"] - sum(unchanged.values())
    return {"totals": totals, "streams": streams, "rest_by_stream": rest}  # fmt: skip


def memory(args: argparse.Namespace) -> dict[str, Any]:
    """Peak RSS of a full read at N (the first size) and 10 N (the second), and their ratio: one read of
    conversations + messages by default; with `--streams all` (or names), one read per stream, each in its
    own process so that a stream's peak is its own, and `--together` adds one read of them all at once."""
    figures: dict[str, Any] = {}
    sizes = args.sizes
    for size in sizes:
        server = Server(size)
        with tempfile.TemporaryDirectory() as directory:
            catalog = discover(server, directory)
            names = [s["name"] for s in catalog["streams"]] if args.streams == ["all"] else args.streams
            groups = {"+".join(BULK): BULK} if not names else {name: (name,) for name in names}
            if args.together and names:
                groups["all_together"] = tuple(names)
            for label, streams in groups.items():
                run = read(server, directory, configured(catalog, streams, incremental=False))
                figures.setdefault(label, {})[size] = {
                    "records": run["records"],
                    "peak_rss_mb": round(run["peak_rss_mb"], 1),
                }
        server.stop()
    for measured in figures.values():
        small, large = (measured[size]["peak_rss_mb"] for size in sizes)
        measured["ratio"] = round(large / small, 3)
    if len(figures) == 1:  # the default read: the figures as before
        return next(iter(figures.values()))
    return {"largest_ratio": max(figures.items(), key=lambda kv: kv[1]["ratio"])[0], "streams": figures}


def concurrency(args: argparse.Namespace) -> dict[str, Any]:
    """Full read of the per-parent streams at each latency, sequential (max_concurrency 1) then concurrent:
    wall time (`seconds` with the process start, `sync_seconds` from the CDK's "Starting syncing"), records
    and requests (the same requests whatever the concurrency)."""
    server = Server(args.size)
    figures: dict[str, Any] = {"size": args.size, "streams": args.streams}
    with tempfile.TemporaryDirectory() as directory:
        catalog = configured(discover(server, directory), args.streams, incremental=False)
        for latency in args.latency_ms:
            admin(server, "faults", {"latency_ms": latency})
            runs = {}
            for workers in [1, *args.concurrency]:
                admin(server, "reset", {})
                run = read(server, directory, catalog, max_concurrency=workers)
                runs[workers] = {"seconds": round(run["seconds"], 2),
                                 "sync_seconds": round(run["sync_seconds"], 2), "records": run["records"],
                                 "requests": sum(admin(server, "requests").values())}  # fmt: skip
            sequential = runs[1]["sync_seconds"]
            for workers in args.concurrency:
                runs[workers]["sync_speedup"] = round(sequential / runs[workers]["sync_seconds"], 2)
            figures[f"latency_{latency}_ms"] = {f"max_concurrency_{w}": run for w, run in runs.items()}
    server.stop()
    return figures


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("throughput").add_argument("--size", default="medium")
    costs = commands.add_parser("requests")
    costs.add_argument("--size", default="small")
    costs.add_argument("--changes", type=int, nargs="+", default=[10, 120])
    costs.add_argument("--only", choices=["people"], default=None, help="only the people incremental cost")
    changes = commands.add_parser("incremental")
    changes.add_argument("--size", default="medium")
    changes.add_argument("--changes", type=int, nargs="+", default=[10])
    peak = commands.add_parser("memory")
    peak.add_argument("--sizes", nargs=2, default=["small", "medium"])
    peak.add_argument("--streams", nargs="+", default=[], help="'all', or stream names: one read each")
    peak.add_argument("--together", action="store_true", help="also one read of those streams at once")
    pool = commands.add_parser("concurrency")
    pool.add_argument("--size", default="small")
    pool.add_argument("--latency-ms", type=int, nargs="+", default=[20, 100])
    pool.add_argument("--concurrency", type=int, nargs="+", default=[4, 10, 16])
    pool.add_argument("--streams", nargs="+", default=["people_profiles", "people_data", "helpdesk_articles"])
    args = parser.parse_args()
    run = {"throughput": throughput, "requests": request_costs, "incremental": incremental_costs,
           "memory": memory, "concurrency": concurrency}[args.command]  # fmt: skip
    print(json.dumps(run(args), indent=2))


if __name__ == "__main__":
    os.chdir(REPO)
    main()
