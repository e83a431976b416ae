"""The host that is checked is the host that is connected to.

An `api_url` is accepted only in a plain form that every URL parser reads the same way: a lower-risk subset
(scheme, host, optional port, optional path of ordinary characters) checked with a strict pattern, and then
read back through the very code requests uses to connect (its URL preparation and urllib3's `parse_url`),
which must agree on scheme, host, port and path. Anything outside that subset is refused rather than
interpreted: a backslash (`http://evil.invalid\\@127.0.0.1/` is 127.0.0.1 to `urllib.parse`, evil.invalid to
requests), userinfo, a query, a fragment, percent-escapes, whitespace or control characters, non-ASCII (IDNA
look-alikes), unusual port forms (`:0x50`, `:+80`, `:080`), unusual IPv4 forms (`127.1`, `2130706433`) and
dot segments that urllib3 would remove.

Plain http is accepted only to a loopback host (the local sandbox), or when the user accepted the risk.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

import requests
from urllib3.util import parse_url

ACCEPTED = (
    "an http(s) URL made only of a scheme, a host name or IP address, an optional port and an optional path "
    "of letters, digits and . _ ~ - / (no user name, password, query, fragment, backslash, percent-escape, "
    "space or non-ASCII character; a non-ASCII host in its xn-- form)"
)
LOOPBACK_HINT = "127.0.0.1, [::1] or localhost"

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_SHAPE = re.compile(
    r"(?P<scheme>https?)://"
    rf"(?P<host>{_LABEL}(?:\.{_LABEL})*|\[[0-9a-f:.]+\])"
    r"(?::(?P<port>[1-9][0-9]{0,4}))?"
    r"(?P<path>(?:/[a-z0-9._~-]*)*)",
    re.IGNORECASE,
)
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)


class UnsafeApiUrl(ValueError):
    """What is wrong with the URL and what is accepted (a refused URL is never used: it holds no secret)."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"{problem}; it must be {ACCEPTED}")


@dataclass(frozen=True)
class ApiUrl:
    url: str  # scheme and host lower-cased, no trailing slash
    scheme: str
    host: str  # as requests connects to it: a name, a dotted IPv4 address, or an IPv6 address in brackets
    port: int | None

    @property
    def sends_secret_in_clear(self) -> bool:
        """Plain http anywhere but this machine: the secret in each request's header crosses the network
        unencrypted, so the connectors accept it only when the user said so (allow_insecure_http)."""
        return self.scheme == "http" and not self.is_loopback

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host.strip("[]")).is_loopback
        except ValueError:
            return False


def parse_api_url(value: object) -> ApiUrl:
    """The URL in the one form both parsers agree on, or UnsafeApiUrl saying why not."""
    if not isinstance(value, str):
        raise UnsafeApiUrl("it is not text")
    text = value.strip()  # surrounding spaces are a copy-paste artefact; none may remain inside
    problem = _forbidden_character(text)
    if problem:
        raise UnsafeApiUrl(f"it contains {problem}")
    shape = _SHAPE.fullmatch(text)
    if shape is None:
        raise UnsafeApiUrl("it is not in the accepted form")
    scheme, host = shape["scheme"].lower(), shape["host"].lower()
    port = int(shape["port"]) if shape["port"] else None
    path = shape["path"].rstrip("/")
    _check_host(host)
    if port is not None and port > 65535:
        raise UnsafeApiUrl(f"its port {port} is above 65535")
    if any(segment in (".", "..") for segment in path.split("/")):
        raise UnsafeApiUrl("its path has a '.' or '..' segment")
    url = f"{scheme}://{host}{'' if port is None else f':{port}'}{path}"
    _same_for_requests(url, scheme, host, port, path)
    return ApiUrl(url, scheme, host, port)


def _forbidden_character(text: str) -> str | None:
    for character in text:
        if not character.isascii():
            return "a non-ASCII character"
        if character.isspace() or not character.isprintable():
            return "a space or control character"
    for character, name in (
        ("\\", "a backslash"),
        ("@", "'@' (a user name or password)"),
        ("?", "'?' (a query)"),
        ("#", "'#' (a fragment)"),
        ("%", "'%' (a percent-escape)"),
    ):
        if character in text:
            return name
    return None


def _check_host(host: str) -> None:
    if host.startswith("["):
        try:
            address = ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise UnsafeApiUrl(f"its host {host} is not an IPv6 address") from None
        if f"[{address.compressed}]" != host:
            raise UnsafeApiUrl(f"its IPv6 host must be written in its short form, [{address.compressed}]")
        return
    # The socket layer reads a host whose last label is a number as an IPv4 address, in any of the forms
    # inet_aton accepts (127.1, 0x7f.1, 2130706433): only the dotted-decimal form means one thing to everyone.
    if _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        try:
            canonical = str(ipaddress.IPv4Address(host))
        except ValueError:
            canonical = None
        if canonical != host:
            raise UnsafeApiUrl(
                f"its host {host} is a number but not an IPv4 address in dotted decimal form (like 127.0.0.1)"
            )


def _same_for_requests(url: str, scheme: str, host: str, port: int | None, path: str) -> None:
    """Read the URL back the way requests will when it connects; any disagreement is refused."""
    probe = requests.models.PreparedRequest()
    try:
        probe.prepare_url(url + "/", None)
        parsed = parse_url(probe.url)
    except (requests.RequestException, ValueError) as error:
        raise UnsafeApiUrl(f"requests cannot use it ({type(error).__name__})") from None
    seen = (parsed.scheme, parsed.host, parsed.port, parsed.auth, parsed.query, parsed.fragment, parsed.path)
    if seen != (scheme, host, port, None, None, None, path + "/"):
        raise UnsafeApiUrl(f"requests would read it differently (host {parsed.host})")
