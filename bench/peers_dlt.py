"""dlt's `rest_api` source reading the Crisp sandbox into DuckDB: the dlt contender of bench/peers.py.

Runs in the separate venv bench/peers.py makes (dlt is not a project dependency), so it imports only dlt and
the standard library. Prints one JSON line: rows per table and dlt's extract worker count.

    <dlt venv>/bin/python bench/peers_dlt.py SANDBOX_INFO_JSON WORKDIR [--parallelized]

The resources walk the same pages and per-item routes as the sequential floor of bench/peers.py: the
conversations list and each conversation's messages, the profiles list and each profile's data, the helpdesk
locales, each locale's article list and, per article, the article and its category.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")  # loopback only: no telemetry calls home

import dlt
from dlt.sources.helpers.rest_client.paginators import BasePaginator, SinglePagePaginator
from dlt.sources.rest_api import rest_api_source

PAGE = 50  # the per_page of bench/peers.py's other contenders


class PageInPath(BasePaginator):
    """Crisp's paging: the page number is the last path segment (`/conversations/2`). A list sized by
    `per_page` ends on a shorter page; a list the server pages by itself ends on an empty page."""

    def __init__(self, per_page: int | None = None) -> None:
        super().__init__()
        self.per_page, self.page, self.base = per_page, 1, ""

    def init_request(self, request: Any) -> None:
        self.base, self.page = request.url.rstrip("/"), 1
        request.url = f"{self.base}/1"

    def update_state(self, response: Any, data: list | None = None) -> None:
        short = not data or (self.per_page is not None and len(data) < self.per_page)
        self._has_next_page = not short
        self.page += 1

    def update_request(self, request: Any) -> None:
        request.url = f"{self.base}/{self.page}"


class MessageWalk(BasePaginator):
    """Crisp's message batches: 206 while older messages remain, then `timestamp_before` the oldest seen."""

    def __init__(self) -> None:
        super().__init__()
        self.before: int | None = None

    def update_state(self, response: Any, data: list | None = None) -> None:
        self._has_next_page = response.status_code == 206 and bool(data)
        if self._has_next_page:
            self.before = min(message["timestamp"] for message in data)

    def update_request(self, request: Any) -> None:
        request.params = {**(request.params or {}), "timestamp_before": self.before}


def resolve(resource: str, field: str) -> dict[str, str]:
    return {"type": "resolve", "resource": resource, "field": field}


def crisp_config(info: dict[str, Any], parallelized: bool) -> dict[str, Any]:
    credentials = info["credentials"]
    per_item = {"parallelized": parallelized}  # only the per-parent resources: lists stay sequential walks
    locale = resolve("helpdesk_article_list", "_helpdesk_locales_locale")
    article = {"locale": locale, "article_id": resolve("helpdesk_article_list", "article_id")}
    return {
        "client": {
            "base_url": f"{info['base_url']}/website/{info['website_id']}/",
            "auth": {"type": "http_basic", "username": credentials["identifier"],
                     "password": credentials["key"]},
            "headers": {"X-Crisp-Tier": credentials["tier"]},
        },
        "resource_defaults": {"write_disposition": "replace", "endpoint": {"data_selector": "data"}},
        "resources": [
            {"name": "conversations", "primary_key": "session_id", "endpoint": {
                "path": "conversations", "paginator": PageInPath(PAGE),
                "params": {"per_page": PAGE, "include_empty": 1, "order_date_created": 1}}},
            {"name": "conversation_messages", **per_item, "endpoint": {
                "path": "conversation/{session_id}/messages", "paginator": MessageWalk(),
                "params": {"session_id": resolve("conversations", "session_id")}}},
            {"name": "people_profiles", "primary_key": "people_id", "endpoint": {
                "path": "people/profiles", "paginator": PageInPath(PAGE), "params": {"per_page": PAGE}}},
            {"name": "people_data", **per_item, "endpoint": {
                "path": "people/data/{people_id}", "paginator": SinglePagePaginator(),
                "params": {"people_id": resolve("people_profiles", "people_id")}}},
            {"name": "helpdesk_locales", "endpoint": {"path": "helpdesk/locales", "paginator": PageInPath()}},
            # the article list only feeds the two per-article routes, as in source-crisp's enrichment
            {"name": "helpdesk_article_list", "selected": False, "include_from_parent": ["locale"],
             "endpoint": {"path": "helpdesk/locale/{locale}/articles", "paginator": PageInPath(),
                          "params": {"locale": resolve("helpdesk_locales", "locale")}}},
            {"name": "helpdesk_articles", **per_item, "endpoint": {
                "path": "helpdesk/locale/{locale}/article/{article_id}", "paginator": SinglePagePaginator(),
                "params": article}},
            {"name": "helpdesk_article_categories", **per_item, "include_from_parent": ["article_id"],
             "endpoint": {"path": "helpdesk/locale/{locale}/article/{article_id}/category",
                          "paginator": SinglePagePaginator(), "params": article}},
        ],
    }  # fmt: skip


def main() -> None:
    info, workdir, parallelized = json.loads(sys.argv[1]), sys.argv[2], "--parallelized" in sys.argv[3:]
    pipeline = dlt.pipeline(
        pipeline_name="crisp_peers", pipelines_dir=os.path.join(workdir, "pipelines"), dataset_name="crisp",
        destination=dlt.destinations.duckdb(os.path.join(workdir, "peers.duckdb")),
    )  # fmt: skip
    pipeline.run(rest_api_source(crisp_config(info, parallelized)))
    trace = pipeline.last_trace
    rows = trace.last_normalize_info.row_counts
    steps = {s.step: round((s.finished_at - s.started_at).total_seconds(), 2) for s in trace.steps}
    workers = dlt.config.get("extract.workers", int) or "default"
    print(json.dumps({"rows": {table: n for table, n in rows.items() if not table.startswith("_dlt")},
                      "extract_workers": workers, "step_seconds": steps}))  # fmt: skip


if __name__ == "__main__":
    main()
