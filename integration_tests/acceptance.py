"""acceptance-test-config.yml, read as the connector acceptance tests (CAT) read it, and aimed at a sandbox.

Airbyte's CI fills `secrets/` from its secret store and runs the file against the real API. `make test` runs
the same entries against the Crisp sandbox instead: every config the file names is written under
.tmp/acceptance/ (git-ignored; a folder per pytest-xdist worker: testing/generated_files.py), the `secrets/`
ones as the sandbox's working config, the committed ones (the invalid configs) with the sandbox's `api_url`,
so they fail there as they would against Crisp. A user's own `secrets/` is never read or written.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from airbyte_cdk.models import ConfiguredAirbyteCatalog, ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.test.models.scenario import REMOVED_ENTRY_KEYS

from testing.generated_files import generated_dir

ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = ROOT / "acceptance-test-config.yml"
LOCAL_CONFIGS = generated_dir("acceptance")
SECRETS = Path("secrets")

# Keys of CAT that the CDK's standard tests reject (they do not run those checks); test_source_acceptance.py
# runs them, and test_every_cat_key_in_the_file_is_enforced keeps this list honest.
ENFORCED_BY_THE_ACCEPTANCE_SUITE = frozenset({"expect_records", "fail_on_extra_columns"})


def load() -> dict[str, Any]:
    return yaml.safe_load(CONFIG_FILE.read_text())


def entries(section: str) -> list[dict[str, Any]]:
    return list(load()["acceptance_tests"].get(section, {}).get("tests", []))


def all_entries() -> Iterator[tuple[str, dict[str, Any]]]:
    for section, body in load()["acceptance_tests"].items():
        for entry in body.get("tests", []):
            yield section, entry


def local_config_path(config_path: str) -> Path:
    """Where the stand-in for `config_path` goes: secrets/x.json → .tmp/acceptance/sandbox/x.json."""
    relative = Path(config_path)
    if relative.parts[:1] == SECRETS.parts:
        relative = Path("sandbox", *relative.parts[1:])  # not named secrets/: it holds no secret
    return LOCAL_CONFIGS / relative


def write_local_configs(sandbox_config: Mapping[str, Any]) -> None:
    """Every config the file names, pointed at the sandbox whose working config is `sandbox_config`."""
    for _, entry in all_entries():
        config_path = entry.get("config_path")
        if not config_path:
            continue
        if Path(config_path).parts[:1] == SECRETS.parts:
            config = dict(sandbox_config)
        else:
            config = json.loads((ROOT / config_path).read_text()) | {"api_url": sandbox_config["api_url"]}
        target = local_config_path(config_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(config))


def local_config(config_path: str) -> dict[str, Any]:
    return json.loads(local_config_path(config_path).read_text())


def for_the_standard_tests() -> dict[str, Any]:
    """The file as the CDK's standard tests accept it: the keys they reject (and do not run) dropped, since
    the acceptance suite runs them, and config paths aimed at the local configs."""
    config = copy.deepcopy(load())
    for body in config["acceptance_tests"].values():
        for entry in body.get("tests", []):
            for key in ENFORCED_BY_THE_ACCEPTANCE_SUITE:
                entry.pop(key, None)
            if entry.get("config_path"):
                entry["config_path"] = str(local_config_path(entry["config_path"]))
    return config


def rejected_by_the_standard_tests() -> set[str]:
    """The CAT keys the file sets that the CDK's standard tests would refuse to collect."""
    return {key for _, entry in all_entries() for key in entry if key in REMOVED_ENTRY_KEYS}


def configured_catalog(path: str, discovered: Mapping[str, Mapping[str, Any]]) -> ConfiguredAirbyteCatalog:
    """The catalog file with each stream's discovered schema, as CAT builds it from a custom catalog."""
    raw = json.loads((ROOT / path).read_text())
    for stream in raw["streams"]:
        stream["stream"]["json_schema"] = discovered[stream["stream"]["name"]]
    return ConfiguredAirbyteCatalogSerializer.load(raw)


def expected_records(path: str) -> dict[str, list[dict[str, Any]]]:
    by_stream: dict[str, list[dict[str, Any]]] = {}
    for line in (ROOT / path).read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            by_stream.setdefault(record["stream"], []).append(record["data"])
    return by_stream


def future_state(path: str) -> list[dict[str, Any]]:
    return json.loads((ROOT / path).read_text())
