"""The idempotency ledger survives restarts, is scoped per Convot app, commits confirmations atomically."""

from __future__ import annotations

from pathlib import Path

from destination_convot.ledger import Entry, Intent, Ledger, Pending

W = "website-1"


def pending_message(crisp_id: str, sort_key: float) -> Pending:
    return Pending(W, "message", crisp_id, "s-1", sort_key, {"content": crisp_id})


def test_confirmation_survives_reopening_and_is_scoped_to_the_app(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    ledger = Ledger(path, "ck_a")
    ledger.confirm(W, [("conversation", "s-1", Entry("uuid-1", "h1", {"status": "open"}))])
    ledger.close()
    assert Ledger(path, "ck_a").get("conversation", W, "s-1") == Entry("uuid-1", "h1", {"status": "open"})
    assert Ledger(path, "ck_b").get("conversation", W, "s-1") is None


def test_pending_children_come_back_oldest_first(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.sqlite", "ck_a")
    ledger.add_pending([pending_message("m3", 30), pending_message("m1", 10), pending_message("m2", 20)])
    assert [row.crisp_id for row in ledger.pending("message", W, parent_id="s-1")] == ["m1", "m2", "m3"]
    assert ledger.pending_keys("message", "parent_id") == {(W, "s-1")}


def test_confirm_consumes_the_intent_and_the_pending_row_together(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.sqlite", "ck_a")
    ledger.add_pending([pending_message("m1", 10)])
    ledger.record_intent(Intent(W, "message", "m1", "uuid-1", {"content": "m1"}))
    assert [intent.crisp_id for intent in ledger.intents()] == ["m1"]
    ledger.confirm(W, [("message", "m1", Entry("5", "h", {}))], done=[("message", "m1")])
    assert ledger.intents() == []
    assert ledger.pending("message") == []
    assert ledger.get("message", W, "m1") == Entry("5", "h", {})


def test_a_record_arriving_twice_is_pending_once(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.sqlite", "ck_a")
    ledger.add_pending([pending_message("m1", 10)])
    ledger.add_pending([pending_message("m1", 10)])
    assert ledger.count_pending() == {"message": 1}


def test_facts_are_kept_per_website(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.sqlite", "ck_a")
    ledger.set_facts("operator", [(W, "op-1", {"email": "a@t.test"})])
    assert ledger.fact("operator", W, "op-1") == {"email": "a@t.test"}
    assert ledger.fact("operator", "other", "op-1") is None


def test_preview_ledger_without_a_file_writes_nothing_to_disk(tmp_path: Path) -> None:
    ledger = Ledger(None, "ck_a")
    ledger.add_pending([pending_message("m1", 1)])
    assert ledger.count_pending() == {"message": 1}
    assert list(tmp_path.iterdir()) == []
