"""Small builders for source-crisp unit tests: configs, Crisp envelopes, a client that never waits."""

from __future__ import annotations

from typing import Any

from airbyte_cdk.models import ConfiguredAirbyteCatalog, ConfiguredAirbyteCatalogSerializer

from source_crisp.client import Backoff, CrispClient
from source_crisp.config import CrispConfig

WEBSITE_ID = "1e0a7f3c-6b2d-4b8e-a1d4-2c9f8e7b6a51"
API = "https://api.crisp.test/v1"
SECRET_KEY = "top-secret-key-never-logged"


def config(**overrides: Any) -> dict[str, Any]:
    base = {"website_id": WEBSITE_ID, "identifier": "ident-1", "key": SECRET_KEY, "api_url": API}
    return base | overrides


def envelope(data: Any, reason: str = "listed", error: bool = False) -> dict[str, Any]:
    return {"error": error, "reason": reason, "data": data}


def client(waits: list[float] | None = None, **overrides: Any) -> CrispClient:
    sleep = waits.append if waits is not None else (lambda _seconds: None)
    return CrispClient(CrispConfig.from_mapping(config(**overrides)), backoff=Backoff.immediate(sleep))


def url(path: str) -> str:
    return f"{API}/website/{WEBSITE_ID}/{path}"


def catalog_of(stream: str, cursor: str | None = None) -> ConfiguredAirbyteCatalog:
    """A one-stream configured catalog: incremental on `cursor` when given, else full refresh. The empty
    schema means "as discovered"."""
    modes = ["full_refresh", "incremental"] if cursor else ["full_refresh"]
    configured = {
        "stream": {"name": stream, "json_schema": {}, "supported_sync_modes": modes},
        "sync_mode": "incremental" if cursor else "full_refresh",
        "destination_sync_mode": "append",
        "cursor_field": [cursor] if cursor else [],
    }
    return ConfiguredAirbyteCatalogSerializer.load({"streams": [configured]})
