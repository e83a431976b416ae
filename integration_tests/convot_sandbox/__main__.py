"""`python -m integration_tests.convot_sandbox --port 8800 --db PATH [fault flags]`

Prints one JSON line ({"base_url", "token", "admin_url", "db_path"}) and serves until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from .faults import ConvotFaults
from .sandbox import ConvotSandbox


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m integration_tests.convot_sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--db", default=None, help="SQLite file; the same file serves the same data again")
    faults = parser.add_argument_group("faults")
    faults.add_argument("--rate-per-second", type=float, default=None, help="token bucket refill per app")
    faults.add_argument("--burst", type=int, default=10, help="token bucket size")
    faults.add_argument("--retry-after-integer", action="store_true", help="Retry-After in whole seconds")
    faults.add_argument("--error-ratio", type=float, default=0.0, help="share of requests answered 503")
    faults.add_argument(
        "--drop-ratio", type=float, default=0.0, help="share of connections closed unanswered"
    )
    faults.add_argument(
        "--lost-response-ratio", type=float, default=0.0, help="share of writes applied, then left unanswered"
    )
    faults.add_argument("--latency-ms", type=float, default=0.0, help="added to every API request")
    faults.add_argument("--fail-path-regex", default=None, help='searched in "METHOD /v1/path": always fail')
    faults.add_argument("--fail-status", type=int, default=500, help="status of --fail-path-regex failures")
    faults.add_argument("--reject-content-regex", default=None, help="POST/PATCH content or title -> 422")
    faults.add_argument("--seed", type=int, default=0, help="seed of the fault ratios")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    options = vars(args).copy()
    port, db_path = options.pop("port"), options.pop("db")
    try:
        faults = ConvotFaults(**options)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    with ConvotSandbox(db_path=db_path, port=port, faults=faults) as sandbox:
        print(
            json.dumps(
                {
                    "base_url": sandbox.base_url,
                    "token": sandbox.token,
                    "admin_url": sandbox.admin_url,
                    "db_path": sandbox.db_path,
                }
            ),
            flush=True,
        )
        stopping.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
