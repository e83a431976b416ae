"""destination-convot and the streams issue 10 adds to source-crisp: people events become Convot contact
events (once, kill-safe, waiting for their contact), conversation files are checked against their message, and
every stream Convot has no place for is counted, never an error. Against the Convot sandbox."""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from destination_convot.events import UNCONFIRMED
from destination_convot.ledger import Intent, Ledger, Pending
from destination_convot.mapping import content_hash, event_key, event_payload
from sandboxes.convot import ConvotFaults, ConvotGuesses, ConvotSandbox
from sandboxes.convot.testing import ApiClient
from testing import destination_builders as B
from testing.destination_events import EVENTS, event, with_events
from testing.destination_harness import counts, destination_config, read_summary, run_write
from testing.destination_process import command, files, wait_for

WORKSPACE = {"contacts": 3, "conversations": 2, "messages": 6, "languages": 1, "categories": 2, "articles": 4}
NEW_STREAMS = ("website", "teams", "campaigns", "conversation_events", "people_statistics", "people_segments")


def summary(caplog: pytest.LogCaptureFixture) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    line = [r.message for r in caplog.records if r.message.startswith("Convot import summary")][-1]
    return read_summary(line)


def events_by_contact(sandbox: ConvotSandbox) -> dict[str, list[tuple[str, str, dict]]]:
    dump = sandbox.dump()
    external = {contact["id"]: contact["external_id"] for contact in dump["contacts"]}
    held: dict[str, list[tuple[str, str, dict]]] = {}
    for item in dump["contact_events"]:
        held.setdefault(external[item["contact_id"]], []).append(
            (item["name"], item["occurred_at"], item["properties"])
        )
    return held


EXPECTED_EVENTS = {
    "crisp:p-1": [
        (
            "plan_upgraded",
            "2023-11-14T22:13:25.000Z",
            {"from_plan": "starter", "seats": 3, "crisp_color": "blue"},
        ),
        ("invoice_paid", "2023-11-14T22:13:29.000Z", {}),
    ],
    "crisp:p-2": [("signed_up", "2023-11-14T22:13:21.000Z", {"source": "ads", "crisp_color": "blue"})],
}


def test_events_land_on_their_contact_with_their_time_and_a_rerun_creates_nothing(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="airbyte"):
        run_write(convot_sandbox, tmp_path, with_events())
    assert events_by_contact(convot_sandbox) == EXPECTED_EVENTS
    assert summary(caplog)[0]["events"] == {"imported": 3}
    caplog.clear()
    convot_sandbox.reset_counts()
    with caplog.at_level(logging.INFO, logger="airbyte"):
        run_write(convot_sandbox, tmp_path, with_events())
    assert events_by_contact(convot_sandbox) == EXPECTED_EVENTS
    assert summary(caplog)[0]["events"] == {"unchanged": 3}
    assert not [key for key in convot_sandbox.request_counts() if "events" in key]  # not even a look-up


def test_an_event_whose_json_keys_come_in_another_order_is_the_same_event(tmp_path: Path) -> None:
    first = event("p-1", "plan_upgraded", B.T0, a=1, b=2)
    second = {**first, "data": json.dumps({"b": 2, "a": 1})}
    assert event_key(first) == event_key(second)
    assert event_key(first) != event_key({**first, "timestamp": B.T0 + 1})


def test_events_before_their_contact_wait_and_are_written_when_it_comes(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """p-9 has no profile in the first sync: its event waits in the ledger, never an error."""
    early = [B.record("people_events", event("p-9", "trial_started", B.T0)), B.state("people_events", 1)]
    with caplog.at_level(logging.INFO, logger="airbyte"):
        out = run_write(convot_sandbox, tmp_path, early)
    assert [m.type.name for m in out] == ["STATE"]
    assert convot_sandbox.dump()["contact_events"] == []
    assert summary(caplog)[1] == {"events: waiting for their contact: kept pending": 1}
    later = [B.record("people_profiles", B.profile("p-9", "nine@example.com")), B.state("people_profiles", 2)]
    run_write(convot_sandbox, tmp_path, later)
    assert events_by_contact(convot_sandbox) == {
        "crisp:p-9": [("trial_started", "2023-11-14T22:13:20.000Z", {"crisp_color": "blue"})]
    }


def test_events_in_the_same_sync_before_their_profile_are_written_after_it(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    records = [B.record("people_events", e) for e in EVENTS]
    run_write(convot_sandbox, tmp_path, [*records, B.state("people_events", 0), *B.workspace()])
    assert events_by_contact(convot_sandbox) == EXPECTED_EVENTS


def _crashed_after_create(sandbox: ConvotSandbox, tmp_path: Path, record: dict[str, Any]) -> None:
    """The process died after Convot created the event but before the ledger commit: the intent and the
    pending record are in the ledger, the event in Convot."""
    contact = next(
        c for c in sandbox.dump()["contacts"] if c["external_id"] == f"crisp:{record['people_id']}"
    )
    payload = event_payload(record)
    ApiClient(sandbox.base_url, sandbox.token).create(f"/contacts/{contact['id']}/events", payload)
    ledger = Ledger(tmp_path / "ledger.sqlite", sandbox.token.split(":")[0])
    key = event_key(record)
    ledger.add_pending([Pending(B.WEBSITE, "event", key, record["people_id"], record["timestamp"], record)])
    intent = {"request": payload, "hash": content_hash(payload)}
    ledger.record_intent(Intent(B.WEBSITE, "event", key, str(contact["id"]), intent))
    ledger.close()


@pytest.mark.parametrize("listable", [True, False], ids=["events-listed", "no-events-list"])
def test_a_kill_between_the_create_and_the_ledger_commit_does_not_duplicate_the_event(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture, listable: bool
) -> None:
    run_write(convot_sandbox, tmp_path, B.workspace())
    convot_sandbox.guesses = ConvotGuesses(events_list=listable)
    _crashed_after_create(convot_sandbox, tmp_path, EVENTS[0])
    with caplog.at_level(logging.INFO, logger="airbyte"):
        run_write(convot_sandbox, tmp_path, with_events())  # the source re-sends everything
    assert events_by_contact(convot_sandbox) == EXPECTED_EVENTS  # plan_upgraded once
    skipped = summary(caplog)[1]
    if listable:
        assert "Ledger reconciled: 1 object(s)" in caplog.text
        assert "events: unconfirmed" not in " ".join(skipped)
    else:  # it cannot be told whether Convot holds it: not sent again, counted and named
        assert skipped == {
            f"events: {UNCONFIRMED}": 1,
            **{k: v for k, v in skipped.items() if not k.startswith("events")},
        }
        assert "Convot guess not holding: contact events list" in caplog.text
    run_write(convot_sandbox, tmp_path, with_events())
    assert events_by_contact(convot_sandbox) == EXPECTED_EVENTS


@pytest.mark.parametrize("listable", [True, False], ids=["events-listed", "no-events-list"])
def test_an_event_create_answered_without_its_id_is_looked_up_never_sent_twice(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture, listable: bool
) -> None:
    convot_sandbox.guesses = ConvotGuesses(events_list=listable)
    convot_sandbox.set_faults(ConvotFaults(empty_success_regex=r"POST /v1/contacts/\d+/events"))
    with caplog.at_level(logging.INFO, logger="airbyte"):
        run_write(convot_sandbox, tmp_path, with_events())
    assert events_by_contact(convot_sandbox) == EXPECTED_EVENTS  # each applied once, its answer lost
    outcomes, skipped = summary(caplog)
    if listable:
        assert "applied by Convot; not sending it again" in caplog.text
        assert outcomes["events"] == {"imported": 3}
    else:
        assert skipped[f"events: {UNCONFIRMED}"] == 3
    convot_sandbox.set_faults(ConvotFaults())
    run_write(convot_sandbox, tmp_path, with_events())
    assert events_by_contact(convot_sandbox) == EXPECTED_EVENTS


def test_events_only_under_the_articles_prefix_are_sent_there(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    convot_sandbox.guesses = ConvotGuesses(events_under_v1=False)
    with caplog.at_level(logging.INFO, logger="airbyte"):
        run_write(convot_sandbox, tmp_path, with_events(), max_concurrency=1)
    assert events_by_contact(convot_sandbox) == EXPECTED_EVENTS
    assert "Convot guess not holding: contact events under api_url" in caplog.text
    assert (
        convot_sandbox.request_log()["statuses"]["404"] == 1
    )  # one try under /v1, then the article's prefix


def test_everything_switched_still_writes_every_event_once(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    convot_sandbox.guesses = ConvotGuesses.everything_switched()
    run_write(convot_sandbox, tmp_path, with_events())
    run_write(convot_sandbox, tmp_path, with_events())
    assert events_by_contact(convot_sandbox) == EXPECTED_EVENTS
    assert counts(convot_sandbox.dump()) == {**WORKSPACE, "languages": 0}  # no languages API there


def test_files_are_checked_against_their_message_and_new_streams_are_counted(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    invoice = "https://files.test/invoice.pdf"
    files = [
        {
            "website_id": B.WEBSITE,
            "session_id": "s-1",
            "fingerprint": 14,
            "name": "invoice.pdf",
            "url": invoice,
        },
        # the ledger does not know fingerprint 99, but the Convot thread holds its URL
        {"website_id": B.WEBSITE, "session_id": "s-1", "fingerprint": 99, "name": "copy.pdf", "url": invoice},
        {
            "website_id": B.WEBSITE,
            "session_id": "s-2",
            "name": "gone.png",
            "url": "https://files.test/gone.png",
        },
        {"website_id": B.WEBSITE, "session_id": "s-3", "name": "x.png", "url": "https://files.test/x.png"},
    ]
    extra = [B.record("conversation_files", f) for f in files]
    extra += [B.record(stream, {"website_id": B.WEBSITE, "name": "x"}) for stream in NEW_STREAMS]
    extra += [B.record("a_stream_from_the_future", {"website_id": B.WEBSITE})]
    records = [*extra, B.state("conversation_files", 1), *B.workspace()]  # files before their messages
    with caplog.at_level(logging.INFO, logger="airbyte"):
        out = run_write(convot_sandbox, tmp_path, records)
    assert out[-1].type.name == "STATE"
    outcomes, skipped = summary(caplog)
    assert outcomes["files"] == {"already carried by their message": 2}
    assert skipped["files: not in Convot: their message was not imported (no other Convot counterpart)"] == 1
    assert skipped["files: their conversation is not in Convot: not carried"] == 1
    segments = "people_segments: no Convot counterpart (suggested segment names: Convot has no tags API"
    assert [count for reason, count in skipped.items() if reason.startswith(segments)] == [1]
    for stream in ("website", "teams", "campaigns", "conversation_events", "people_statistics", "visitors"):
        assert any(k.startswith(f"{stream}: no Convot counterpart (") for k in skipped), stream
    unknown = "a_stream_from_the_future: no Convot counterpart (a stream this destination does not know)"
    assert skipped[unknown] == 1
    assert counts(convot_sandbox.dump()) == WORKSPACE  # files and new streams wrote nothing
    before = convot_sandbox.dump()
    run_write(convot_sandbox, tmp_path, records)
    assert convot_sandbox.dump()["conversations"] == before["conversations"]


def test_without_any_events_route_the_rest_is_written_and_the_events_wait_for_a_later_sync(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    convot_sandbox.set_faults(ConvotFaults(fail_path_regex=r"/contacts/\d+/events$", fail_status=404))
    with pytest.raises(AirbyteTracedException, match=r"contact events \(people_events\).*EVENTS_PATH"):
        run_write(convot_sandbox, tmp_path, with_events())
    assert counts(convot_sandbox.dump()) == WORKSPACE  # every other stream was written
    assert convot_sandbox.dump()["contact_events"] == []
    convot_sandbox.set_faults(ConvotFaults())  # the route appears (or EVENTS_PATH is fixed)
    run_write(convot_sandbox, tmp_path, [])  # nothing re-sent: the events waited in the ledger
    assert events_by_contact(convot_sandbox) == EXPECTED_EVENTS


@pytest.mark.parametrize("listable", [True, False], ids=["events-listed", "no-events-list"])
def test_a_lost_ledger_duplicates_no_event(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture, listable: bool
) -> None:
    convot_sandbox.guesses = ConvotGuesses(events_list=listable)
    run_write(convot_sandbox, tmp_path, with_events())
    for leftover in tmp_path.glob("ledger.sqlite*"):
        leftover.unlink()
    with caplog.at_level(logging.INFO, logger="airbyte"):
        run_write(convot_sandbox, tmp_path, with_events())
    assert "rebuilding the mapping from Convot" in caplog.text
    assert events_by_contact(convot_sandbox) == EXPECTED_EVENTS
    outcomes, skipped = summary(caplog)
    if listable:
        assert outcomes["events"] == {"matched in Convot": 3}
    else:
        assert skipped[f"events: {UNCONFIRMED}"] == 3


def contacts_and_events() -> list:
    """No conversation and no help-center object: only contacts (and their events) in Convot."""
    profiles = [B.profile("p-1", "jane@example.com"), B.profile("p-2", "max@example.com")]
    records = [*(B.record("people_profiles", p) for p in profiles), B.state("people_profiles", 1)]
    return [*records, *(B.record("people_events", e) for e in EVENTS), B.state("people_events", 1)]


def test_a_lost_ledger_in_front_of_contacts_and_events_only_duplicates_no_event(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    records = (
        contacts_and_events()
    )  # only the contacts' Crisp external ids tell that the app was imported into
    run_write(convot_sandbox, tmp_path, records)
    assert events_by_contact(convot_sandbox) == EXPECTED_EVENTS
    for leftover in tmp_path.glob("ledger.sqlite*"):
        leftover.unlink()
    with caplog.at_level(logging.INFO, logger="airbyte"):
        run_write(convot_sandbox, tmp_path, records)
    assert "rebuilding the mapping from Convot" in caplog.text
    assert events_by_contact(convot_sandbox) == EXPECTED_EVENTS  # each event once
    assert summary(caplog)[0]["events"] == {"matched in Convot": 3}


def test_contacts_made_in_convot_start_no_rebuild_so_a_first_import_sends_every_event(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    convot_sandbox.guesses = ConvotGuesses(events_list=False)  # a rebuild would hold every event back
    ApiClient(convot_sandbox.base_url, convot_sandbox.token).create(
        "/contacts", {"email": "walk-in@example.com"}
    )
    with caplog.at_level(logging.INFO, logger="airbyte"):
        run_write(convot_sandbox, tmp_path, contacts_and_events())
    assert "rebuilding the mapping" not in caplog.text
    assert events_by_contact(convot_sandbox) == EXPECTED_EVENTS
    assert summary(caplog)[0]["events"] == {"imported": 3}


def test_preview_counts_events_and_writes_none(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="airbyte"):
        run_write(convot_sandbox, tmp_path, with_events(), preview=True)
    line = next(r.message for r in caplog.records if r.message.startswith("Convot preview summary"))
    assert read_summary(line)[0]["events"] == {"new": 3}
    assert convot_sandbox.dump()["contact_events"] == []


@pytest.mark.slow
def test_sigkill_while_events_are_written_then_a_rerun_writes_each_event_exactly_once(tmp_path: Path) -> None:
    people, per_person = 12, 6
    workspace = [B.record("people_profiles", B.profile(f"p-{n}", f"p{n}@example.com")) for n in range(people)]
    workspace.append(B.state("people_profiles", 0))
    for n in range(people):
        workspace += [
            B.record("people_events", event(f"p-{n}", f"step {k}", B.T0 + 1000 * k, color=None, n=n))
            for k in range(per_person)
        ]
        workspace.append(B.state("people_events", n))
    with ConvotSandbox(db_path=tmp_path / "convot.sqlite", faults=ConvotFaults(latency_ms=5)) as sandbox:
        paths = files(tmp_path, destination_config(sandbox, tmp_path), workspace)
        with paths["input"].open() as stdin:
            process = subprocess.Popen(
                command("write", paths), stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            wait_for(lambda: sandbox.request_counts().get("POST /v1/contacts/{id}/events", 0) >= 15)
            process.kill()
            process.wait(timeout=10)
        assert 0 < len(sandbox.dump()["contact_events"]) < people * per_person
        with paths["input"].open() as stdin:
            rerun = subprocess.run(command("write", paths), stdin=stdin, capture_output=True, timeout=120)
        assert rerun.returncode == 0
        held = events_by_contact(sandbox)
        assert {contact: [name for name, _, _ in events] for contact, events in held.items()} == {
            f"crisp:p-{n}": [f"step {k}" for k in range(per_person)] for n in range(people)
        }
