"""An acceptance suite for destination-convot, in the spirit of CAT's (which has none for destinations).

Spec lint (CAT's spec checks), check per config (a working key, a revoked one, a config file in the old
`operator_emails` form), a write of a tiny catalog whose every STATE comes back only once the records before
it are in Convot, and a re-run that changes nothing. Against the Convot sandbox; what Convot holds is read
back from it, never from the destination.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from airbyte_cdk.models import AirbyteMessageSerializer, DestinationSyncMode, Status, Type

from destination_convot import DestinationConvot
from integration_tests import cat_checks
from testing import destination_builders as B
from testing.destination_harness import NO_WAIT, counts, destination_config, duplicates

SPEC_FILE = Path(__file__).resolve().parent.parent / "destination_convot" / "spec.json"
# What Convot holds after the tiny catalog (testing/destination_builders.py: workspace()); a conversation
# without any message to import is not created, and the event message is not one.
EXPECTED_COUNTS = {
    "contacts": 3, "conversations": 2, "messages": 6, "languages": 1, "categories": 2, "articles": 4,
}


def destination() -> DestinationConvot:
    return DestinationConvot(pacing=NO_WAIT, report_interval=3600)


def run(verb_args: list[str]) -> list:
    connector = destination()
    return list(connector.run_cmd(connector.parse_args(verb_args)))


def statuses(output: list) -> list[Status]:
    return [m.connectionStatus.status for m in output if m.type == Type.CONNECTION_STATUS]


def check(config: dict, tmp_path: Path) -> list:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return run(["check", "--config", str(path)])


# --- spec -----------------------------------------------------------------------------------------------
def test_spec_passes_cats_lints_and_is_the_spec_file():
    spec = destination().spec(logging.getLogger("airbyte"))
    assert cat_checks.spec_problems(spec.connectionSpecification) == []
    assert json.loads(SPEC_FILE.read_text())["connectionSpecification"] == spec.connectionSpecification
    declared = set(spec.supported_destination_sync_modes)
    assert declared == {DestinationSyncMode.append, DestinationSyncMode.append_dedup}


# --- check ----------------------------------------------------------------------------------------------
def test_check_succeeds_with_a_working_key_and_prints_no_secret(convot_sandbox, tmp_path, caplog):
    config = destination_config(convot_sandbox, tmp_path)
    output = check(config, tmp_path)
    assert statuses(output) == [Status.SUCCEEDED]
    secret = config["api_token"].split(":", 1)[1]
    printed = [json.dumps(AirbyteMessageSerializer.dump(m)) for m in output] + [caplog.text]
    assert [text for text in printed if secret in text] == []


def test_check_fails_with_a_revoked_key_and_says_so(convot_sandbox, tmp_path):
    revoked = convot_sandbox.create_token(1)
    convot_sandbox.revoke_token(revoked)
    output = check(destination_config(convot_sandbox, tmp_path, api_token=revoked), tmp_path)
    assert statuses(output) == [Status.FAILED]
    message = next(m.connectionStatus.message for m in output if m.type == Type.CONNECTION_STATUS)
    assert message
    assert revoked.split(":", 1)[1] not in message


def test_check_accepts_a_config_file_with_the_old_operator_emails_object(convot_sandbox, tmp_path):
    user = convot_sandbox.create_user(1, "alice@team.test")
    config = destination_config(convot_sandbox, tmp_path, operator_emails={"alice@team.test": user})
    assert statuses(check(config, tmp_path)) == [Status.SUCCEEDED]


# --- write ----------------------------------------------------------------------------------------------
def contacts_in_convot(sandbox) -> set[str]:
    return {contact["external_id"] for contact in sandbox.dump()["contacts"]}


def test_write_echoes_every_state_in_order_once_its_records_are_in_convot(convot_sandbox, tmp_path):
    messages = B.workspace()
    config = destination_config(convot_sandbox, tmp_path)
    echoed, contacts_at_echo = [], {}
    for message in destination().write(config, B.catalog(), iter(messages)):
        if message.type == Type.STATE:
            name = message.state.stream.stream_descriptor.name
            echoed.append((name, message.state.stream.stream_state.cursor))
            contacts_at_echo[name] = contacts_in_convot(convot_sandbox)

    assert echoed == B.state_values(messages)
    # The profiles' STATE comes back only once both profiles are contacts in Convot.
    assert {"crisp:p-1", "crisp:p-2"} <= contacts_at_echo["people_profiles"]
    assert counts(convot_sandbox.dump()) == EXPECTED_COUNTS


def test_a_rerun_of_the_same_catalog_changes_nothing_and_echoes_the_states_again(convot_sandbox, tmp_path):
    config = destination_config(convot_sandbox, tmp_path)
    first = list(destination().write(config, B.catalog(), iter(B.workspace())))
    before = convot_sandbox.dump()
    second = list(destination().write(config, B.catalog(), iter(B.workspace())))

    assert B.state_values(second) == B.state_values(first) == B.state_values(B.workspace())
    after = convot_sandbox.dump()
    assert counts(after) == counts(before) == EXPECTED_COUNTS
    assert duplicates(after) == {}


@pytest.mark.parametrize("sync_mode", [DestinationSyncMode.append, DestinationSyncMode.append_dedup])
def test_each_declared_sync_mode_writes_the_catalog(convot_sandbox, tmp_path, sync_mode):
    catalog = B.catalog()
    for stream in catalog.streams:
        stream.destination_sync_mode = sync_mode
    config = destination_config(convot_sandbox, tmp_path)
    output = list(destination().write(config, catalog, iter(B.workspace())))
    assert B.state_values(output) == B.state_values(B.workspace())
    assert counts(convot_sandbox.dump()) == EXPECTED_COUNTS
