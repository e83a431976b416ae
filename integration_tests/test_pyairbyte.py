"""PyAirbyte runs both connectors as local executables: Crisp sandbox -> DuckDB cache -> Convot sandbox.

This is how a developer uses the pair from a notebook or a script. PyAirbyte speaks the Airbyte protocol to
the console scripts (`spec`, `discover`, `read`, `write` as subprocesses), types the cache from the discovered
schemas, and replays the cached records into the destination. Expectations come from the Crisp sandbox's
ground truth, never from the connectors' own code.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from demo import local_registry
from sandboxes.crisp import CrispSandbox
from testing import airbyte_logger

BIN_DIR = Path(sys.executable).parent

# Column -> the DuckDB type each of the four discovered column types lands as in PyAirbyte's cache: long ->
# BIGINT, string -> VARCHAR, boolean -> BOOLEAN, double -> DECIMAL(38,9) (PyAirbyte's type for JSON numbers).
EXPECTED_COLUMN_TYPES = {
    "conversations": {
        "session_id": "VARCHAR",
        "created_at": "BIGINT",
        "updated_at": "BIGINT",
        "is_blocked": "BOOLEAN",
        "meta_device_geolocation_coordinates_latitude": "DECIMAL(38,9)",
        "meta_segments": "VARCHAR",
        "unread_visitor": "BIGINT",
    },
    "conversation_messages": {"fingerprint": "BIGINT", "timestamp": "BIGINT", "from": "VARCHAR"},
    "people_profiles": {"people_id": "VARCHAR", "created_at": "BIGINT"},
}

# Crisp message -> the Convot message type the destination contract maps it to.
CONVOT_MESSAGE_TYPE = {"note": "note", "user": "incoming", "operator": "outgoing"}

# PyAirbyte's Google dependencies warn about Python 3.11's end of life when they are imported. One xdist
# worker runs the module: the read into the cache, shared below, costs half a minute.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.xdist_group("pyairbyte"),
]


@pytest.fixture(scope="module")
def ab(tmp_path_factory):
    """PyAirbyte, offline (no registry, no telemetry) and with every file it writes under a temp dir.

    PyAirbyte reads these variables once, when it is first imported, so they are set before the import.
    """
    home = tmp_path_factory.mktemp("pyairbyte")
    with pytest.MonkeyPatch.context() as env, airbyte_logger.restored():
        env.setenv("AIRBYTE_OFFLINE_MODE", "1")
        env.setenv("DO_NOT_TRACK", "1")
        env.setenv("AIRBYTE_PROJECT_DIR", str(home))
        env.setenv("AIRBYTE_LOGGING_ROOT", str(home / "logs"))
        airbyte = importlib.import_module("airbyte")
        assert airbyte.constants.AIRBYTE_OFFLINE_MODE, "airbyte was imported before offline mode was set"
        yield airbyte


@pytest.fixture(scope="module")
def crisp():
    """One tiny Crisp workspace for the module: the read below is shared by every test."""
    with CrispSandbox(size="tiny", seed=7, port=0) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def read_result(ab, crisp, tmp_path_factory):
    source = ab.get_source(
        "source-crisp",
        config=crisp.source_config(),
        local_executable=str(BIN_DIR / "source-crisp"),
        streams="*",
    )
    cache = ab.DuckDBCache(db_path=tmp_path_factory.mktemp("cache") / "pyairbyte.duckdb", schema_name="crisp")
    # PyAirbyte's default: every stream incremental, including those without a cursor (operators, visitors,
    # people_data, helpdesk_locales), which source-crisp then reads in full.
    return source.read(cache=cache)


def crisp_ground_truth(workspace) -> dict[str, int]:
    conversations = list(workspace.conversations())
    locales = [locale["locale"] for locale in workspace.helpdesk_locales()]
    categories = {locale: workspace.helpdesk_categories(locale) for locale in locales}
    return {
        "operators": len(workspace.operators()),
        "people_profiles": len(list(workspace.people_profiles())),
        "conversations": len(conversations),
        "conversation_messages": sum(len(workspace.messages(c["session_id"])) for c in conversations),
        "helpdesk_locales": len(locales),
        "helpdesk_categories": sum(len(found) for found in categories.values()),
        "helpdesk_sections": sum(
            len(workspace.helpdesk_sections(locale, category["category_id"]))
            for locale, found in categories.items()
            for category in found
        ),
        "helpdesk_articles": sum(len(workspace.helpdesk_articles(locale)) for locale in locales),
    }


def test_read_into_duckdb_cache_has_every_record_with_typed_columns(read_result, crisp):
    cache = read_result.cache
    for stream, expected in crisp_ground_truth(crisp.workspace).items():
        table = cache.processor.get_sql_table_name(stream)
        count = cache.run_sql_query(f"SELECT COUNT(*) AS n FROM crisp.{table}")[0]["n"]
        assert count == expected, f"{stream}: {count} rows in the cache, the Crisp workspace holds {expected}"

    for stream, expected_types in EXPECTED_COLUMN_TYPES.items():
        table = cache.processor.get_sql_table_name(stream)
        rows = cache.run_sql_query(
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_schema = 'crisp' AND table_name = '{table}'"
        )
        types = {row["column_name"]: row["data_type"] for row in rows}
        assert {column: types.get(column) for column in expected_types} == expected_types, stream


def test_cached_values_match_the_crisp_workspace(read_result, crisp):
    conversation = next(
        c for c in crisp.workspace.conversations()
        if c["meta"].get("email") and c["meta"].get("device", {}).get("geolocation", {}).get("coordinates")
    )
    row = read_result.cache.run_sql_query(
        "SELECT meta_email, created_at, state, "
        "CAST(meta_device_geolocation_coordinates_latitude AS DOUBLE) AS latitude "
        f"FROM crisp.conversations WHERE session_id = '{conversation['session_id']}'"
    )
    latitude = conversation["meta"]["device"]["geolocation"]["coordinates"]["latitude"]
    assert row == [{
        "meta_email": conversation["meta"]["email"],
        "created_at": conversation["created_at"],
        "state": conversation["state"],
        "latitude": pytest.approx(latitude),
    }]


def test_write_from_the_cache_recreates_the_workspace(ab, read_result, crisp, convot_sandbox, tmp_path):
    destination = ab.get_destination(
        "destination-convot",
        config=convot_sandbox.destination_config(ledger_path=str(tmp_path / "ledger.sqlite")),
        local_executable=str(BIN_DIR / "destination-convot"),
    )
    destination.write(read_result)

    workspace = crisp.workspace
    convot = convot_sandbox.dump()

    # Contacts: every Crisp profile, found by its Crisp id.
    external_ids = {contact["external_id"] for contact in convot["contacts"]}
    assert {f"crisp:{p['people_id']}" for p in workspace.people_profiles()} <= external_ids

    # Conversations: each Crisp conversation with something to write, its thread in order, types mapped.
    expected_threads = {}
    for conversation in workspace.conversations():
        thread = [
            CONVOT_MESSAGE_TYPE["note" if m["type"] == "note" else m["from"]]
            for m in workspace.messages(conversation["session_id"])
            if m["type"] != "event"
        ]
        if thread:
            expected_threads[f"crisp:{conversation['session_id']}"] = thread
    written_threads = {c["external_id"]: [m["type"] for m in c["messages"]] for c in convot["conversations"]}
    assert written_threads == expected_threads

    # Help center: one language per locale, every article by title.
    locales = [locale["locale"] for locale in workspace.helpdesk_locales()]
    assert sorted(language["locale"] for language in convot["helpdesk_languages"]) == sorted(locales)
    crisp_titles = Counter(
        (locale, article["title"]) for locale in locales for article in workspace.helpdesk_articles(locale)
    )
    convot_titles = Counter((article["locale"], article["title"]) for article in convot["helpdesk_articles"])
    assert convot_titles == crisp_titles


# A user's script: both connectors by name only. PyAirbyte resolves the names in the registry file the repo
# generates (AIRBYTE_LOCAL_REGISTRY) and runs the console scripts on PATH. airbyte.validate.full_tests is what
# `airbyte-lib-validate-source` checks once it has installed the connector (spec, check, discover, a read).
BY_NAME = """
import json, sys
import airbyte as ab
import airbyte.validate
from airbyte.registry import get_connector_metadata
source_config, destination_config = sys.argv[1], json.loads(sys.argv[2])
airbyte.validate.full_tests("source-crisp", source_config)
ab.get_destination("destination-convot", config=destination_config).check()
print("resolved", get_connector_metadata("source-crisp").definition_id,
      get_connector_metadata("destination-convot").definition_id)
"""


def test_both_connectors_resolve_by_name_offline_from_the_local_registry(crisp, convot_sandbox, tmp_path):
    registry = local_registry.write(tmp_path / "registry.json")
    source_config = tmp_path / "source_config.json"
    source_config.write_text(json.dumps(crisp.source_config()))
    destination_config = convot_sandbox.destination_config(ledger_path=str(tmp_path / "ledger.sqlite"))
    unreachable = "http://127.0.0.1:9"  # any request leaving loopback fails: no registry, no telemetry
    env = os.environ | {
        "AIRBYTE_LOCAL_REGISTRY": str(registry),
        "PATH": f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}",
        "DO_NOT_TRACK": "1",
        "AIRBYTE_PROJECT_DIR": str(tmp_path),
        "AIRBYTE_LOGGING_ROOT": str(tmp_path / "logs"),
        "HTTP_PROXY": unreachable, "HTTPS_PROXY": unreachable, "NO_PROXY": "127.0.0.1,localhost",
    }
    env.pop("AIRBYTE_OFFLINE_MODE", None)  # offline mode would switch the registry off altogether
    result = subprocess.run(
        [sys.executable, "-c", BY_NAME, str(source_config), json.dumps(destination_config)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    listed = local_registry.registry()
    definition_ids = [listed[kind][0][f"{kind[:-1]}DefinitionId"] for kind in ("sources", "destinations")]
    assert f"resolved {definition_ids[0]} {definition_ids[1]}" in result.stdout
    # PyAirbyte's console wraps at 80 columns: where (even whether) the line breaks depends on the path of
    # the checkout, so compare with all whitespace removed.
    expected = f"Using local `source-crisp` executable: {BIN_DIR / 'source-crisp'}"
    assert "".join(expected.split()) in "".join(result.stderr.split())
    assert "Connection check succeeded for `destination-convot`" in result.stderr
