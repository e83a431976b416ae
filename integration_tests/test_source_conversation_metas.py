"""conversation_metas (npm crisp-api 11 getConversationMetas, route `conversation/{session_id}/meta`), a
stream added as one row of the objects table: one row per conversation holding what the conversations
stream shows as its meta_* columns, at 1 request per conversation after the shared conversation list walk.
Beyond its known fields, its columns are those its own discovery sample showed (3 conversations: data_<key>
columns, unknown keys), while conversations sample a list page; `data` holds every key."""

from __future__ import annotations

import json

from sandboxes.crisp import CrispSandbox
from testing.source_runs import configure, discovered_catalog, run

PAGE_SIZE = 20  # 80 tiny conversations: 4 full list pages, then the empty page that ends the list


def test_each_conversation_has_one_meta_row_equal_to_its_meta_columns(tmp_path):
    with CrispSandbox(size="tiny", seed=7, port=0) as sandbox:
        config = sandbox.source_config(page_size=PAGE_SIZE)
        catalog = discovered_catalog(config)
        sandbox.reset_counts()
        result = run("read", tmp_path, config, configure(catalog, ["conversations", "conversation_metas"]))
        assert result.returncode == 0, result.errors
        truth = {c["session_id"]: c for c in sandbox.workspace.conversations()}
        assert sandbox.request_counts() == {
            "conversations": len(truth) // PAGE_SIZE + 1,  # walked once for both streams
            "conversation_metas": len(truth),
        }
    conversations = {record["session_id"]: record for record in result.records["conversations"]}
    metas = {record["session_id"]: record for record in result.records["conversation_metas"]}
    assert len(result.records["conversation_metas"]) == len(metas) == len(truth)
    schema = next(s for s in catalog["streams"] if s["name"] == "conversation_metas")["json_schema"]
    columns = set(schema["properties"]) - {"website_id", "session_id", "conversation_updated_at"}
    assert {"email", "device_geolocation_country", "data", "segments"} <= columns
    some_data = 0
    for session, meta in metas.items():
        listed = conversations[session]
        assert meta["conversation_updated_at"] == truth[session]["updated_at"]  # the copied cursor
        for name in columns:  # each column of its schema holds what the conversation's meta_ column holds
            assert meta.get(name) == listed.get(f"meta_{name}"), (session, name)
        if truth[session]["meta"].get("data"):
            some_data += 1
            assert json.loads(meta["data"]) == truth[session]["meta"]["data"]  # every key, sampled or not
    assert some_data, "the sandbox seeds custom data on some conversations"
