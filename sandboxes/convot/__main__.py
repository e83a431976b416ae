"""`python -m sandboxes.convot --port 8800 --db PATH [fault flags]`

Prints one JSON line ({"base_url", "token", "admin_url", "db_path"}) and serves until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from .faults import ConvotFaults
from .guesses import ConvotGuesses
from .sandbox import ConvotSandbox


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandboxes.convot", description=__doc__)
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
    guesses = parser.add_argument_group("guesses (the other answers to what the Convot docs leave open)")
    for flag, name, explain in GUESS_FLAGS:
        guesses.add_argument(flag, dest=name, action="store_false", help=explain)
    guesses.add_argument(
        "--max-per-page", type=int, default=ConvotGuesses().max_per_page, help="a larger per_page answers 422"
    )
    guesses.add_argument(
        "--everything-switched", action="store_true", help="every switch above at once (helpdesk kept)"
    )
    return parser.parse_args(argv)


GUESS_FLAGS = (
    ("--no-languages-api", "languages_api", "no /helpdesk/languages routes (404)"),
    ("--no-status-paths", "status_paths", "no resolve/reopen routes: PATCH {status} only"),
    ("--ignore-external-id-filter", "external_id_filter", "lists ignore ?external_id="),
    ("--reject-contact-id", "contact_id", "POST /conversations with contact_id answers 422"),
    ("--ignore-message-type", "message_type", "message type ignored: stored as outgoing"),
    ("--ignore-created-at", "created_at", "created_at ignored: the server clock dates everything"),
    ("--reject-incoming", "incoming_accepted", "type incoming answers 422 (other types kept)"),
    ("--reject-created-at", "created_at_accepted", "a body with created_at answers 422"),
    ("--no-helpdesk-api", "helpdesk_api", "no /helpdesk routes at all (404)"),
    ("--ignore-page-param", "page_param", "page ignored: every list answers its first page"),
    ("--events-only-under-api-prefix", "events_under_v1", "contact events only under /api/v1 (404 on /v1)"),
    ("--no-events-list", "events_list", "GET /contacts/{id}/events answers 404"),
    ("--ignore-article-slug", "article_slug_sent", "a sent article slug is ignored: made from the title"),
    ("--no-article-slug-on-create", "article_slug_on_create", "an article's create answer has no slug"),
    ("--no-article-slug-answered", "article_slug_answered", "article answers carry no slug nor url"),
)


def guesses_from(options: dict) -> ConvotGuesses:
    """Pops the guess switches out of the parsed options."""
    chosen = {name: options.pop(name) for _, name, _ in GUESS_FLAGS}
    chosen["max_per_page"] = options.pop("max_per_page")
    if options.pop("everything_switched"):
        return ConvotGuesses.everything_switched()
    return ConvotGuesses(**chosen)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    options = vars(args).copy()
    port, db_path = options.pop("port"), options.pop("db")
    try:
        guesses = guesses_from(options)
        faults = ConvotFaults(**options)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    with ConvotSandbox(db_path=db_path, port=port, faults=faults, guesses=guesses) as sandbox:
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
