"""The issue's URL against the console scripts, every command that takes a config: a config error naming
api_url, and no connection reaches either loopback listener (the host the check saw, the host requests would
have connected to)."""

from __future__ import annotations

import pytest

from testing.listener import Listener, listening
from testing.secret_processes import destination_config, failure_text, run, source_config

pytestmark = pytest.mark.slow  # console scripts


@pytest.mark.parametrize(
    ("command", "verb"),
    [
        ("source-crisp", "check"),
        ("source-crisp", "discover"),
        ("source-crisp", "read"),
        ("destination-convot", "check"),
        ("destination-convot", "write"),
    ],
)
def test_the_backslash_url_is_refused_by_every_command_before_any_connection(command, verb, tmp_path):
    with listening(Listener()) as a, listening(Listener()) as b:
        url = f"http://127.0.0.1:{a.port}\\@127.0.0.1:{b.port}/v1"
        config = (
            source_config("key", "key-1") if command == "source-crisp" else destination_config("s", tmp_path)
        )
        code, _, messages = run(command, verb, config | {"api_url": url}, tmp_path)
    message = failure_text(messages)
    assert "api_url" in message
    assert "backslash" in message
    assert code == (0 if verb == "check" else 1)
    assert (a.seen, b.seen) == ([], [])
