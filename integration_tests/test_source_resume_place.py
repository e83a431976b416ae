"""A resume finds its place in the list as it is now, not by page number (issue 18 D.9).

An incremental read of a list the server pages by itself (teams, campaigns, helpdesk redirections, ...) is an
unsorted scan that checkpoints after each page. It is killed after page 1 (its first checkpoint is the state
the next read starts from); before the resume, an item above that place is deleted, so the first item of page
2 slides onto page 1. Pages are made small (fixed_page_size) so the tiny workspace's lists span pages.
Ground truth is the sandbox's list as it is at the resume.
"""

from __future__ import annotations

from typing import Any

from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer

from sandboxes.crisp import CrispSandbox
from sandboxes.crisp.routes import DELETABLE
from source_crisp.objects import BY_NAME
from source_crisp.state_origin import READ_FROM
from testing.source_runs import configure, discovered_catalog, read_in_process
from testing.source_runs import stream_records as records


def incremental(sandbox: CrispSandbox, stream: str, state: Any = None, **config: Any) -> Any:
    source_config = sandbox.source_config(**config)
    catalog = configure(discovered_catalog(sandbox.source_config()), [stream], incremental=True)
    sandbox.reset_counts()
    return read_in_process(source_config, ConfiguredAirbyteCatalogSerializer.load(catalog), state)


def states(output: Any) -> list[dict[str, Any]]:
    return [message.state.stream.stream_state.__dict__ for message in output.state_messages]


def ids(output: Any, stream: str) -> list[str]:
    key = BY_NAME[stream].primary_key[0]
    return [record[key] for record in records(output, stream)]


def killed_after_page_1(sandbox: CrispSandbox, stream: str, page_size: int) -> tuple[list[str], dict]:
    """What a read killed right after its first checkpoint (page 1) had emitted, and that checkpoint."""
    full = incremental(sandbox, stream)
    first = states(full)[0]
    assert first["resume_page"] == 2
    return ids(full, stream)[:page_size], first


def listed_now(sandbox: CrispSandbox, stream: str) -> set[str]:
    key = BY_NAME[stream].primary_key[0]
    return {item[key] for item in DELETABLE[stream](sandbox.workspace)}


def assert_resume_after_deletion_reads_what_slid_up(stream: str, page_size: int) -> None:
    with CrispSandbox(size="tiny", fixed_page_size=page_size) as sandbox:
        before, state = killed_after_page_1(sandbox, stream, page_size)
        sandbox.delete_listed(stream, 0)  # above the place: page 2's first item slides onto page 1
        resumed = incremental(sandbox, stream, {stream: state})
        assert listed_now(sandbox, stream) <= set(before) | set(ids(resumed, stream))
        # Found its place: page 1 is read again (one request), none of what page 1 emitted is repeated.
        assert not set(before) & set(ids(resumed, stream))
        final = states(resumed)[-1]
        assert set(final) - {READ_FROM} == {"updated_at"}  # the place is gone once the scan ended


def test_teams_resume_reads_the_team_that_slid_onto_the_page_already_read():
    assert_resume_after_deletion_reads_what_slid_up("teams", page_size=2)


def test_campaigns_resume_reads_the_campaign_that_slid_onto_the_page_already_read():
    assert_resume_after_deletion_reads_what_slid_up("campaigns", page_size=3)


def test_helpdesk_redirections_resume_after_a_deletion_loses_nothing():
    assert_resume_after_deletion_reads_what_slid_up("helpdesk_redirections", page_size=1)


def test_a_resume_whose_place_is_gone_reads_the_list_again_from_page_1():
    with CrispSandbox(size="tiny", fixed_page_size=2) as sandbox:
        _, state = killed_after_page_1(sandbox, "teams", 2)
        for _ in range(3):  # both items of page 1 and one more: the place cannot be found
            sandbox.delete_listed("teams", 0)
        resumed = incremental(sandbox, "teams", {"teams": state})
        assert set(ids(resumed, "teams")) == listed_now(sandbox, "teams")


def test_a_state_saved_with_a_page_number_only_resumes_from_page_1():
    """An older version's state names the page but not the items read before it."""
    with CrispSandbox(size="tiny", fixed_page_size=2) as sandbox:
        _, state = killed_after_page_1(sandbox, "teams", 2)
        del state["resume_after"]
        sandbox.delete_listed("teams", 0)
        resumed = incremental(sandbox, "teams", {"teams": state})
        assert set(ids(resumed, "teams")) == listed_now(sandbox, "teams")


def test_a_stop_on_max_requests_per_sync_resumes_at_its_place_after_a_deletion():
    with CrispSandbox(size="tiny", fixed_page_size=2) as sandbox:
        # Page 1, then the budget is spent before page 2 (the sync's other requests: none for one stream).
        stopped = incremental(sandbox, "teams", max_requests_per_sync=1)
        assert stopped.errors == []
        emitted, state = ids(stopped, "teams"), states(stopped)[-1]
        assert state["resume_page"] == 2
        assert len(emitted) == 2
        sandbox.delete_listed("teams", 0)
        resumed = incremental(sandbox, "teams", {"teams": state})
        assert listed_now(sandbox, "teams") <= set(emitted) | set(ids(resumed, "teams"))
