"""The docs page's stream table lists every stream of the objects table, with its primary key, its cursor
candidates (default first) and a request cost, so a user picking streams sees what each costs."""

from __future__ import annotations

import re
from pathlib import Path

from source_crisp import SourceCrisp
from source_crisp.objects import CrispObject

DOCS = Path(__file__).resolve().parents[1] / "docs" / "source-crisp.md"


def stream_rows() -> dict[str, list[str]]:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Supported streams", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) >= 6:
            rows[cells[0].strip("`")] = cells
    return rows


def streamed_objects() -> list[CrispObject]:
    """The objects as their streams read them (per-profile streams add `profile_updated_at`); no request."""
    config = {"website_id": "00000000-0000-4000-8000-000000000000", "identifier": "i", "key": "k"}
    return [stream.obj for stream in SourceCrisp().streams(config)]


def names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_every_stream_is_in_the_docs_table_with_its_key_cursors_and_cost():
    rows, objects = stream_rows(), streamed_objects()
    assert [name for name in rows if name not in {obj.name for obj in objects}] == []
    for obj in objects:
        assert obj.name in rows, f"{obj.name} is missing from the docs' stream table"
        _, _, key, cursors, cost, _ = rows[obj.name][:6]
        assert names(key) == list(obj.primary_key), obj.name
        assert names(cursors) == list(obj.cursor_candidates), obj.name
        assert not obj.default_cursor or names(cursors)[0] == obj.default_cursor, obj.name
        assert re.search(r"\d", cost), f"{obj.name}: no request cost"
