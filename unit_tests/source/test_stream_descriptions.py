"""What discover shows a user picking streams: every stream's description states its request cost (issue 18
J.22), since that cost, not the row count, is what a sync spends of Crisp's quota."""

from __future__ import annotations

import re

import pytest

from source_crisp import SourceCrisp
from source_crisp.objects import OBJECTS
from testing.source_builders import config

# "1 request", "2 per conversation" after "request", "a 3-request probe": a number of requests.
COST = re.compile(r"\b\d+(?:-request| requests?)\b")


def discovered_descriptions() -> dict[str, str]:
    """Each stream's description as discover emits it (the schema's `description`), without any request:
    the sampled schema is replaced by an empty one."""
    streams = SourceCrisp().streams(config())
    for stream in streams:
        stream.get_json_schema = lambda: {"type": "object", "properties": {}}
    return {stream.name: stream.as_airbyte_stream().json_schema["description"] for stream in streams}


def test_every_stream_description_states_its_request_cost():
    descriptions = discovered_descriptions()
    assert set(descriptions) == {obj.name for obj in OBJECTS}  # every stream, not a sample
    without = sorted(name for name, text in descriptions.items() if not COST.search(text))
    assert without == []


@pytest.mark.parametrize(
    ("stream", "said"),
    [
        ("conversation_messages", "1 request per batch of messages"),
        ("conversation_messages", "at least 1 per conversation"),
        ("helpdesk_articles", "plus up to 2 per article"),
        ("helpdesk_sections", "per category"),
        ("helpdesk_categories", "3-request probe per sync"),
        ("conversations", "1 request per page of page_size items"),
        ("operators", "1 request"),
    ],
)
def test_the_streams_that_had_none_say_what_drives_their_cost(stream, said):
    assert said in discovered_descriptions()[stream]
