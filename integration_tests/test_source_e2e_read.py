"""End to end: `source-crisp discover` + full-refresh `read` of the tiny sandbox, every record compared with
the sandbox's ground truth. Expectations come from an independent path walk written here, not flatten.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandboxes.crisp import CrispSandbox
from testing.expected_records import column, expected, paths
from testing.source_runs import Run, configure, run

STREAMS = (
    "operators", "people_profiles", "people_data", "visitors", "conversations", "conversation_messages",
    "helpdesk_locales", "helpdesk_categories", "helpdesk_sections", "helpdesk_articles",
    "website", "website_settings", "website_availability", "operator_availabilities", "teams", "inboxes",
    "campaigns", "campaign_templates", "campaign_tags", "spam_conversations", "conversation_segments",
    "conversation_data_keys", "people_statistics", "people_segments", "people_data_keys",
    "people_event_names", "helpdesk", "helpdesk_settings", "helpdesk_redirections",
)  # fmt: skip
PRIMARY_KEYS = {
    "operators": ("user_id",), "people_profiles": ("people_id",), "people_data": ("people_id",),
    "visitors": ("session_id",), "conversations": ("session_id",),
    "conversation_messages": ("session_id", "fingerprint"), "helpdesk_locales": ("locale",),
    "helpdesk_categories": ("locale", "category_id"), "helpdesk_sections": ("locale", "section_id"),
    "helpdesk_articles": ("locale", "article_id"),
    "website": ("website_id",), "website_settings": ("website_id",), "website_availability": ("website_id",),
    "operator_availabilities": ("user_id",), "teams": ("team_id",), "inboxes": ("inbox_id",),
    "campaigns": ("campaign_id",), "campaign_templates": ("template_id",), "campaign_tags": ("tag",),
    "spam_conversations": ("spam_id",), "conversation_segments": ("segment",),
    "conversation_data_keys": ("key_name",),
    "people_statistics": ("website_id",), "people_segments": ("segment",), "people_data_keys": ("key_name",),
    "people_event_names": ("text",), "helpdesk": ("website_id",), "helpdesk_settings": ("website_id",),
    "helpdesk_redirections": ("redirection_id",),
}  # fmt: skip


class FullRead:
    def __init__(self, sandbox: CrispSandbox, catalog: dict[str, Any], result: Run) -> None:
        self.sandbox = sandbox
        self.types = {
            stream["name"]: {
                name: prop["type"][1] for name, prop in stream["json_schema"]["properties"].items()
            }
            for stream in catalog["streams"]
        }
        self.catalog = catalog
        self.result = result
        self.records = result.records


@pytest.fixture(scope="module")
def full_read(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FullRead]:
    tmp_path = tmp_path_factory.mktemp("source_full_read")
    with CrispSandbox(size="tiny", seed=7, port=0) as sandbox:
        config = sandbox.source_config(page_size=20)
        discovered = run("discover", tmp_path, config)
        catalog = next(m["catalog"] for m in discovered.messages if m["type"] == "CATALOG")
        result = run("read", tmp_path, config, configure(catalog, STREAMS))
        assert result.returncode == 0, result.errors
        yield FullRead(sandbox, catalog, result)


def ground_truth(sandbox: CrispSandbox) -> dict[str, list[dict[str, Any]]]:
    ws, website = sandbox.workspace, {"website_id": sandbox.website_id}
    locales = [locale["locale"] for locale in ws.helpdesk_locales()]
    categories = [(loc, c) for loc in locales for c in ws.helpdesk_categories(loc)]
    conversations = list(ws.conversations())
    own = ws.website_objects
    return {
        "website": [ws.website()],
        "website_settings": [
            # force_operator_token reads as a credential (`token`), so the source never emits it
            {
                **website,
                **own.settings,
                "inbox": {k: v for k, v in own.settings["inbox"].items() if "token" not in k},
            }
        ],
        "website_availability": [{**website, **own.availability}],
        "operator_availabilities": [{**website, **a} for a in own.operator_availabilities],
        "teams": [{**website, **t} for t in own.teams],
        "inboxes": [{**website, **i} for i in own.inboxes],
        "campaigns": [{**website, **c} for c in ws.campaigns.campaigns],
        "campaign_templates": [{**website, **t} for t in ws.campaigns.templates],
        "campaign_tags": [{**website, "tag": tag} for tag in ws.campaigns.tags],
        **{
            # a suggested data key's `key` is emitted as `key_name` (`key` reads as a credential)
            name: [
                {**website, **{"key_name" if k == "key" else k: v for k, v in item.items()}}
                for item in getattr(ws.suggestions, field)
            ]
            for name, field in (
                ("spam_conversations", "spams"),
                ("conversation_segments", "conversation_segments"),
                ("conversation_data_keys", "conversation_data_keys"),
                ("people_segments", "people_segments"),
                ("people_data_keys", "people_data_keys"),
                ("people_event_names", "people_events"),
            )
        },
        "people_statistics": [{**website, "total": ws.people.count}],
        "helpdesk": [{**website, "name": "Sandbox Café Help", "url": "https://help.example.com"}],
        "helpdesk_settings": [
            {
                **website,
                **own.helpdesk_settings,
                "access": {"restrict_mode": own.helpdesk_settings["access"]["restrict_mode"]},  # no secrets
            }
        ],
        "helpdesk_redirections": [{**website, **r} for r in own.helpdesk_redirections],
        "operators": [
            {
                **website,
                "type": op["type"],
                **{k: v for k, v in op["details"].items() if k not in ("identifier", "key")},
            }
            for op in ws.operators()
        ],
        "people_profiles": [{**website, **p} for p in ws.people_profiles()],
        "people_data": [
            {
                **website,
                "people_id": p["people_id"],
                "data": ws.people_data(p["people_id"]),
                "profile_updated_at": p["updated_at"],
            }
            for p in ws.people_profiles()
        ],
        "visitors": [{**website, **v} for v in ws.visitors()],
        "conversations": [{**website, **c} for c in conversations],
        "conversation_messages": [
            {**website, **m} for c in conversations for m in ws.messages(c["session_id"])
        ],
        "helpdesk_locales": [{**website, **loc} for loc in ws.helpdesk_locales()],
        "helpdesk_categories": [{**website, "locale": loc, **c} for loc, c in categories],
        "helpdesk_sections": [
            {**website, "locale": loc, "category_id": c["category_id"], **s}
            for loc, c in categories
            for s in ws.helpdesk_sections(loc, c["category_id"])
        ],
        "helpdesk_articles": [
            {**website, "locale": loc, **a, **ws.helpdesk.article_category[(loc, a["article_id"])]}
            for loc in locales
            for a in ws.helpdesk_articles(loc)
        ],
    }


def keyed(stream: str, records: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    return {tuple(record[key] for key in PRIMARY_KEYS[stream]): record for record in records}


# --- tests --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stream", STREAMS)
def test_every_record_equals_the_ground_truth(full_read: FullRead, stream: str):
    truth = ground_truth(full_read.sandbox)[stream]
    emitted = full_read.records[stream]
    assert len(emitted) == len(truth), "no duplicates, nothing missing"
    types = full_read.types[stream]
    want = {key: expected(raw, types, stream) for key, raw in keyed(stream, truth).items()}
    assert keyed(stream, emitted) == want


def test_every_documented_and_sampled_column_of_the_ground_truth_is_in_the_schema(full_read: FullRead):
    truth = ground_truth(full_read.sandbox)
    for stream in (
        "conversations",
        "conversation_messages",
        "people_profiles",
        "helpdesk_articles",
        "operators",
        "website",
        "website_settings",
        "website_availability",
        "operator_availabilities",
        "teams",
        "inboxes",
        "campaigns",
        "campaign_templates",
        "campaign_tags",
        "spam_conversations",
        "people_statistics",
        "people_event_names",
        "helpdesk_settings",
        "helpdesk_redirections",
    ):
        seen = {column(path) for raw in truth[stream] for path, value in paths(raw) if value is not None}
        custom = {name for name in seen - set(full_read.types[stream]) if "_data_" in f"_{name}"}
        assert seen - set(full_read.types[stream]) - custom == set(), stream


def test_messages_are_emitted_oldest_first_within_each_conversation(full_read: FullRead):
    by_conversation: dict[str, list[int]] = {}
    for message in full_read.records["conversation_messages"]:
        by_conversation.setdefault(message["session_id"], []).append(message["timestamp"])
    assert by_conversation
    assert all(stamps == sorted(stamps) for stamps in by_conversation.values())
    assert max(len(stamps) for stamps in by_conversation.values()) > 45  # a conversation that pages


def test_operators_never_carry_token_fields(full_read: FullRead):
    secrets = [
        op["details"][field]
        for op in full_read.sandbox.workspace.operators()
        for field in ("identifier", "key")
    ]
    for record in full_read.records["operators"]:
        assert not {"identifier", "key", "details_identifier", "details_key"} & set(record)
    assert not [secret for secret in secrets if secret in full_read.result.stdout]


def test_the_collision_is_kept_apart(full_read: FullRead):
    both = [r for r in full_read.records["conversations"] if "meta_device_timezone__2" in r]
    assert both, "the sandbox plants a few meta.device_timezone keys"
    assert all(isinstance(r["meta_device_timezone"], int) for r in both)
    assert all(isinstance(r["meta_device_timezone__2"], str) for r in both)


def test_full_refresh_costs_the_list_floor(full_read: FullRead, tmp_path: Path):
    sandbox = full_read.sandbox
    sandbox.reset_counts()
    result = run(
        "read", tmp_path, sandbox.source_config(page_size=20), configure(full_read.catalog, ["conversations"])
    )
    conversations = len(result.records["conversations"])
    floor = -(-conversations // 20)
    # Full pages cannot tell "more" from "done": an exact multiple costs one extra (empty) page.
    assert sandbox.request_counts() == {"conversations": floor + (conversations % 20 == 0)}


def test_streams_without_a_cursor_asked_for_incremental_are_read_in_full_every_time(
    full_read: FullRead, tmp_path: Path
):
    # PyAirbyte asks every stream for incremental; live snapshots and cursor-less children must still sync.
    streams = [
        "operators", "people_data", "visitors", "helpdesk_locales", "website", "website_settings",
        "website_availability", "operator_availabilities", "campaign_tags",
    ]  # fmt: skip
    catalog = configure(full_read.catalog, streams)
    for configured in catalog["streams"]:
        configured["sync_mode"] = "incremental"
    sandbox = full_read.sandbox
    first = run("read", tmp_path, sandbox.source_config(), catalog)
    second = run("read", tmp_path, sandbox.source_config(), catalog, first.last_states())
    truth = {
        "operators": len(sandbox.workspace.operators()),
        "people_data": len(sandbox.workspace.people_profiles()),
        "visitors": len(sandbox.workspace.visitors()),
        "helpdesk_locales": len(sandbox.workspace.helpdesk_locales()),
        "website": 1,
        "website_settings": 1,
        "website_availability": 1,
        "operator_availabilities": len(sandbox.workspace.website_objects.operator_availabilities),
        "campaign_tags": len(sandbox.workspace.campaigns.tags),
    }
    for result in (first, second):
        assert result.errors == []
        assert {name: len(result.records.get(name, [])) for name in streams} == truth
