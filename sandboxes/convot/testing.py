"""A thin HTTP client for tests of the sandbox: a requests.Session bound to one token and base URL."""

from __future__ import annotations

import requests


class ApiClient:
    def __init__(self, base_url: str, token: str | None) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: object) -> requests.Response:
        return self.session.request(method, f"{self.base_url}{path}", timeout=10, **kwargs)

    def get(self, path: str, **params: object) -> requests.Response:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: dict | None = None) -> requests.Response:
        return self.request("POST", path, json=body)

    def patch(self, path: str, body: dict) -> requests.Response:
        return self.request("PATCH", path, json=body)

    def create(self, path: str, body: dict) -> dict:
        """POST expecting success; the unwrapped object."""
        response = self.post(path, body)
        assert response.status_code in (200, 201), response.text
        (payload,) = response.json().values()
        return payload


def validation_details(response: requests.Response) -> list[str]:
    """The `details` of a 422 answer (asserting it is one)."""
    assert response.status_code == 422, response.text
    return response.json()["error"]["details"]
