"""CLI: `python -m sandboxes.crisp --port 8700 --size tiny --seed 7 [fault flags]`.

Prints one JSON line (base_url, website_id, plugin credentials) on stdout, then serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time

from .assumptions import (
    CAMPAIGN_STATISTIC_ACTIONS,
    DATE_FILTER_FIELD_DEFAULT,
    FIXED_PAGE_SIZE,
    HELPDESK_MODE_DEFAULT,
    HELPDESK_MODES,
)
from .dataset import SIZES
from .faults import Faults
from .ordering import (
    DIRECTIONS,
    HONOURED,
    LONGEST_WAITING_FIRST,
    MISPLACED,
    ORDER_FLAGS,
    PEOPLE_SORTS,
    PER_PAGE_ROUTES,
    parse_order,
)
from .sandbox import DATE_FILTER_FIELDS, CrispSandbox


def _switch(text: str) -> bool:
    return text.strip().lower() in {"1", "true", "yes", "on"}


# (flag, Faults field, type, help)
FAULT_FLAGS = (
    ("--rate-limit", "rate_limit", int, "allow N requests per window, then answer --rate-status"),
    ("--rate-window", "rate_window_s", float, "rate-limit window in seconds (default 60)"),
    ("--rate-status", "rate_status", int, "429 (default) or 420"),
    ("--retry-after", "retry_after_s", int, "add Retry-After: N seconds to rate-limit replies"),
    ("--daily-quota", "daily_quota", int, "after N requests answer 423 quota_limit_exceeded"),
    ("--error-ratio", "error_ratio", float, "share of requests answered with --error-status (0..1)"),
    ("--error-status", "error_status", int, "5xx status for --error-ratio (default 503)"),
    ("--error-as-200", "error_as_200", _switch, "1: send --error-ratio errors as HTTP 200 with error: true"),
    ("--drop-ratio", "drop_ratio", float, "share of requests whose connection is closed without reply"),
    ("--latency-ms", "latency_ms", int, "milliseconds added to every request"),
    ("--malformed-ratio", "malformed_ratio", float, "share of successful replies with a truncated JSON body"),
    ("--drift", "drift_per_page", int, "touch K conversations after each conversations list page"),
    ("--page-cycle", "page_cycle", int, "serve list page n as page ((n-1) mod K)+1: a list that never ends"),
    ("--hostile-values", "hostile_values", _switch, "1: plant lone surrogates, non-UTF-8 bytes, NaN, 2**70"),
    ("--fault-seed", "seed", int, "seed of the fault dice (default 0)"),
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sandboxes.crisp",
        description="Crisp REST API v1 emulator on 127.0.0.1.",
        epilog="Every undocumented behaviour it picks: sandboxes/crisp/assumptions.py.",
    )
    parser.add_argument("--port", type=int, default=8700, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--size", choices=list(SIZES), default="tiny")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--date-filter-field", choices=DATE_FILTER_FIELDS, default=DATE_FILTER_FIELD_DEFAULT)
    helpdesk = parser.add_argument_group("helpdesk")
    helpdesk.add_argument(
        "--helpdesk", choices=HELPDESK_MODES, default=HELPDESK_MODE_DEFAULT,
        help="which helpdesk routes answer: legacy (npm crisp-api 10.11), knowledge_base (11.x), both, "
        "neither (locales only) or none (no help center)",
    )  # fmt: skip
    helpdesk.add_argument("--article-list-content", action="store_true", help="article lists carry `content`")
    helpdesk.add_argument(
        "--uncategorized-articles", action="store_true",
        help="the last article of each locale has no category (its …/category route answers 404)",
    )  # fmt: skip
    lists = parser.add_argument_group("list order and paging (ordering.py)")
    lists.add_argument(
        "--order", action="append", default=[], metavar="FLAG=DIRECTION",
        help=f"sort direction of an order flag ({', '.join(ORDER_FLAGS)}): {', '.join(DIRECTIONS)}; "
        f"order_date_waiting also {LONGEST_WAITING_FIRST} (the docs' reading). Repeatable",
    )  # fmt: skip
    lists.add_argument("--misplaced", choices=MISPLACED, default=None,
                       help="list one conversation at the top of a page whatever the order")  # fmt: skip
    lists.add_argument("--misplaced-page", type=int, default=1, help="the page --misplaced puts it on")
    lists.add_argument("--fixed-page-size", type=int, default=FIXED_PAGE_SIZE,
                       help="page size of the lists without per_page (visitors, helpdesk)")  # fmt: skip
    lists.add_argument("--per-page-ignored", action="append", default=[], choices=PER_PAGE_ROUTES,
                       help="a per_page route that serves 20 whatever per_page asks. Repeatable")  # fmt: skip
    lists.add_argument("--per-page-cap", type=int, default=None,
                       help="the most items a page of a per_page route holds, whatever is asked")  # fmt: skip
    lists.add_argument("--people-sort", choices=PEOPLE_SORTS, default=HONOURED,
                       help="how people/profiles answers sort_field/sort_order")  # fmt: skip
    lists.add_argument("--children-keep-updated-at", dest="children_bump_updated_at", action="store_false",
                       help="new events, pages, files leave the conversation's updated_at")  # fmt: skip
    parser.add_argument(
        "--statistic-actions", default=",".join(CAMPAIGN_STATISTIC_ACTIONS), metavar="A,B",
        help="the campaign statistic actions Crisp knows (another answers 400)",
    )  # fmt: skip
    parser.add_argument(
        "--extra-statistic-action", default=None, metavar="ACTION",
        help="one more campaign statistic action Crisp has, counted and with rows",
    )  # fmt: skip
    parser.add_argument(
        "--plugin-scopes", default=None, metavar="S1,S2",
        help="the only scopes the plugin token carries (default: all); other routes answer 403 not_allowed",
    )  # fmt: skip
    faults = parser.add_argument_group("faults")
    for flag, name, kind, text in FAULT_FLAGS:
        faults.add_argument(flag, dest=name, type=kind, default=None, help=text)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chosen = {name: getattr(args, name) for _, name, _, _ in FAULT_FLAGS if getattr(args, name) is not None}
    started = time.perf_counter()
    try:
        sandbox = CrispSandbox(
            args.size, args.seed, args.port, Faults(**chosen), args.date_filter_field,
            helpdesk=args.helpdesk, article_list_content=args.article_list_content,
            uncategorized_articles=args.uncategorized_articles,
            order=parse_order(args.order), misplaced=args.misplaced, misplaced_page=args.misplaced_page,
            fixed_page_size=args.fixed_page_size, people_sort=args.people_sort,
            per_page_ignored=tuple(args.per_page_ignored), per_page_cap=args.per_page_cap,
            children_bump_updated_at=args.children_bump_updated_at,
            statistic_actions=tuple(a for a in args.statistic_actions.split(",") if a),
            extra_statistic_action=args.extra_statistic_action,
            plugin_scopes=None if args.plugin_scopes is None else args.plugin_scopes.split(","),
        ).start()  # fmt: skip
    except ValueError as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    ready_s = round(time.perf_counter() - started, 3)
    line = {
        "base_url": sandbox.base_url,
        "website_id": sandbox.website_id,
        "credentials": sandbox.credentials("plugin"),
        "size": args.size,
        "seed": args.seed,
        "start_seconds": ready_s,
    }
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
