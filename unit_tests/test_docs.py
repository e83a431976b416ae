"""Both connector pages follow the shape of Airbyte's connector docs (the registry renders them, and the
metadata validator reads the sync-mode table of a destination's page)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "source-crisp": ("Crisp", ROOT / "metadata.yaml"),
    "destination-convot": ("Convot", ROOT / "destination_convot" / "metadata.yaml"),
}
SYNC_MODES = (
    "Full Refresh - Overwrite",
    "Full Refresh - Append",
    "Full Refresh - Overwrite + Deduped",
    "Incremental Sync - Append",
    "Incremental Sync - Append + Deduped",
)


def page(connector: str) -> str:
    return (ROOT / "docs" / f"{connector}.md").read_text()


@pytest.mark.parametrize("connector", sorted(PAGES))
def test_setup_guide_has_the_two_airbyte_sections(connector):
    headings = re.findall(r"^#+ (.+)$", page(connector), re.MULTILINE)
    assert f"Set up {PAGES[connector][0]}" in headings
    assert "Set up the connector in Airbyte" in headings


@pytest.mark.parametrize("connector", sorted(PAGES))
def test_sync_mode_table_names_the_five_standard_modes(connector):
    table = page(connector).split("| Sync mode | Supported |", 1)
    assert len(table) == 2, "no `| Sync mode | Supported |` table"
    rows = re.findall(r"^\| \[?([^]|]+?)\]?(?:\([^)]*\))? \| (Yes|No) \|$", table[1], re.MULTILINE)
    assert [name for name, _ in rows[: len(SYNC_MODES)]] == list(SYNC_MODES)


@pytest.mark.parametrize("connector", sorted(PAGES))
def test_page_has_a_data_type_map(connector):
    assert re.search(r"^## Data type map$", page(connector), re.MULTILINE)


@pytest.mark.parametrize("connector", sorted(PAGES))
def test_changelog_is_a_collapsed_table_with_the_current_version(connector):
    changelog = page(connector).split("## Changelog", 1)[1]
    assert "<details>" in changelog
    assert "| Version | Date | Pull Request | Subject |" in changelog
    version = yaml.safe_load(PAGES[connector][1].read_text())["data"]["dockerImageTag"]
    assert re.search(rf"^\| {re.escape(version)} \| \d{{4}}-\d{{2}}-\d{{2}} \|", changelog, re.MULTILINE)
