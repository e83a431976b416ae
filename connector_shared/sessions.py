"""A requests session that never follows a redirect.

requests follows a 30x on its own: it drops the Authorization header when the host or port changes, but it
still sends the request, with a POST's body (contacts, messages) on a 307/308, to whichever host the answer
names, and hands back that host's answer as if it were the API's. The host checked in the config would then
not be the host connected to. With this session a 30x is returned as it is, for the connector to refuse.
"""

from __future__ import annotations

import requests
from urllib3.util import parse_url


class NoRedirectSession(requests.Session):
    def get_redirect_target(self, resp: requests.Response) -> None:
        return None


def redirect_target_host(location: str | None) -> str:
    """The host a 30x answer's Location header points to, for the message (nothing is sent there)."""
    if not location:
        return "no address (no Location header)"
    try:
        return parse_url(location).host or "another path on the same host"
    except ValueError:
        return "an unreadable address"
