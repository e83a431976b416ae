"""`ConvotSandbox`: the Python handle tests use to start, inspect and disturb the Convot emulator."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from . import accounts
from .accounts import ALL_SCOPES
from .faults import ConvotFaults, FaultPlan
from .guesses import ConvotGuesses
from .server import SandboxServer
from .snapshot import dump_app
from .store import Store

HOST = "127.0.0.1"  # loopback only, always


class ConvotSandbox:
    """A Convot API on 127.0.0.1 persisting to SQLite; `db_path=None` uses a temporary file.

    The same `db_path` after `stop()` (or in a new instance) serves the same data and the same default token.
    """

    def __init__(
        self,
        db_path: str | Path | None = None,
        port: int = 0,
        faults: ConvotFaults | None = None,
        guesses: ConvotGuesses | None = None,
    ) -> None:
        self._tempdir = None if db_path else tempfile.TemporaryDirectory(prefix="convot-sandbox-")
        self.db_path = str(db_path or Path(self._tempdir.name) / "convot.sqlite3")
        self.port = port
        self.fault_plan = FaultPlan(faults or ConvotFaults())
        self.guesses = guesses or ConvotGuesses()  # which answer each undocumented behaviour gets
        self.store: Store | None = None
        self.token: str | None = None
        self._server: SandboxServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> ConvotSandbox:
        if self._server is not None:
            return self
        self.store = Store(self.db_path)
        self.token = accounts.ensure_seeded(self.store)
        self._server = SandboxServer((HOST, self.port), self)
        self.port = self._server.server_address[1]  # a restart of this instance keeps its port
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="convot-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.store.close()
        self._server = self._thread = None

    def __enter__(self) -> ConvotSandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    @property
    def admin_url(self) -> str:
        return f"http://{HOST}:{self.port}/_sandbox"

    # setup -----------------------------------------------------------------------------------------------
    def create_app(self, organization_of: int | None = None) -> int:
        """Another app: in its own organization (isolation tests), or in the organization of app
        `organization_of`, where contacts are shared and custom_data stays per app."""
        organization_id = None
        if organization_of is not None:
            organization_id = self.store.scalar(
                "SELECT organization_id FROM apps WHERE id = ?", organization_of
            )
            if organization_id is None:
                raise ValueError(f"organization_of: no app {organization_of}")
        return accounts.create_app(self.store, organization_id)

    def create_user(self, app_id: int, email: str, name: str | None = None) -> int:
        """A teammate whose id can be an `operator_id`."""
        return accounts.create_user(self.store, app_id, email, name)

    def create_token(self, app_id: int = 1, scopes: tuple[str, ...] | list[str] = ALL_SCOPES) -> str:
        return accounts.create_token(self.store, app_id, scopes)

    def revoke_token(self, token: str) -> None:
        accounts.revoke_token(self.store, token)

    def destination_config(self, **overrides: object) -> dict:
        return {"api_url": self.base_url, "api_token": self.token, **overrides}

    # inspection and faults -------------------------------------------------------------------------------
    def dump(self, app_id: int = 1) -> dict:
        return dump_app(self.store, app_id)

    def request_log(self) -> dict:
        """{"requests": per "METHOD /v1/route/{template}", "statuses": per response status or "dropped"}."""
        return self._server.requests.snapshot() if self._server else {"requests": {}, "statuses": {}}

    def request_counts(self) -> dict[str, int]:
        return self.request_log()["requests"]

    def reset_counts(self) -> None:
        if self._server:
            self._server.requests.reset()

    @property
    def faults(self) -> ConvotFaults:
        return self.fault_plan.faults

    def set_faults(self, faults: ConvotFaults) -> None:
        """Replace every fault at once; token buckets and the random stream start afresh."""
        self.fault_plan = FaultPlan(faults)
