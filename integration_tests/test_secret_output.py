"""A secret a header cannot carry: every command that takes a config ends with a config error naming the
field, and nothing on stdout or stderr gives away any part of the secret.

Before, `check` crashed with a traceback, and the destination's said "'latin-1' codec can't encode character
'\\u20ac' in position 21": a character of the token and where it stands. (`spec` takes no config, so it has
no secret to show.)
"""

from __future__ import annotations

import pytest

from testing.secret_leaks import control_for, leaks
from testing.secret_processes import (
    destination_config,
    failure_text,
    run,
    source_config,
)

pytestmark = pytest.mark.slow  # each case runs a connector's console script twice

SECRETS = ["ключ-секрет", "sécret€"]


@pytest.mark.parametrize("secret", SECRETS)
@pytest.mark.parametrize(
    ("verb", "field"), [("check", "key"), ("discover", "key"), ("read", "key"), ("check", "identifier")]
)
def test_source_names_the_field_and_shows_no_part_of_the_secret(verb, field, secret, tmp_path):
    code, output, messages = run("source-crisp", verb, source_config(field, secret), tmp_path / "s")
    _, control, _ = run("source-crisp", verb, source_config(field, control_for(secret)), tmp_path / "c")
    assert f"Config field '{field}'" in failure_text(messages)
    assert "visible ASCII" in failure_text(messages)
    assert code == (0 if verb == "check" else 1)
    assert verb != "check" or "Traceback" not in output  # the CDK's config-error traces carry one
    assert leaks(secret, output, control) == []


@pytest.mark.parametrize("secret", SECRETS)
@pytest.mark.parametrize("verb", ["check", "write"])
def test_destination_names_the_field_and_shows_no_part_of_the_secret(verb, secret, tmp_path):
    config = destination_config(secret, tmp_path)
    code, output, messages = run("destination-convot", verb, config, tmp_path / "s")
    control_config = destination_config(control_for(secret), tmp_path)
    _, control, _ = run("destination-convot", verb, control_config, tmp_path / "c")
    assert failure_text(messages).startswith("api_token:")
    assert "visible ASCII" in failure_text(messages)
    assert code == (0 if verb == "check" else 1)
    assert verb != "check" or "Traceback" not in output  # the CDK's config-error traces carry one
    assert leaks(secret, output, control) == []
