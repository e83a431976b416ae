"""source-crisp against a hostile Crisp (sandbox fault switches), in-process to stay fast: errors dressed as
success, lists that never end. Nothing may read as an empty success; every walk is bounded."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from sandboxes.crisp import CrispSandbox, Faults
from source_crisp import SourceCrisp
from source_crisp.client import Backoff
from testing.source_runs import configure, run

PAGE = 20


def catalog(*streams: str) -> Any:
    configured = [
        {
            "stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
            "sync_mode": "full_refresh",
            "destination_sync_mode": "append",
        }
        for name in streams
    ]
    return ConfiguredAirbyteCatalogSerializer.load({"streams": configured})


def source() -> SourceCrisp:
    return SourceCrisp(backoff=Backoff.immediate())


def errors_of(output: Any) -> list[str]:
    return [message.trace.error.message for message in output.errors]


def test_errors_dressed_as_200_fail_check_and_read_instead_of_reading_nothing(crisp_sandbox: CrispSandbox):
    crisp_sandbox.set_faults(Faults(error_ratio=1.0, error_as_200=True))
    with pytest.raises(AirbyteTracedException, match="envelope says error"):
        source().check_connection(logging.getLogger("test"), crisp_sandbox.source_config())
    output = read(
        source(),
        crisp_sandbox.source_config(page_size=PAGE),
        catalog("conversations"),
        expecting_exception=True,
    )
    assert output.records == []
    assert any("envelope says error" in error for error in errors_of(output))


def test_some_errors_dressed_as_200_are_retried_and_nothing_is_lost(crisp_sandbox: CrispSandbox):
    crisp_sandbox.set_faults(Faults(error_ratio=0.3, error_as_200=True, seed=3))
    output = read(source(), crisp_sandbox.source_config(page_size=PAGE), catalog("conversations"))
    read_ids = sorted(record.record.data["session_id"] for record in output.records)
    assert read_ids == sorted(c["session_id"] for c in crisp_sandbox.workspace.conversations())


def test_pages_cycling_a_b_a_b_stop_the_read_after_a_few_requests(crisp_sandbox: CrispSandbox):
    crisp_sandbox.set_faults(Faults(page_cycle=2))
    crisp_sandbox.reset_counts()
    config = crisp_sandbox.source_config(page_size=PAGE)
    output = read(source(), config, catalog("conversations"), expecting_exception=True)
    assert any("same conversations page twice" in error for error in errors_of(output))
    assert crisp_sandbox.request_counts()["conversations"] <= 4  # discovery's page 1 + pages 1, 2, 3
    assert len(output.records) == 2 * PAGE  # what was read before the repeat is still emitted


def test_a_list_that_never_ends_stops_at_max_pages_per_list(crisp_sandbox: CrispSandbox):
    crisp_sandbox.set_faults(Faults(page_cycle=1))  # the sandbox serves page 1 for ever: the bound stops it
    config = crisp_sandbox.source_config(page_size=PAGE, max_pages_per_list=1)
    output = read(source(), config, catalog("people_profiles"), expecting_exception=True)
    assert any("did not end after 1 pages" in error for error in errors_of(output))


@pytest.mark.slow
def test_a_catalog_naming_an_unknown_stream_fails_saying_which(crisp_sandbox: CrispSandbox, tmp_path):
    streams = [
        {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh"]}
        for name in ("conversations", "tickets")
    ]
    result = run(
        "read",
        tmp_path,
        crisp_sandbox.source_config(),
        configure({"streams": streams}, ["conversations", "tickets"]),
    )
    assert result.returncode != 0
    assert any("tickets" in error and "Refresh the source schema" in error for error in result.errors)
    assert result.records == {}  # nothing read: the user fixes the catalog first


@pytest.mark.slow
def test_check_refuses_plain_http_to_a_non_loopback_host_before_any_request(
    crisp_sandbox: CrispSandbox, tmp_path
):
    config = crisp_sandbox.source_config(api_url="http://169.254.169.254/v1")
    status = run("check", tmp_path, config).connection_status
    assert status["status"] == "FAILED"
    assert "allow_insecure_http" in status["message"]
    assert config["key"] not in status["message"]
