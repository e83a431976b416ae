"""A Convot key that cannot write everything (issue 18, B.5, the destination half).

Partial access is normal: a key without the help-center scopes, or refused on contact events (whose scope
Convot does not document), still imports contacts, conversations and messages; `check` passes and says what
write will skip, and write names what it skipped with the scope that would allow it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from airbyte_cdk.models import Status
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from destination_convot import DestinationConvot
from sandboxes.convot import ConvotGuesses, ConvotSandbox
from sandboxes.convot.accounts import ALL_SCOPES
from testing import destination_builders as B
from testing.destination_events import EVENTS, with_events
from testing.destination_harness import NO_WAIT, counts, destination_config, run_write

WORKSPACE = {"contacts": 3, "conversations": 2, "messages": 6, "languages": 1, "categories": 2, "articles": 4}
NO_HELP_CENTER = {**WORKSPACE, "languages": 0, "categories": 0, "articles": 0}
WITHOUT_HELPDESK = [scope for scope in ALL_SCOPES if not scope.startswith("helpdesk:")]


def check(sandbox: ConvotSandbox, tmp_path: Path, token: str):
    config = destination_config(sandbox, tmp_path, api_token=token)
    return DestinationConvot(pacing=NO_WAIT).check(logging.getLogger("airbyte"), config)


def test_check_passes_without_the_help_center_scopes_and_says_what_write_will_skip(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    status = check(convot_sandbox, tmp_path, convot_sandbox.create_token(1, WITHOUT_HELPDESK))
    assert status.status == Status.SUCCEEDED
    assert "The Convot API key lacks helpdesk:read, helpdesk:write: contacts, conversations and messages" in (
        status.message
    )
    assert "helpdesk_locales, helpdesk_categories, helpdesk_sections, helpdesk_articles" in status.message


def test_check_still_fails_naming_every_scope_when_conversations_cannot_be_written(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    """The neighbour: a core scope missing is not partial access (nothing could be imported right)."""
    scopes = [s for s in WITHOUT_HELPDESK if s != "messages:write"]
    status = check(convot_sandbox, tmp_path, convot_sandbox.create_token(1, scopes))
    assert status.status == Status.FAILED
    assert "lacks the scope(s) helpdesk:read, messages:write, helpdesk:write" in status.message


def test_write_without_the_help_center_scopes_imports_the_rest_and_names_the_scopes(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    token = convot_sandbox.create_token(1, WITHOUT_HELPDESK)
    config = destination_config(convot_sandbox, tmp_path, api_token=token)
    echoed = []

    def write() -> None:
        for message in DestinationConvot(pacing=NO_WAIT).write(config, B.catalog(), iter(B.workspace())):
            echoed.append(message)

    with pytest.raises(AirbyteTracedException) as raised:
        write()
    assert counts(convot_sandbox.dump()) == NO_HELP_CENTER
    assert [name for name, _ in B.state_values(echoed)] == list(B.STREAMS)  # every state came back
    message = raised.value.message
    assert "The help center (languages, categories and articles) could not be written" in message
    assert "the Convot API key lacks helpdesk:read and helpdesk:write (Convot answered 403" in message
    assert "deselect helpdesk_locales, helpdesk_categories, helpdesk_sections, helpdesk_articles" in message
    assert token.split(":")[1] not in message

    # A key with the scopes: the help-center records waited in the ledger and are written now.
    run_write(convot_sandbox, tmp_path, [])
    assert counts(convot_sandbox.dump()) == WORKSPACE


def test_write_refused_on_contact_events_imports_everything_else(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    """The events' scope is a guess (contacts:write): a Convot that wants another one costs the events only,
    not the conversations written in the same lanes."""
    convot_sandbox.guesses = ConvotGuesses(events_scope="events:write")
    with pytest.raises(AirbyteTracedException) as raised:
        run_write(convot_sandbox, tmp_path, with_events())
    assert counts(convot_sandbox.dump()) == WORKSPACE
    assert convot_sandbox.dump()["contact_events"] == []
    message = raised.value.message
    assert (
        "The contact events (people_events) could not be written: the Convot API key lacks the scope"
        in message
    )
    assert "or deselect people_events" in message

    convot_sandbox.guesses = ConvotGuesses()  # a key (or a Convot) that allows them: the events waited
    run_write(convot_sandbox, tmp_path, [])
    assert len(convot_sandbox.dump()["contact_events"]) == len(EVENTS)
