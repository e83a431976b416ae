"""Which app a key reaches: a new key of a known app resumes its rows, a key of another app gets its own,
and a rebuild refuses to guess when Convot's lists carry no external ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from destination_convot.app_identity import resolve_app
from destination_convot.errors import ConvotRejected
from destination_convot.ledger import Entry, Ledger, Pending
from destination_convot.rebuild import ExistingObjects, RebuildImpossible

W = "website-1"


class Convot:
    """Answers GETs for the object paths of one app, else 404 (as Convot does for another app's objects)."""

    def __init__(self, readable: set[str]) -> None:
        self.readable = readable
        self.asked: list[str] = []

    def get(self, path: str, params: Any = None) -> dict[str, Any]:
        self.asked.append(path)
        if path not in self.readable:
            raise ConvotRejected(404, "not_found", "Not found", [], f"GET {path}")
        return {"messages": []}


def ledger_with(tmp_path: Path, app: str, conversation_id: str | None) -> Ledger:
    ledger = Ledger(tmp_path / "ledger.sqlite", app)
    if conversation_id:
        ledger.confirm(W, [("conversation", "s-1", Entry(conversation_id, None, {"status": "open"}))])
    ledger.add_pending([Pending(W, "message", "s-2:1", "s-2", 1.0, {"content": "waiting"})])
    return ledger


def test_a_key_that_reads_the_apps_objects_is_bound_to_that_app(tmp_path: Path) -> None:
    ledger = ledger_with(tmp_path, "ck_old", "uuid-1")
    convot = Convot({"/conversations/uuid-1/messages"})
    assert resolve_app(ledger, convot, "ck_new") == "ck_old"
    assert [row.crisp_id for row in ledger.pending("message")] == ["s-2:1"]  # the pending rows are resumed
    convot.asked.clear()
    assert resolve_app(ledger, convot, "ck_new") == "ck_old"
    assert convot.asked == []  # bound once, not probed again


def test_a_key_that_gets_404_for_every_probe_is_another_app(tmp_path: Path) -> None:
    ledger = ledger_with(tmp_path, "ck_old", "uuid-1")
    assert resolve_app(ledger, Convot(set()), "ck_other") == "ck_other"
    assert ledger.pending("message") == []  # the other app's pending rows are not its own


def test_an_app_proven_by_a_probe_wins_over_one_with_nothing_to_probe(tmp_path: Path) -> None:
    ledger = ledger_with(tmp_path, "ck_a", None)  # only pending rows: nothing in Convot to test
    ledger.app = "ck_c"
    ledger.confirm(W, [("conversation", "s-9", Entry("uuid-9", None, {}))])
    assert resolve_app(ledger, Convot({"/conversations/uuid-9/messages"}), "ck_new") == "ck_c"


def test_a_rebuild_stops_when_convot_lists_show_no_external_id() -> None:
    class Lists:
        def iter_list(self, path: str, plural: str) -> Any:
            yield {"id": "uuid-1", "status": "open"}

        def find_one(self, path: str, plural: str) -> Any:
            return next(self.iter_list(path, plural))

    existing = ExistingObjects(Lists(), Path("/data/ledger.sqlite"))  # type: ignore[arg-type]
    with pytest.raises(RebuildImpossible, match=r"shows no `external_id`.*Restore the ledger file"):
        existing.find("conversation", "crisp:s-1")
