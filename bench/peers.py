"""source-crisp next to its peers on the same Crisp sandbox, at several latencies, ratios measured in one run.

    .venv/bin/python bench/peers.py                                  # small, latency 0 and 20 ms, all four
    .venv/bin/python bench/peers.py --size tiny --latency 0 20 100   # quick
    .venv/bin/python bench/peers.py --size small --latency 100 --only floor source-crisp
    .venv/bin/python bench/peers.py --concurrency 8                  # source-crisp with max_concurrency 8

The contenders read the same objects: conversations and each conversation's messages, people profiles and
each profile's data, the helpdesk locales and each locale's articles with, per article, the article and its
category (source-crisp's enrichment of `helpdesk_articles`):
- `source-crisp`: its `read` command as an operator runs it (a subprocess; records counted on stdout), at
  its default `max_concurrency` unless `--concurrency` is given;
- `floor`: the sequential floor, a plain requests + json loop over exactly those pages and routes;
- `dlt`, `dlt-parallelized`: dlt's `rest_api` source into DuckDB (bench/peers_dlt.py), the second with
  `parallelized: True` on the per-item resources (messages, people data, the two article routes) and dlt's
  default of 5 extract workers; its extract step's own time is printed too (the part comparable to reading;
  the rest is normalize and the DuckDB load). dlt is installed on first use into a venv of its own
  (`--dlt-venv`), never into the project's: it is not a project dependency and its pins are not the
  connector's business.

Every contender runs in a fresh child process (peak RSS: the child's ru_maxrss from wait4, which covers the
children it waited for). Requests are the sandbox's own count (`/_sandbox/requests`), per route; a route
where a contender differs from the floor is printed. `--latency` sets the sandbox's `latency_ms` (a
ThreadingHTTPServer: concurrent requests overlap). A sequential read of `small` (~1,520 requests) takes
~35 s at 20 ms and ~160 s at 100 ms: the default run takes ~3 min, `--latency 100` on `small` ~10 min,
`--size tiny` well under a minute. Each round prints the load average: the machine may be shared.

dlt's records count the rows of the tables named like source-crisp's streams (its nested child tables and
the article-category table are columns of those streams in source-crisp).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
from crisp_sandbox_bench import Server
from source_bench import PAGE, admin, baseline, configured, discover, read

REPO = Path(__file__).resolve().parents[1]
STREAMS = ("conversations", "conversation_messages", "people_profiles", "people_data", "helpdesk_locales",
           "helpdesk_articles")  # fmt: skip
CONTENDERS = ("floor", "source-crisp", "dlt", "dlt-parallelized")
DLT_REQUIREMENT = "dlt[duckdb]~=1.31.0"  # the version the published figures were measured with
DLT_SCRIPT = str(Path(__file__).with_name("peers_dlt.py"))


# --- the sequential floor: the pages and per-item routes the other contenders read, nothing else ----------
def pages(session: requests.Session, url: str, per_page: int | None = None) -> Iterator[dict]:
    """A page-in-path list: sized by `per_page` it ends on a shorter page, else on an empty page."""
    params = {"per_page": per_page} if per_page else {}
    page = 0
    while True:
        page += 1
        items = session.get(f"{url}/{page}", params=params, timeout=30).json()["data"]
        yield from items
        if not items or (per_page and len(items) < per_page):
            return


def record(item: Any) -> int:
    """1 for an item serialized like a record (the floor does the JSON work a reader cannot skip)."""
    return 1 if json.dumps(item) else 0


def fetched(session: requests.Session, url: str) -> int:
    return record(session.get(url, timeout=30).json()["data"])


def people(session: requests.Session, website: str) -> int:
    records = 0
    for profile in pages(session, f"{website}/people/profiles", PAGE):
        records += record(profile) + fetched(session, f"{website}/people/data/{profile['people_id']}")
    return records


def helpdesk(session: requests.Session, website: str) -> int:
    """Locales, then per locale its article list and per article the article and its category: the article
    and its category are one record (source-crisp's enrichment)."""
    records = 0
    for locale in pages(session, f"{website}/helpdesk/locales"):
        records += record(locale)
        base = f"{website}/helpdesk/locale/{locale['locale']}"
        for article in pages(session, f"{base}/articles"):
            fetched(session, f"{base}/article/{article['article_id']}/category")
            records += fetched(session, f"{base}/article/{article['article_id']}")
    return records


def floor(server: Server) -> int:
    """Records read by the floor loop: source_bench's conversations + messages loop, then people, helpdesk."""
    session = server.session()
    return baseline(server)["records"] + people(session, server.website) + helpdesk(session, server.website)


# --- the contenders, each in a fresh child process ----------------------------------------------------------
def child(command: list[str]) -> dict[str, Any]:
    """Run a command to its end: wall time, peak RSS (its ru_maxrss, from wait4), its stdout's last line."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=REPO)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode, seconds = os.waitstatus_to_exitcode(status), time.perf_counter() - started
        if process.returncode:
            err.seek(0)
            raise SystemExit(f"{command[:3]} failed ({process.returncode}):\n{err.read().decode()[-3000:]}")
        out.seek(0)
        last = out.read().decode().strip().splitlines()[-1]
    return {"seconds": seconds, "peak_rss_mb": usage.ru_maxrss / 1024, "out": json.loads(last)}


def run_floor(server: Server, _: argparse.Namespace, __: str) -> dict[str, Any]:
    run = child([sys.executable, __file__, "_floor", json.dumps(server.info)])
    run["records"] = run.pop("out")["records"]
    return run


def run_source(server: Server, args: argparse.Namespace, directory: str) -> dict[str, Any]:
    options = {} if args.concurrency is None else {"max_concurrency": args.concurrency}
    run = read(server, directory, args.catalog, **options)
    return {"seconds": run["seconds"], "peak_rss_mb": run["peak_rss_mb"], "records": run["records"]}


def run_dlt(parallelized: bool) -> Any:
    def run(server: Server, args: argparse.Namespace, directory: str) -> dict[str, Any]:
        command = [str(dlt_python(args.dlt_venv)), DLT_SCRIPT, json.dumps(server.info), directory]
        out = child(command + (["--parallelized"] if parallelized else []))
        result = out.pop("out")
        # dlt's extract step alone is the part comparable to reading: the rest is normalize and DuckDB load
        return {**out, "records": sum(result["rows"].get(stream, 0) for stream in STREAMS),
                "extract_seconds": result["step_seconds"]["extract"]}  # fmt: skip

    return run


RUNNERS = {"floor": run_floor, "source-crisp": run_source, "dlt": run_dlt(False),
           "dlt-parallelized": run_dlt(True)}  # fmt: skip


def dlt_python(venv: Path) -> Path:
    """The dlt venv's interpreter, making the venv and installing dlt from PyPI on first use."""
    python = venv / "bin" / "python"
    probe = [python, "-c", "import dlt, duckdb"]
    usable = python.exists() and not subprocess.run(probe, stderr=subprocess.DEVNULL).returncode
    if not usable:
        print(f"installing {DLT_REQUIREMENT} into {venv} (first use)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", DLT_REQUIREMENT], check=True)
    return python


# --- the run ------------------------------------------------------------------------------------------------
def measure(server: Server, args: argparse.Namespace, latency_ms: int) -> dict[str, dict]:
    admin(server, "faults", {"latency_ms": latency_ms})
    rows: dict[str, dict] = {}
    for name in (c for c in CONTENDERS if c in args.only):
        with tempfile.TemporaryDirectory() as directory:
            admin(server, "reset", {})
            run = RUNNERS[name](server, args, directory)
        run["requests_by_route"] = admin(server, "requests")
        run["requests"] = sum(run["requests_by_route"].values())
        rows[name] = run
        print(row(name, run, rows.get("floor")), flush=True)
    admin(server, "faults", {})
    return rows


def row(name: str, run: dict, floor_run: dict | None) -> str:
    ratio = f"{run['seconds'] / floor_run['seconds']:5.2f}x" if floor_run else "     -"
    line = (f"  {name:17} {run['seconds']:7.1f} s {ratio} floor  {run['records']:7,} records  "
            f"{run['requests']:6,} requests  {run['peak_rss_mb']:6.1f} MB")  # fmt: skip
    if floor_run:
        theirs, ours = floor_run["requests_by_route"], run["requests_by_route"]
        differs = {r: f"{ours.get(r, 0)} vs {theirs.get(r, 0)}" for r in {*ours, *theirs} if ours.get(r, 0)
                   != theirs.get(r, 0)}  # fmt: skip
        line += f"  (routes vs floor: {differs})" if differs else ""
    return line + (f"  [extract step {run['extract_seconds']:.1f} s]" if "extract_seconds" in run else "")


def summary(size: str, args: argparse.Namespace, results: dict[int, dict]) -> dict[str, Any]:
    figures: dict[str, Any] = {"size": size, "max_concurrency": args.concurrency or "source-crisp default"}
    for latency, rows in results.items():
        floor_seconds = rows["floor"]["seconds"] if "floor" in rows else None
        figures[f"latency_{latency}_ms"] = {
            name: {"seconds": round(run["seconds"], 2), "records": run["records"],
                   "requests": run["requests"], "peak_rss_mb": round(run["peak_rss_mb"], 1),
                   **({"over_floor": round(run["seconds"] / floor_seconds, 2)} if floor_seconds else {}),
                   **({"extract_seconds": run["extract_seconds"]} if "extract_seconds" in run else {})}
            for name, run in rows.items()
        }  # fmt: skip
    return figures


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--size", default="small", help="sandbox size (tiny, small, medium, large)")
    parser.add_argument("--latency", type=int, nargs="+", default=[0, 20], metavar="MS",
                        help="sandbox latency_ms values, one round each (default 0 20)")  # fmt: skip
    parser.add_argument("--only", nargs="+", choices=CONTENDERS, default=list(CONTENDERS))
    parser.add_argument("--concurrency", type=int, default=None, metavar="N",
                        help="source-crisp's max_concurrency (default: the source's own)")  # fmt: skip
    parser.add_argument("--dlt-venv", type=Path, default=REPO / ".tmp" / "bench-dlt-venv")
    args = parser.parse_args()
    if any(name.startswith("dlt") for name in args.only):
        dlt_python(args.dlt_venv)  # before the clock: the first use installs dlt
    server = Server(args.size)
    try:
        with tempfile.TemporaryDirectory() as directory:
            args.catalog = configured(discover(server, directory), STREAMS, incremental=False)
        results = {}
        for latency in args.latency:
            # the machine is shared: the load average says how much the figures may be off
            print(f"{args.size}, latency {latency} ms (load average {os.getloadavg()[0]:.1f}):", flush=True)
            results[latency] = measure(server, args, latency)
    finally:
        server.stop()
    print(json.dumps(summary(args.size, args, results), indent=2))


if __name__ == "__main__":
    if sys.argv[1:2] == ["_floor"]:  # the floor's child process: read everything, print the record count
        print(json.dumps({"records": floor(Server.attached(json.loads(sys.argv[2])))}))
    else:
        main()
