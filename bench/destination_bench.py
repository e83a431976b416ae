"""Benchmark: records/s destination-convot writes with max_concurrency 4 against 1, in one run.

Each run gets a fresh Convot sandbox process (20 ms of latency on every request) and a fresh ledger, and
writes the same synthetic source-crisp output (contacts, conversations, threads). Message order is checked
afterwards.

    .venv/bin/python -m bench.destination_bench [--conversations 40] [--messages 5] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from airbyte_cdk.models import Type

from destination_convot import DestinationConvot
from destination_convot.client import Pacing
from testing import destination_builders as B


@contextmanager
def convot_sandbox_process(db_path: Path, latency_ms: float) -> Iterator[dict]:
    """The sandbox in its own process (as a real API would be), so it does not share this process's GIL."""
    command = [
        sys.executable,
        "-m",
        "sandboxes.convot",
        "--port",
        "0",
        "--db",
        str(db_path),
        "--latency-ms",
        str(latency_ms),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        yield json.loads(process.stdout.readline())
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_once(
    concurrency: int, conversations: int, messages: int, latency_ms: float
) -> tuple[float, int, int]:
    """Returns (seconds, records written, requests sent)."""
    workspace = B.big_workspace(conversations, messages)
    records = sum(1 for message in workspace if message.type == Type.RECORD)
    with tempfile.TemporaryDirectory() as directory:
        with convot_sandbox_process(Path(directory) / "convot.sqlite", latency_ms) as sandbox:
            config = {
                "api_url": sandbox["base_url"],
                "api_token": sandbox["token"],
                "ledger_path": str(Path(directory) / "ledger.sqlite"),
                "max_concurrency": concurrency,
            }
            destination = DestinationConvot(pacing=Pacing(), report_interval=3600)
            started = time.perf_counter()
            for _ in destination.write(config, B.catalog(), iter(workspace)):
                pass
            elapsed = time.perf_counter() - started
            dump = requests.get(f"{sandbox['admin_url']}/dump", params={"app_id": 1}, timeout=30).json()
            sent = requests.get(f"{sandbox['admin_url']}/requests", timeout=30).json()["requests"]
        check_order(dump, conversations, messages)
        return elapsed, records, sum(sent.values())


def check_order(dump: dict, conversations: int, messages: int) -> None:
    assert len(dump["conversations"]) == conversations, "conversations missing"
    for conversation in dump["conversations"]:
        ordinals = [int(message["content"].rsplit(" ", 1)[1]) for message in conversation["messages"]]
        assert ordinals == list(range(messages)), f"message order broken in {conversation['external_id']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--messages", type=int, default=5, help="messages per conversation")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    logging.getLogger("airbyte").setLevel(logging.WARNING)
    results = {}
    for concurrency in (1, 4):
        seconds, records, requests = run_once(concurrency, args.conversations, args.messages, args.latency_ms)
        results[concurrency] = records / seconds
        print(
            f"max_concurrency={concurrency}: {records} records, {requests} requests in {seconds:.2f}s "
            f"= {records / seconds:.1f} records/s"
        )
    ratio = results[4] / results[1]
    print(f"speed-up 4 vs 1: {ratio:.2f}x (goal >= 3x); message order intact in both runs")


if __name__ == "__main__":
    main()
