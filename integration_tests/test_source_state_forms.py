"""Every form of `--state` file Airbyte sends, through the real `source-crisp read` command (issue 18, C.8):
each is read (records and exit code prove the state was applied), or refused as a config error naming it."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from testing.source_runs import (
    SOURCE_CRISP,
    _parse,
    _write,
    configure,
    discovered_catalog,
    run,
)


@pytest.fixture
def conversations_read(crisp_sandbox, tmp_path):
    """(config, catalog, reference): a conversations-only incremental read, and a state value that leaves
    exactly the conversations updated after it."""
    config = crisp_sandbox.source_config()
    catalog = configure(discovered_catalog(config), ["conversations"], incremental=True)
    stamps = sorted(c["updated_at"] for c in crisp_sandbox.workspace.conversations())
    return config, catalog, stamps[-4]  # three conversations are newer


def stream_message(state: dict[str, Any], typed: bool = True) -> dict[str, Any]:
    message = {"stream": {"stream_descriptor": {"name": "conversations"}, "stream_state": state}}
    return {"type": "STREAM", **message} if typed else message


FORMS = {
    "legacy dict": lambda s: {"conversations": s},
    "LEGACY message": lambda s: [{"type": "LEGACY", "data": {"conversations": s}}],
    "untyped legacy message": lambda s: [{"data": {"conversations": s}}],
    "STREAM message": lambda s: [stream_message(s)],
    "STREAM message without type": lambda s: [stream_message(s, typed=False)],
    "one STREAM message, not in a list": lambda s: stream_message(s),
    "GLOBAL without shared_state": lambda s: [
        {"type": "GLOBAL", "global": {"stream_states": [stream_message(s)["stream"]]}}
    ],
}


@pytest.mark.parametrize("form", FORMS)
def test_every_accepted_state_form_is_applied(crisp_sandbox, tmp_path, conversations_read, form):
    config, catalog, reference = conversations_read
    result = run("read", tmp_path, config, catalog, FORMS[form]({"updated_at": reference}))
    assert result.returncode == 0, result.errors
    newer = {c["session_id"] for c in crisp_sandbox.workspace.conversations() if c["updated_at"] > reference}
    assert {c["session_id"] for c in result.records["conversations"]} == newer
    assert len(newer) == 3


@pytest.mark.parametrize("empty", [None, {}, []])
def test_an_empty_state_reads_everything(crisp_sandbox, tmp_path, conversations_read, empty):
    config, catalog, _ = conversations_read
    result = run("read", tmp_path, config, catalog, empty)
    assert result.returncode == 0, result.errors
    assert len(result.records["conversations"]) == len(crisp_sandbox.workspace.conversations())


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ({"conversations": 17}, "stream 'conversations'"),
        ([{"type": "GLOBAL", "global": {"shared_state": {"x": 1}, "stream_states": []}}], "shared_state"),
        ([{"type": "STREAM", "stream": {"stream_state": {}}}], "stream_descriptor.name"),
        ([42], "state message #1"),
        ("updated_at", "the state file"),
    ],
)
def test_a_state_it_cannot_read_is_a_config_error_naming_it(tmp_path, conversations_read, content, named):
    config, catalog, _ = conversations_read
    result = run("read", tmp_path, config, catalog, content)
    assert result.returncode != 0
    assert not result.records
    assert len(result.errors) == 1, result.errors
    assert named in result.errors[0]
    trace = next(m["trace"] for m in result.messages if m["type"] == "TRACE")
    assert trace["error"]["failure_type"] == "config_error"


def test_a_state_file_that_is_not_json_is_a_config_error(tmp_path, conversations_read):
    config, catalog, _ = conversations_read
    (tmp_path / "broken.json").write_text("{not json")
    config_path, catalog_path = (
        _write(tmp_path, "config.json", config),
        _write(tmp_path, "catalog.json", catalog),
    )
    args = [
        SOURCE_CRISP,
        "read",
        "--config",
        config_path,
        "--catalog",
        catalog_path,
        "--state",
        str(tmp_path / "broken.json"),
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    messages = list(_parse(done.stdout.splitlines()))
    assert done.returncode != 0
    errors = [m["trace"]["error"] for m in messages if m["type"] == "TRACE"]
    assert errors
    assert errors[0]["failure_type"] == "config_error"
    assert "not valid JSON" in errors[0]["message"]
