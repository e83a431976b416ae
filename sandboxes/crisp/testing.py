"""A thin `requests` client for tests and benchmarks: authenticated GETs against a running sandbox."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import requests

from .sandbox import CrispSandbox
from .tokens import TOKENS_BY_NAME

if TYPE_CHECKING:
    from collections.abc import Iterator


class SandboxClient:
    def __init__(self, sandbox: CrispSandbox, token: str = "plugin", tier: str | None = None) -> None:
        self.sandbox = sandbox
        self.session = requests.Session()
        chosen = TOKENS_BY_NAME[token]
        self.session.auth = (chosen.identifier, chosen.key)
        self.session.headers["X-Crisp-Tier"] = tier or chosen.tier

    def get(self, path: str, **params: Any) -> requests.Response:
        """GET {base_url}/website/{website_id}/{path}; a path starting with / is taken from /v1 as is."""
        website = f"/website/{self.sandbox.website_id}/"
        url = self.sandbox.base_url + (path if path.startswith("/") else website + path)
        return self.session.get(url, params=params, timeout=10)

    def data(self, path: str, **params: Any) -> Any:
        response = self.get(path, **params)
        assert response.status_code in (200, 206), (response.status_code, response.text[:300])
        return response.json()["data"]

    def pages(self, path: str, **params: Any) -> list[list[Any]]:
        """Every page of a list route until the empty one; asserts 206 per page and 200 [] at the end."""
        pages, number = [], 1
        while True:
            response = self.get(f"{path}/{number}", **params)
            body = response.json()
            if not body["data"]:
                assert (response.status_code, body["reason"]) == (200, "listed")
                return pages
            assert (response.status_code, body["reason"]) == (206, "listed")
            pages.append(body["data"])
            number += 1

    def all(self, path: str, **params: Any) -> list[Any]:
        return [item for page in self.pages(path, **params) for item in page]

    def all_conversations(self) -> list[dict]:
        """Every conversation, empty ones included, in default order, read over HTTP."""
        return self.all("conversations", per_page=50, include_empty=1)


@contextmanager
def running_client(**options: Any) -> Iterator[SandboxClient]:
    """A started sandbox (tiny, seed 7, free port unless overridden) and a plugin-token client for it."""
    with CrispSandbox(**{"size": "tiny", "seed": 7, "port": 0} | options) as sandbox:
        yield SandboxClient(sandbox)
