"""`check` proves the token and every scope write needs without writing, and says exactly what is wrong."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import requests_mock as rm
from airbyte_cdk.models import Status

from destination_convot import DestinationConvot
from destination_convot.client import Pacing

BASE = "http://127.0.0.1:9/v1"
TOKEN = "ck_app:s3cr3t-token"
NO_CONVERSATION = f"{BASE}/conversations/00000000-0000-0000-0000-000000000000/messages"
READS = [f"{BASE}/contacts", f"{BASE}/conversations", NO_CONVERSATION, f"{BASE}/helpdesk/articles"]
WRITES = [f"{BASE}/contacts", f"{BASE}/conversations", NO_CONVERSATION, f"{BASE}/helpdesk/articles"]


def envelope(status: int, code: str, message: str) -> dict:
    return {"status_code": status, "json": {"error": {"code": code, "message": message}}}


def convot_with(mocker: rm.Mocker, missing: tuple[str, ...] = ()) -> None:
    """A fake Convot that answers probes like the real one: 403 for a missing scope, else 404/400/200."""
    scopes = ["contacts:read", "conversations:read", "messages:read", "helpdesk:read"]
    for url, scope in zip(READS, scopes, strict=True):
        ok = envelope(404, "not_found", "nope") if url == NO_CONVERSATION else {"json": {"x": [], "meta": {}}}
        mocker.get(url, **(envelope(403, "forbidden", f"lacks {scope}") if scope in missing else ok))
    for path in ("/helpdesk/languages", "/helpdesk/categories"):  # read by the guess probes only
        mocker.get(f"{BASE}{path}", json={"x": [], "meta": {}})
    for url, scope in zip(WRITES, [s.replace("read", "write") for s in scopes], strict=True):
        mocker.post(
            url,
            **(
                envelope(403, "forbidden", f"lacks {scope}")
                if scope in missing
                else envelope(400, "bad_request", "x")
            ),
        )


def check(tmp_path: Path, **overrides: object):
    config = {
        "api_url": BASE,
        "api_token": TOKEN,
        "ledger_path": str(tmp_path / "ledger.sqlite"),
        **overrides,
    }
    return DestinationConvot(pacing=Pacing(scale=0)).check(logging.getLogger("test"), config)


def test_check_succeeds_with_every_scope_and_creates_nothing(
    requests_mock: rm.Mocker, tmp_path: Path
) -> None:
    convot_with(requests_mock)
    assert check(tmp_path).status == Status.SUCCEEDED
    posts = [r for r in requests_mock.request_history if r.method == "POST"]
    assert len(posts) == 4
    assert all(json.loads(r.body) == {} for r in posts)  # empty bodies: Convot can only refuse them


def test_check_names_every_missing_scope(requests_mock: rm.Mocker, tmp_path: Path) -> None:
    convot_with(requests_mock, missing=("messages:write", "helpdesk:read"))
    status = check(tmp_path)
    assert status.status == Status.FAILED
    assert "lacks the scope(s) helpdesk:read, messages:write" in status.message


def test_check_with_a_bad_token_says_so_without_echoing_it(requests_mock: rm.Mocker, tmp_path: Path) -> None:
    requests_mock.register_uri(rm.ANY, rm.ANY, **envelope(401, "unauthorized", "Invalid API key"))
    status = check(tmp_path)
    assert status.status == Status.FAILED
    assert "Convot rejected the API token (401 unauthorized)" in status.message
    assert "s3cr3t" not in status.message


def test_check_reports_an_unreachable_convot(requests_mock: rm.Mocker, tmp_path: Path) -> None:
    requests_mock.register_uri(rm.ANY, rm.ANY, status_code=503)
    status = check(tmp_path)
    assert status.status == Status.FAILED
    assert f"Could not reach Convot at api_url {BASE}" in status.message


def test_check_reports_a_malformed_token_as_a_config_error(tmp_path: Path) -> None:
    status = check(tmp_path, api_token="s3cr3t-token")
    assert status.status == Status.FAILED
    assert status.message.startswith("api_token:")
    assert "s3cr3t" not in status.message


def test_check_reports_a_ledger_path_that_cannot_be_created(requests_mock: rm.Mocker, tmp_path: Path) -> None:
    convot_with(requests_mock)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    status = check(tmp_path, ledger_path=str(blocker / "sub" / "ledger.sqlite"))
    assert status.status == Status.FAILED
    assert status.message.startswith("ledger_path:")
    assert "/local" in status.message
