"""Figures of the Crisp sandbox: start time, peak server RSS while a client reads everything, requests/s.

    .venv/bin/python bench/crisp_sandbox_bench.py start              # CLI start time, tiny and large
    .venv/bin/python bench/crisp_sandbox_bench.py read --size large  # full read, server peak RSS (VmHWM)
    .venv/bin/python bench/crisp_sandbox_bench.py rps --requests 4000 --threads 2

The server always runs as a separate process (the CLI), so its memory is measured alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
ROUTES_TIMED = (  # (label, path under the website, query)
    ("website", "", {}),
    ("conversations_page_50", "/conversations/1", {"per_page": 50}),
)


class Server:
    """The sandbox CLI in a subprocess; `ready_s` is the time from spawn to its JSON line."""

    def __init__(self, size: str, seed: int = 7) -> None:
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandboxes.crisp", "--port", "0", "--size", size, "--seed",
             str(seed)],
            cwd=REPO, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self._bind(json.loads(self.process.stdout.readline()))
        self.ready_s = time.perf_counter() - started

    @classmethod
    def attached(cls, info: dict) -> Server:
        """A handle on a sandbox that another process started (from its JSON line); nothing to stop."""
        server = cls.__new__(cls)
        server.process, server.ready_s = None, 0.0
        server._bind(info)
        return server

    def _bind(self, info: dict) -> None:
        self.info = info
        self.website = f"{info['base_url']}/website/{info['website_id']}"

    def session(self) -> requests.Session:
        session = requests.Session()
        credentials = self.info["credentials"]
        session.auth = (credentials["identifier"], credentials["key"])
        session.headers["X-Crisp-Tier"] = credentials["tier"]
        return session

    def peak_rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(row for row in status.splitlines() if row.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def start_figures(_: argparse.Namespace) -> dict:
    figures = {}
    for size in ("tiny", "large"):
        server = Server(size)
        figures[size] = {"spawn_to_ready_s": round(server.ready_s, 3),
                         "in_process_start_s": server.info["start_seconds"]}  # fmt: skip
        server.stop()
    return figures


def read_everything(args: argparse.Namespace) -> dict:
    server = Server(args.size)
    local = threading.local()
    totals = {"requests": 0, "messages": 0}
    lock = threading.Lock()

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = server.session()
        return local.session

    def read_thread(session_id: str) -> None:
        url = f"{server.website}/conversation/{session_id}/messages"
        params, requests_made, messages = {}, 0, 0
        while True:
            response = session().get(url, params=params, timeout=30)
            requests_made += 1
            batch = response.json()["data"]
            messages += len(batch)
            if response.status_code != 206 or not batch:
                break
            params = {"timestamp_before": batch[0]["timestamp"]}
        with lock:
            totals["requests"] += requests_made
            totals["messages"] += messages

    started = time.perf_counter()
    conversations, page = 0, 1
    with ThreadPoolExecutor(args.threads) as pool:
        while True:
            response = session().get(f"{server.website}/conversations/{page}",
                                     params={"per_page": 50, "include_empty": 1}, timeout=30)  # fmt: skip
            totals["requests"] += 1
            items = response.json()["data"]
            if not items:
                break
            conversations += len(items)
            list(pool.map(read_thread, [item["session_id"] for item in items]))
            page += 1
    elapsed = time.perf_counter() - started
    figures = {
        "size": args.size,
        "conversations": conversations,
        "messages": totals["messages"],
        "requests": totals["requests"],
        "seconds": round(elapsed, 1),
        "requests_per_s": round(totals["requests"] / elapsed),
        "server_peak_rss_mb": round(server.peak_rss_mb(), 1),
        "client_threads": args.threads,
    }
    server.stop()
    return figures


def requests_per_second(args: argparse.Namespace) -> dict:
    server = Server("tiny")
    results = {}
    per_thread = args.requests // args.threads
    for label, path, params in ROUTES_TIMED:

        def loop(_: int, path: str = path, params: dict = params) -> None:
            session = server.session()
            for _ in range(per_thread):
                session.get(server.website + path, params=params, timeout=30).raise_for_status()

        started = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            list(pool.map(loop, range(args.threads)))
        results[label] = round(per_thread * args.threads / (time.perf_counter() - started))
    server.stop()
    return {"requests_per_s": results, "requests_each": args.requests, "client_threads": args.threads}


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("what", choices=("start", "read", "rps"))
    parser.add_argument("--size", default="large")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--requests", type=int, default=4000)
    args = parser.parse_args()
    run = {"start": start_figures, "read": read_everything, "rps": requests_per_second}[args.what]
    print(json.dumps(run(args)))


if __name__ == "__main__":
    main()
