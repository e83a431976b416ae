"""A connector registry file for PyAirbyte, written from the two metadata files and specs.

PyAirbyte looks a connector name up in Airbyte's online registry, or in the file `AIRBYTE_LOCAL_REGISTRY`
names (airbyte/registry.py). With this file, `ab.get_source("source-crisp", …)` and
`ab.get_destination("destination-convot", …)` resolve offline, and run the console scripts the
distribution installs on PATH (neither connector is on PyPI yet):

    python -m demo.local_registry .tmp/registry.json
    export AIRBYTE_LOCAL_REGISTRY=$PWD/.tmp/registry.json

Each entry has the shape of Airbyte's registry (ConnectorRegistryV0: the metadata's `data` under registry
names, the spec, the icon); unit_tests/test_local_registry.py validates it against that schema.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONNECTORS = {
    # metadata file, spec file
    "source-crisp": (ROOT / "metadata.yaml", ROOT / "source_crisp" / "spec.json"),
    "destination-convot": (
        ROOT / "destination_convot" / "metadata.yaml",
        ROOT / "destination_convot" / "spec.json",
    ),
}
# Keys the registry carries over from metadata's `data` unchanged.
SHARED_KEYS = (
    "name", "dockerRepository", "dockerImageTag", "documentationUrl", "releaseStage", "supportLevel",
    "releaseDate", "allowedHosts", "maxSecondsBetweenMessages", "tags", "ab_internal",
)
SOURCE_ONLY_KEYS = ("suggestedStreams",)


def registry_entry(metadata_file: Path, spec_file: Path) -> tuple[str, dict[str, Any]]:
    """("sources" or "destinations", the entry), as Airbyte's registry would list the connector."""
    data = yaml.safe_load(metadata_file.read_text())["data"]
    kind = data["connectorType"]
    entry: dict[str, Any] = {key: data[key] for key in SHARED_KEYS if key in data}
    entry[f"{kind}DefinitionId"] = data["definitionId"]
    entry["spec"] = json.loads(spec_file.read_text())
    entry["language"] = next(tag.split(":", 1)[1] for tag in data["tags"] if tag.startswith("language:"))
    entry |= {"public": True, "custom": False, "tombstone": False}
    if "icon" in data:
        entry["icon"] = (metadata_file.parent / data["icon"]).read_text()
    if kind == "source":
        entry["sourceType"] = data["connectorSubtype"]
        entry |= {key: data[key] for key in SOURCE_ONLY_KEYS if key in data}
    return f"{kind}s", entry


def registry() -> dict[str, list[dict[str, Any]]]:
    listed: dict[str, list[dict[str, Any]]] = {"sources": [], "destinations": []}
    for metadata_file, spec_file in CONNECTORS.values():
        section, entry = registry_entry(metadata_file, spec_file)
        listed[section].append(entry)
    return listed


def write(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(registry(), indent=2, ensure_ascii=False) + "\n")
    return path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m demo.local_registry PATH", file=sys.stderr)
        return 2
    print(write(Path(argv[0])).resolve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
