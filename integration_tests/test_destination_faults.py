"""destination-convot under Convot faults: rejections, permanent failures, rate limits, lost connections,
revoked keys, and a crash between Convot's confirmation and the ledger commit."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
import requests
from airbyte_cdk.models import FailureType, Type
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from destination_convot import DestinationConvot
from destination_convot.client import Pacing
from destination_convot.ledger import Intent, Ledger, Pending
from destination_convot.mapping import message_hash, message_payload
from sandboxes.convot import ConvotFaults, ConvotSandbox
from testing import destination_builders as B
from testing.destination_harness import (
    by_external_id,
    counts,
    destination_config,
    duplicates,
    read_summary,
    run_write,
)

FULL = {"contacts": 3, "conversations": 2, "messages": 6, "languages": 1, "categories": 2, "articles": 4}


def summary_of(caplog: pytest.LogCaptureFixture) -> str:
    return next(r.message for r in caplog.records if r.message.startswith("Convot import summary"))


def test_a_rejected_record_is_counted_with_its_reason_and_the_sync_goes_on(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    convot_sandbox.set_faults(ConvotFaults(reject_content_regex="VIP customer|Draft notes"))
    with caplog.at_level(logging.INFO, logger="airbyte"):
        output = run_write(convot_sandbox, tmp_path, B.workspace())
    assert [name for name, _ in B.state_values(output)] == list(B.STREAMS)
    assert counts(convot_sandbox.dump()) == {**FULL, "messages": 5, "articles": 3}
    rejections = [r.message for r in caplog.records if r.message.startswith("Convot rejected")]
    assert len(rejections) == 2
    assert all("422 unprocessable_entity" in line for line in rejections)
    assert "messages: rejected by Convot (422 unprocessable_entity)" in summary_of(caplog)


def test_a_write_that_fails_permanently_stops_the_sync_and_no_state_past_it_is_echoed(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    convot_sandbox.set_faults(
        ConvotFaults(fail_path_regex=r"POST /v1/conversations/[^/]+/messages", fail_status=503)
    )
    echoed = []
    output = DestinationConvot(pacing=Pacing(scale=0, max_retries=2)).write(
        destination_config(convot_sandbox, tmp_path), B.catalog(), B.workspace()
    )
    with pytest.raises(AirbyteTracedException) as raised:
        echoed.extend(output)  # extend keeps what was echoed before the failure
    assert raised.value.failure_type == FailureType.transient_error
    assert "Convot kept failing on POST /conversations/" in raised.value.message
    assert "re-run the sync to resume" in raised.value.message
    assert [name for name, _ in B.state_values(echoed)] == [
        "operators",
        "people_profiles",
        "people_data",
        "visitors",
        "conversations",
    ]

    convot_sandbox.set_faults(ConvotFaults())
    run_write(convot_sandbox, tmp_path, B.workspace())  # the re-run completes without duplicating
    assert counts(convot_sandbox.dump()) == FULL
    assert duplicates(convot_sandbox.dump()) == {}


def test_a_429_storm_pauses_resumes_and_completes_with_nothing_lost(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # 40 requests/s, burst 3: most requests meet a 429 whose Retry-After (tens of ms) is really waited; slow
    # enough that the summed pause cannot round to 0.0 s even when a loaded machine sends fewer requests.
    convot_sandbox.set_faults(ConvotFaults(rate_per_second=40, burst=3))
    with caplog.at_level(logging.INFO, logger="airbyte"):
        output = run_write(convot_sandbox, tmp_path, B.workspace(), pacing=Pacing(), max_concurrency=4)
    assert [name for name, _ in B.state_values(output)] == list(B.STREAMS)
    assert counts(convot_sandbox.dump()) == FULL
    assert convot_sandbox.request_log()["statuses"].get("429", 0) > 0
    assert any("resuming at" in r.message for r in caplog.records)
    assert any("rate limit pause over: resumed at" in r.message for r in caplog.records)
    assert "paused 0.0s" not in summary_of(caplog)


def test_dropped_connections_and_5xx_are_retried_without_duplicating_anything(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    convot_sandbox.set_faults(ConvotFaults(drop_ratio=0.15, error_ratio=0.15, seed=7))
    run_write(convot_sandbox, tmp_path, B.workspace(), pacing=Pacing(scale=0, max_retries=10))
    dump = convot_sandbox.dump()
    assert convot_sandbox.request_log()["statuses"].get("dropped", 0) > 0
    assert counts(dump) == FULL
    assert duplicates(dump) == {}


def test_a_revoked_key_stops_the_sync_with_a_config_error(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    token = convot_sandbox.create_token(1)
    convot_sandbox.revoke_token(token)
    with pytest.raises(AirbyteTracedException) as raised:
        run_write(convot_sandbox, tmp_path, B.workspace(), api_token=token)
    assert raised.value.failure_type == FailureType.config_error
    assert "check api_token" in raised.value.message
    assert token.split(":")[1] not in raised.value.message


def test_a_create_confirmed_by_convot_but_not_by_the_ledger_is_adopted_not_repeated(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    """The process died after Convot created conversation s-1 (and its seed message) but before the ledger
    commit: the intent is in the ledger, the conversation in Convot."""
    config = destination_config(convot_sandbox, tmp_path)
    conversation = B.conversation("s-1", "p-1", "jane@example.com", "resolved")
    seed = B.message("s-1", 11, B.T0 + 100, "user", content="I need help")
    request = {
        "email": "jane@example.com",
        "content": "I need help",
        "type": "incoming",
        "created_at": "2023-11-14T22:13:20.000Z",
        "external_id": "crisp:s-1",
        "status": "open",
    }
    response = requests.post(
        f"{convot_sandbox.base_url}/conversations",
        json=request,
        headers={"Authorization": f"Bearer {convot_sandbox.token}"},
        timeout=10,
    )
    assert response.status_code == 201
    ledger = Ledger(Path(config["ledger_path"]), convot_sandbox.token.split(":")[0])
    ledger.add_pending(
        [
            Pending(B.WEBSITE, "conversation", "s-1", None, 0, conversation),
            Pending(B.WEBSITE, "message", "s-1:11", "s-1", seed["timestamp"], seed),
        ]
    )
    seed_hash = message_hash(message_payload(seed, None))
    intent = {"request": request, "seed": "s-1:11", "seed_hash": seed_hash}
    ledger.record_intent(Intent(B.WEBSITE, "conversation", "s-1", None, intent))
    ledger.close()

    run_write(convot_sandbox, tmp_path, B.workspace())
    dump = convot_sandbox.dump()
    assert duplicates(dump) == {}
    first = by_external_id(dump, "conversations")["crisp:s-1"]
    assert [m["content"] for m in first["messages"]] == [
        "I need help",
        "Sure, what's up?",
        "VIP customer",
        "[invoice.pdf](https://files.test/invoice.pdf)",
    ]
    assert first["status"] == "resolved"


def test_an_unconfirmed_message_found_in_convot_is_not_posted_again(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    run_write(convot_sandbox, tmp_path, B.workspace())
    uuid = by_external_id(convot_sandbox.dump(), "conversations")["crisp:s-2"]["id"]
    late = B.message("s-2", 23, B.T0 + 1300, "user", content="Still there?")
    payload = {"content": "Still there?", "type": "incoming", "created_at": "2023-11-14T22:13:21.300Z"}
    # This call stands in for the POST whose answer was lost when the process died.
    requests.post(
        f"{convot_sandbox.base_url}/conversations/{uuid}/messages",
        json=payload,
        headers={"Authorization": f"Bearer {convot_sandbox.token}"},
        timeout=10,
    )
    ledger = Ledger(tmp_path / "ledger.sqlite", convot_sandbox.token.split(":")[0])
    ledger.add_pending([Pending(B.WEBSITE, "message", "s-2:23", "s-2", late["timestamp"], late)])
    ledger.record_intent(Intent(B.WEBSITE, "message", "s-2:23", uuid, payload))
    ledger.close()

    run_write(
        convot_sandbox,
        tmp_path,
        [B.record("conversation_messages", late), B.state("conversation_messages", 1)],
    )
    second = by_external_id(convot_sandbox.dump(), "conversations")["crisp:s-2"]
    assert [m["content"] for m in second["messages"]].count("Still there?") == 1


def test_a_category_created_by_an_interrupted_run_is_adopted_not_created_again(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    request = {"name": "Billing", "position": 1, "locale": "en", "external_id": "crisp:category:en:c-1"}
    created = requests.post(
        f"{convot_sandbox.base_url}/helpdesk/categories",
        json=request,
        headers={"Authorization": f"Bearer {convot_sandbox.token}"},
        timeout=10,
    )
    assert created.status_code == 201
    ledger = Ledger(tmp_path / "ledger.sqlite", convot_sandbox.token.split(":")[0])
    ledger.record_intent(Intent(B.WEBSITE, "category", "en:c-1", None, {"request": request, "hash": "old"}))
    ledger.close()

    run_write(convot_sandbox, tmp_path, B.workspace())
    dump = convot_sandbox.dump()
    assert duplicates(dump) == {}
    assert counts(dump) == FULL
    billing = by_external_id(dump, "helpdesk_categories")["crisp:category:en:c-1"]
    assert billing["description"] == "About Billing"  # the adopted category was then updated from the record


def invalid_contact_workspace(meta_email: str = "jane(at)example.com") -> list:
    """The workspace with Jane's email one Convot refuses (422 "Email is invalid"), on her profile and on her
    conversation s-1."""
    messages = B.workspace()
    for message in messages:
        record = message.record.data if message.type == Type.RECORD else {}
        if record.get("people_id") == "p-1" and "email" in record:
            record["email"] = meta_email
        if record.get("session_id") == "s-1" and "meta_email" in record:
            record["meta_email"] = meta_email
    return messages


def test_the_conversations_of_a_rejected_contact_are_counted_as_such_not_as_waiting(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="airbyte"):
        run_write(convot_sandbox, tmp_path, invalid_contact_workspace())
    assert "crisp:s-1" not in by_external_id(convot_sandbox.dump(), "conversations")
    _, skipped = read_summary(summary_of(caplog))
    assert skipped["conversations: not written: their contact was rejected by Convot (kept pending)"] == 1
    # s-1's four importable messages (its event message is skipped as ever)
    assert skipped["messages: not written: their contact was rejected by Convot (kept pending)"] == 4
    assert skipped["conversations: empty (no message yet): kept pending"] == 1  # s-3, truly empty
    assert "messages: waiting for their conversation: kept pending" not in skipped


def test_the_messages_of_a_rejected_conversation_are_counted_as_such(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The neighbour: Convot refuses the conversation itself (its seed message's content)."""
    convot_sandbox.set_faults(ConvotFaults(reject_content_regex="^I need help$"))
    with caplog.at_level(logging.INFO, logger="airbyte"):
        run_write(convot_sandbox, tmp_path, B.workspace())
    _, skipped = read_summary(summary_of(caplog))
    assert skipped["conversations: rejected by Convot (422 unprocessable_entity)"] == 1
    assert skipped["messages: not written: their conversation was rejected by Convot (kept pending)"] == 4
    assert skipped["conversations: empty (no message yet): kept pending"] == 1
    assert "messages: waiting for their conversation: kept pending" not in skipped


def test_the_live_counters_name_the_rejected_contact_too(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Progress lines (logged while the sync runs) say it as soon as the conversation is given up."""
    config = destination_config(convot_sandbox, tmp_path)
    destination = DestinationConvot(pacing=Pacing(scale=0), report_interval=0.01)
    with caplog.at_level(logging.INFO, logger="airbyte"):
        output = destination.write(config, B.catalog(), iter(invalid_contact_workspace()))
        for message in output:
            if (
                message.type == Type.STATE
                and message.state.stream.stream_descriptor.name == "helpdesk_locales"
            ):
                time.sleep(0.1)  # conversation_messages' state is back: the give-up happened before it
                break
        progress = [r.message for r in caplog.records if r.message.startswith("Convot import progress")]
        list(output)
    assert any(
        "1 conversations: not written: their contact was rejected by Convot" in line for line in progress
    )
