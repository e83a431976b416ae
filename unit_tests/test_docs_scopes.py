"""The docs' scope table is source_crisp/scopes.py's table: every stream once, under the scope the source
names in its discover, check and read messages (issue 18 B.5)."""

from __future__ import annotations

import re
from pathlib import Path

from source_crisp.objects import OBJECTS
from source_crisp.scopes import STREAM_SCOPES, needs

DOCS = Path(__file__).resolve().parents[1] / "docs" / "source-crisp.md"


def scope_rows() -> dict[str, list[str]]:
    """Scope (None for the rows without one) -> the streams the docs list under it."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("Read scopes a **Production plugin token** needs", 1)[1].split("\n\n", 2)[1]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines()[2:]:
        scope_cell, streams_cell = (cell.strip() for cell in line.strip().strip("|").split("|"))
        scope = re.fullmatch(r"`([^`]+)`", scope_cell)
        rows.setdefault(scope.group(1) if scope else "", []).extend(re.findall(r"`([^`]+)`", streams_cell))
    return rows


def test_the_docs_scope_table_is_the_sources():
    documented = {stream: scope for scope, streams in scope_rows().items() for stream in streams}
    assert sorted(documented) == sorted(obj.name for obj in OBJECTS)
    assert sum(len(streams) for streams in scope_rows().values()) == len(OBJECTS)  # each stream once
    for stream, scope in STREAM_SCOPES.items():
        assert documented[stream] == (scope or ""), stream


def test_every_stream_has_a_scope_entry():
    assert set(STREAM_SCOPES) == {obj.name for obj in OBJECTS}


def test_a_child_needs_its_parents_scope_first_and_only_what_is_missing():
    assert needs("people_data") == ["website:people:profiles", "website:people:data"]
    assert needs("people_data", denied={"people_data"}) == ["website:people:data"]
    assert needs("website") == []
    assert needs("teams") == [
        "the scope Crisp's docs leave unnamed for GET /website/{website_id}/teams/list/{page}"
    ]
