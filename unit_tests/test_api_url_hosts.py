"""The host that is checked is the host that is connected to, in both connectors.

Two listeners on loopback record every connection. A hostile `api_url` is built around them so that the
config check and requests would read it differently (the check sees B, requests connects to A): it must be a
config error naming api_url, and no connection may reach either listener. The plain forms must still be
accepted, and then the connection must arrive exactly where the URL says. A 30x must never be followed.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from airbyte_cdk.models import Status

from destination_convot import DestinationConvot
from destination_convot.client import ConvotClient, Pacing
from destination_convot.errors import ConvotRedirected
from source_crisp.source import SourceCrisp
from testing.listener import Listener, _answer, listening

WEBSITE = "1e0a7f3c-6b2d-4b8e-a1d4-2c9f8e7b6a51"
CRISP_KEY = "crisp-key-that-must-stay-hidden"
CONVOT_TOKEN = "ck_demo:convot-secret-that-must-stay-hidden"


@pytest.fixture
def two() -> Iterator[tuple[Listener, Listener]]:
    with listening(Listener()) as a, listening(Listener()) as b:
        yield a, b


def source_check(url: str, tmp_path: Path, **extra: object):
    config = {"website_id": WEBSITE, "identifier": "ident", "key": CRISP_KEY, "api_url": url, **extra}
    return SourceCrisp().check(logging.getLogger("test"), config)


def destination_check(url: str, tmp_path: Path, **extra: object):
    config = {"api_token": CONVOT_TOKEN, "api_url": url, "ledger_path": str(tmp_path / "l.sqlite"), **extra}
    return DestinationConvot(pacing=Pacing(scale=0)).check(logging.getLogger("test"), config)


CHECKS = {"source-crisp": source_check, "destination-convot": destination_check}

# {a} and {b}: the two listeners' ports. Each is a URL that urllib.parse and urllib3 (what requests connects
# with) read differently, or a form nobody should have to guess about.
HOSTILE = [
    "http://127.0.0.1:{a}\\@127.0.0.1:{b}/v1",  # the issue's case: requests goes to :{a}, urlsplit saw :{b}
    "http://127.0.0.1:{a}\\@evil.invalid/v1",
    "http://evil.invalid\\@127.0.0.1:{a}/v1",
    "http://user:pass@127.0.0.1:{a}/v1",  # userinfo
    "http://127.0.0.1:{a}@127.0.0.1:{b}/v1",
    "http://127.0.0.1:{a}/v1?x=@127.0.0.1:{b}",  # a query
    "http://127.0.0.1:{a}/v1#@127.0.0.1:{b}",  # a fragment
    "http://127.0.0.1:{a}/v%31",  # percent-escapes
    "http://%31%32%37.0.0.1:{a}/v1",
    "http://127.0.0.1:{a}/ v1",  # whitespace and control characters
    "http://127.0.0.1:{a}\t/v1",
    "http://127.0.0.1:{a}/v1\r\nX-Injected: 1",
    "http://127.0.0.1:{a}/v1\x00",
    "http://127.0.0.1:0{a}/v1",  # unusual port forms
    "http://127.0.0.1:+{a}/v1",
    "http://127.0.0.1:{a}:{b}/v1",
    "http://127.0.0.1:99999/v1",
    "http://127.1:{a}/v1",  # unusual IPv4 forms the socket layer reads as 127.0.0.1
    "http://2130706433:{a}/v1",
    "http://0x7f.0.0.1:{a}/v1",
    "http://127.000.000.001:{a}/v1",
    "http://\u217cocalhost:{a}/v1",  # IDNA: U+217C (small roman fifty) folds to 'l'
    "http://local\u200bhost:{a}/v1",  # a zero-width space
    "http://127.0.0.1:{a}/v1/../admin",  # urllib3 removes dot segments
    "http:/127.0.0.1:{a}/v1",
    "http:\\\\127.0.0.1:{a}/v1",
    "http://[::1%25lo]:{a}/v1",  # an IPv6 zone
    "http://[0:0:0:0:0:0:0:1]:{a}/v1",  # an IPv6 address in a long form
    "ftp://127.0.0.1:{a}/v1",
]


@pytest.mark.parametrize("connector", CHECKS)
@pytest.mark.parametrize("template", HOSTILE)
def test_a_url_two_parsers_could_read_differently_is_refused_before_any_connection(
    connector, template, two, tmp_path
):
    a, b = two
    status = CHECKS[connector](template.format(a=a.port, b=b.port), tmp_path)
    assert status.status == Status.FAILED
    assert "api_url" in status.message
    assert "http(s) URL made only of a scheme, a host name or IP address" in status.message
    assert "secret-that-must-stay-hidden" not in status.message
    assert a.seen == b.seen == []


@pytest.mark.parametrize("connector", CHECKS)
def test_the_issue_url_is_refused_where_it_used_to_reach_another_port(connector, two, tmp_path):
    """Before: accepted as loopback port {b}; requests then sent the credentials to port {a}."""
    a, b = two
    status = CHECKS[connector](f"http://127.0.0.1:{a.port}\\@127.0.0.1:{b.port}/v1", tmp_path)
    assert "backslash" in status.message
    assert (a.seen, b.seen) == ([], [])


@pytest.mark.parametrize("connector", CHECKS)
@pytest.mark.parametrize(
    ("template", "family", "path"),
    [
        ("http://127.0.0.1:{a}/v1", socket.AF_INET, "/v1/"),
        ("http://127.0.0.1:{a}", socket.AF_INET, "/"),
        ("http://127.0.0.1:{a}/", socket.AF_INET, "/"),
        ("HTTP://127.0.0.1:{a}/v1/", socket.AF_INET, "/v1/"),
        ("http://localhost:{a}/v1", socket.AF_INET, "/v1/"),
        ("http://[::1]:{a}/v1", socket.AF_INET6, "/v1/"),
        ("  http://127.0.0.1:{a}/api/v1\n", socket.AF_INET, "/api/v1/"),  # pasted with spaces around
    ],
)
def test_the_plain_forms_are_accepted_and_connect_exactly_where_they_say(
    connector, template, family, path, tmp_path
):
    with listening(Listener(family=family)) as a:
        status = CHECKS[connector](template.format(a=a.port), tmp_path)
    assert status.status == Status.FAILED  # the listener denies the token: the request did arrive
    assert not status.message.startswith("api_url")
    assert "'api_url' is" not in status.message
    assert a.seen, "no request reached the listener the URL names"
    assert all(line.split()[1].startswith(path) for line, _ in a.seen)
    assert all(auth for _, auth in a.seen)


@pytest.mark.parametrize(
    "url",
    ["https://api.crisp.chat/v1", "https://app.convot.io/v1/", "https://xn--bcher-kva.example:8443/api"],
)
def test_https_hosts_ports_and_paths_are_accepted(url):
    from connector_shared.api_url import parse_api_url
    from destination_convot.config import ConvotConfig
    from source_crisp.config import CrispConfig

    crisp = CrispConfig.from_mapping({"website_id": WEBSITE, "identifier": "i", "key": "k", "api_url": url})
    convot = ConvotConfig.parse({"api_token": CONVOT_TOKEN, "api_url": url})
    assert crisp.api_url == convot.api_url == url.rstrip("/")
    assert parse_api_url(url).is_loopback is False


@pytest.mark.parametrize("connector", CHECKS)
@pytest.mark.parametrize("status_code", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_host_is_not_followed(connector, status_code, tmp_path):
    with listening(Listener()) as elsewhere:
        location = f"Location: http://localhost:{elsewhere.port}/v1/collect\r\n"
        redirecting = Listener(reply=lambda: _answer(status_code, b"", location))
        with listening(redirecting) as api:
            status = CHECKS[connector](f"http://127.0.0.1:{api.port}/v1", tmp_path)
    assert status.status == Status.FAILED
    assert f"redirect ({status_code}) to localhost" in status.message
    assert "api_url" in status.message
    assert api.seen
    assert elsewhere.seen == []


def test_a_redirected_write_sends_neither_token_nor_record_onwards():
    """A 307/308 makes requests repeat a POST with its body: a contact's data would go to the other host."""
    with listening(Listener()) as elsewhere:
        location = f"Location: http://localhost:{elsewhere.port}/v1/contacts\r\n"
        with listening(Listener(reply=lambda: _answer(308, b"", location))) as api:
            client = ConvotClient(f"http://127.0.0.1:{api.port}/v1", CONVOT_TOKEN, pacing=Pacing(scale=0))
            with pytest.raises(ConvotRedirected, match=r"redirect \(308\) to localhost.*api_url"):
                client.request("POST", "/contacts", json={"email": "someone@example.com"})
    assert len(api.seen) == 1
    assert elsewhere.seen == []
