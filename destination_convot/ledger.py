"""The idempotency ledger: a SQLite file remembering what this destination already wrote.

Tables (all scoped by Crisp website and Convot app; the app is named by the first key id that reached it, and
`keys` binds every later key of the same app to that name, see `app_identity.py`):
- `mapping`: (kind, Crisp id) -> Convot id + a content hash, written only after Convot confirmed the write;
- `pending`: records received but not written yet (a message whose conversation does not exist yet, helpdesk
  records waiting for the end of the sync): durable, so a STATE may be echoed while they wait. Each persisted
  batch gets a number, so the lanes queued for a STATE write exactly the records that came before it;
- `intents`: a create about to be sent; if the process dies before the confirmation is committed, the next run
  looks the object up in Convot instead of creating it again;
- `facts`: Crisp-side facts later records need (operator emails, sections, article sources).

- `keys`: Convot key id (`ck_<id>`) -> the app name its rows are stored under;
- `flags`: per app, e.g. `rebuild` (the app held imported objects the ledger did not know, see `rebuild.py`).

One connection shared by the worker threads behind a lock; WAL so a SIGKILL never loses a committed row. One
sync at a time per ledger: an OS lock on `<ledger>.lock` is held while the ledger is open (two writers on one
ledger would each create what the other has not confirmed yet).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS mapping (
    website_id TEXT NOT NULL, app TEXT NOT NULL, kind TEXT NOT NULL, crisp_id TEXT NOT NULL,
    convot_id TEXT, content_hash TEXT, extra TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (website_id, app, kind, crisp_id));
CREATE TABLE IF NOT EXISTS pending (
    website_id TEXT NOT NULL, app TEXT NOT NULL, kind TEXT NOT NULL, crisp_id TEXT NOT NULL,
    parent_id TEXT, sort_key REAL NOT NULL DEFAULT 0, record TEXT NOT NULL, batch INTEGER NOT NULL,
    PRIMARY KEY (website_id, app, kind, crisp_id));
CREATE INDEX IF NOT EXISTS pending_by_parent ON pending (app, kind, website_id, parent_id, sort_key);
CREATE TABLE IF NOT EXISTS intents (
    website_id TEXT NOT NULL, app TEXT NOT NULL, kind TEXT NOT NULL, crisp_id TEXT NOT NULL,
    parent_id TEXT, payload TEXT NOT NULL,
    PRIMARY KEY (website_id, app, kind, crisp_id));
CREATE TABLE IF NOT EXISTS facts (
    website_id TEXT NOT NULL, kind TEXT NOT NULL, crisp_id TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (website_id, kind, crisp_id));
CREATE TABLE IF NOT EXISTS keys (key_id TEXT PRIMARY KEY, app TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS flags (app TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (app, name));
"""
LOCK_WAIT_SECONDS = 30.0  # a second sync waits this long for the first to release the ledger, then stops
RESTART_ADVICE = (
    "Restore the file from a backup, or move it aside: the next sync then starts a new ledger and matches "
    "what Convot already holds by external id instead of importing it twice."
)


class LedgerError(Exception):
    """The ledger file cannot be used; the message names the file, what is wrong and what to do."""


def explain(path: Path | None, error: BaseException) -> LedgerError:
    """A sqlite/OS error on the ledger as something a user can act on (no traceback, the path named)."""
    text = str(error)
    where = f"The ledger file {path}"
    if isinstance(error, LedgerError):
        return error
    if is_disk_full(error):
        # Not damage: SQLite rolled the failed transaction back, so the file is intact and what it held
        # before stays true; only room is missing.
        return LedgerError(
            f"{where} could not be written: no space left ({text}). Free space on the disk (or raise the "
            f"quota) holding {path.parent if path else 'the ledger'}; SQLite also needs room for the `-wal` "
            "file next to it. Then re-run: the ledger is intact, and nothing after the last emitted state is "
            "assumed written."
        )
    if "readonly" in text or "read-only" in text or isinstance(error, PermissionError):
        return LedgerError(
            f"{where} cannot be written ({text}). Give the user running the destination write access to the "
            "file and its folder (SQLite also writes `-wal` and `-shm` files next to it), or point "
            "ledger_path at a writable place (then move the file there)."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return LedgerError(
            f"{where} is not a readable SQLite ledger ({text}): it is damaged. {RESTART_ADVICE}"
        )
    if "unable to open" in text or isinstance(error, OSError):
        return LedgerError(
            f"{where} cannot be opened ({text}). Check that ledger_path names a file (not a folder) in a "
            "folder that exists and that the user running the destination can read and write."
        )
    if "locked" in text or "busy" in text:
        return LedgerError(
            f"{where} is locked by another process ({text}). Wait for it to finish, then re-run."
        )
    return LedgerError(f"{where} could not be used ({type(error).__name__}: {text}). {RESTART_ADVICE}")


DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
DISK_FULL_TEXTS = ("database or disk is full", "no space left", "quota exceeded")


def is_disk_full(error: BaseException) -> bool:
    """SQLite says "database or disk is full" (SQLITE_FULL); the OS says ENOSPC or EDQUOT."""
    if isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:
        return True
    return any(marker in str(error).lower() for marker in DISK_FULL_TEXTS)


class LedgerBusy(LedgerError):
    """Another sync holds this ledger."""


def hold_lock(path: Path, wait_seconds: float) -> int:
    """Take the ledger's OS lock (released by the OS if the process dies), waiting a bounded time for it."""
    lock_path = path.with_name(path.name + ".lock")
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip()
                os.close(descriptor)
                raise LedgerBusy(
                    f"Another destination-convot sync is using the ledger {path} (lock {lock_path} held"
                    + (f" by process {holder}" if holder else "")
                    + f"; waited {wait_seconds:.0f}s). Two syncs writing at once would import objects twice: "
                    "let the other sync finish (or stop it), then re-run this one."
                ) from None
            time.sleep(0.1)
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, str(os.getpid()).encode(), 0)
    return descriptor


@dataclass(frozen=True)
class Entry:
    convot_id: str | None
    content_hash: str | None
    extra: dict[str, Any]


@dataclass(frozen=True)
class Pending:
    website_id: str
    kind: str
    crisp_id: str
    parent_id: str | None
    sort_key: float
    record: dict[str, Any]


@dataclass(frozen=True)
class Intent:
    website_id: str
    kind: str
    crisp_id: str
    parent_id: str | None
    payload: dict[str, Any]


PENDING_SELECT = "SELECT website_id, kind, crisp_id, parent_id, sort_key, record FROM pending"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class Ledger:
    """`path=None` keeps the ledger in memory (a preview without a ledger file writes nothing to disk)."""

    def __init__(self, path: Path | None, app: str, lock_wait: float = LOCK_WAIT_SECONDS) -> None:
        self.path = path
        self.app = app
        self._lock = threading.RLock()
        self._file_lock: int | None = None
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._file_lock = hold_lock(path, lock_wait)
            self._db = sqlite3.connect(
                str(path) if path else ":memory:", check_same_thread=False, isolation_level=None
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "PRAGMA synchronous=NORMAL"
            )  # durable against process death, which is what re-runs need
            self._db.executescript(SCHEMA)
            self._batch = self._db.execute("SELECT COALESCE(MAX(batch), 0) FROM pending").fetchone()[0]
        except (sqlite3.Error, OSError) as error:
            self._release()
            raise explain(path, error) from None

    def close(self) -> None:
        with self._lock:
            if hasattr(self, "_db"):
                self._db.close()
            self._release()

    def __del__(self) -> None:
        self._release()  # a ledger dropped without close() (tests inspecting one) must not keep the lock

    def _release(self) -> None:
        if getattr(self, "_file_lock", None) is not None:
            os.close(self._file_lock)  # closing the descriptor releases the flock
            self._file_lock = None

    # -- which app the rows belong to (app_identity.py decides) -------------------------------------
    def app_of_key(self, key_id: str) -> str | None:
        rows = self._rows("SELECT app FROM keys WHERE key_id=?", (key_id,))
        return rows[0][0] if rows else None

    def bind_key(self, key_id: str, app: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO keys VALUES (?,?)", (key_id, app))
        self.app = app

    def apps(self) -> list[str]:
        """Every app name holding rows: ledgers written before `keys` existed name apps by key id."""
        rows = self._rows(
            "SELECT app FROM mapping UNION SELECT app FROM pending UNION SELECT app FROM intents "
            "UNION SELECT app FROM keys ORDER BY 1",
            (),
        )
        return [row[0] for row in rows]

    def samples(self, app: str, kind: str, limit: int) -> list[str]:
        """Convot ids of objects confirmed for an app: what proves a key reaches that app."""
        rows = self._rows(
            "SELECT convot_id FROM mapping WHERE app=? AND kind=? AND convot_id IS NOT NULL LIMIT ?",
            (app, kind, limit),
        )
        return [row[0] for row in rows]

    def status_drift(self, kind: str) -> set[tuple[str, str]]:
        """(website, Crisp id) of objects whose recorded `status` is not their `desired` one."""
        rows = self._rows(
            "SELECT website_id, crisp_id FROM mapping WHERE app=? AND kind=? "
            "AND json_extract(extra, '$.desired') IS NOT NULL "
            "AND json_extract(extra, '$.status') IS NOT json_extract(extra, '$.desired')",
            (self.app, kind),
        )
        return {(row[0], row[1]) for row in rows}

    def knows_children(self, kind: str, website_id: str, parent_id: str) -> bool:
        """Whether any object keyed `<parent>:<...>` (a conversation's messages) is confirmed."""
        return self.count_children(kind, website_id, parent_id) > 0

    def knows_anything(self) -> bool:
        return bool(self._rows("SELECT 1 FROM mapping WHERE app=? LIMIT 1", (self.app,)))

    def flag(self, name: str) -> bool:
        return bool(self._rows("SELECT 1 FROM flags WHERE app=? AND name=?", (self.app, name)))

    def set_flag(self, name: str, on: bool) -> None:
        with self.transaction() as db:
            if on:
                db.execute("INSERT OR IGNORE INTO flags VALUES (?,?)", (self.app, name))
            else:
                db.execute("DELETE FROM flags WHERE app=? AND name=?", (self.app, name))

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, params: Iterable[Any]) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, tuple(params)).fetchall()

    # -- mapping -----------------------------------------------------------------------------------
    def get(self, kind: str, website_id: str, crisp_id: str) -> Entry | None:
        rows = self._rows(
            "SELECT convot_id, content_hash, extra FROM mapping "
            "WHERE website_id=? AND app=? AND kind=? AND crisp_id=?",
            (website_id, self.app, kind, crisp_id),
        )
        return Entry(rows[0][0], rows[0][1], json.loads(rows[0][2])) if rows else None

    def entries(self, kind: str) -> list[tuple[str, str, Entry]]:
        rows = self._rows(
            "SELECT website_id, crisp_id, convot_id, content_hash, extra FROM mapping WHERE app=? AND kind=?",
            (self.app, kind),
        )
        return [(row[0], row[1], Entry(row[2], row[3], json.loads(row[4]))) for row in rows]

    def count_children(self, kind: str, website_id: str, parent_crisp_id: str) -> int:
        """Confirmed objects whose Crisp id is `<parent_crisp_id>:<…>`: the messages of one conversation.

        A range on the primary key (":" sorts just before ";"), so it reads the index, not the table."""
        rows = self._rows(
            "SELECT COUNT(*) FROM mapping "
            "WHERE website_id=? AND app=? AND kind=? AND crisp_id>=? AND crisp_id<?",
            (website_id, self.app, kind, f"{parent_crisp_id}:", f"{parent_crisp_id};"),
        )
        return int(rows[0][0])

    def confirm(
        self,
        website_id: str,
        entries: Iterable[tuple[str, str, Entry]],
        done: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Record what Convot confirmed, drop its intents and the pending rows it consumed, atomically."""
        with self.transaction() as db:
            for kind, crisp_id, entry in entries:
                db.execute(
                    "INSERT INTO mapping VALUES (?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET "
                    "convot_id=excluded.convot_id, content_hash=excluded.content_hash, extra=excluded.extra",
                    (
                        website_id,
                        self.app,
                        kind,
                        crisp_id,
                        _text(entry.convot_id),
                        entry.content_hash,
                        json.dumps(entry.extra),
                    ),
                )
                db.execute(
                    "DELETE FROM intents WHERE website_id=? AND app=? AND kind=? AND crisp_id=?",
                    (website_id, self.app, kind, crisp_id),
                )
            for done_kind, done_id in done:
                self._delete_pending(db, done_kind, website_id, done_id)

    # -- pending -----------------------------------------------------------------------------------
    def add_pending(self, rows: Iterable[Pending]) -> int:
        """Persist one batch of records in one transaction; returns the batch number."""
        with self.transaction() as db:
            self._batch += 1
            batch = self._batch
            db.executemany(
                "INSERT OR REPLACE INTO pending VALUES (?,?,?,?,?,?,?,?)",
                [
                    (
                        r.website_id,
                        self.app,
                        r.kind,
                        r.crisp_id,
                        r.parent_id,
                        r.sort_key,
                        json.dumps(r.record),
                        batch,
                    )
                    for r in rows
                ],
            )
        return batch

    def pending(
        self,
        kind: str,
        website_id: str | None = None,
        parent_id: str | None = None,
        crisp_id: str | None = None,
        up_to: int | None = None,
    ) -> list[Pending]:
        """Pending rows of one kind, optionally narrowed; siblings in sort order (messages: oldest first)."""
        sql = PENDING_SELECT + " WHERE app=? AND kind=?"
        params: list[Any] = [self.app, kind]
        for column, value in (("website_id", website_id), ("parent_id", parent_id), ("crisp_id", crisp_id)):
            if value is not None:
                sql += f" AND {column}=?"
                params.append(value)
        if up_to is not None:
            sql += " AND batch<=?"
            params.append(up_to)
        rows = self._rows(sql + " ORDER BY website_id, parent_id, sort_key, crisp_id", params)
        return [Pending(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def pending_keys(self, kind: str, column: str = "crisp_id") -> set[tuple[str, str]]:
        """(website, Crisp id) of the pending rows of a kind; `column="parent_id"`: their parents."""
        assert column in ("crisp_id", "parent_id")
        rows = self._rows(
            f"SELECT DISTINCT website_id, {column} FROM pending WHERE app=? AND kind=?", (self.app, kind)
        )
        return {(row[0], row[1]) for row in rows}

    def pending_one(
        self, kind: str, website_id: str, crisp_id: str, up_to: int | None = None
    ) -> Pending | None:
        rows = self.pending(kind, website_id, crisp_id=crisp_id, up_to=up_to)
        return rows[0] if rows else None

    def drop_pending(self, kind: str, website_id: str, crisp_id: str) -> None:
        with self.transaction() as db:
            self._delete_pending(db, kind, website_id, crisp_id)

    def _delete_pending(self, db: sqlite3.Connection, kind: str, website_id: str, crisp_id: str) -> None:
        db.execute(
            "DELETE FROM pending WHERE website_id=? AND app=? AND kind=? AND crisp_id=?",
            (website_id, self.app, kind, crisp_id),
        )

    def count_pending(self) -> dict[str, int]:
        rows = self._rows("SELECT kind, COUNT(*) FROM pending WHERE app=? GROUP BY kind", (self.app,))
        return {row[0]: row[1] for row in rows}

    # -- intents -----------------------------------------------------------------------------------
    def record_intent(self, intent: Intent) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO intents VALUES (?,?,?,?,?,?)",
                (
                    intent.website_id,
                    self.app,
                    intent.kind,
                    intent.crisp_id,
                    intent.parent_id,
                    json.dumps(intent.payload),
                ),
            )

    def intents(self) -> list[Intent]:
        rows = self._rows(
            "SELECT website_id, kind, crisp_id, parent_id, payload FROM intents WHERE app=? ORDER BY rowid",
            (self.app,),
        )
        return [Intent(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]

    def clear_intent(self, kind: str, website_id: str, crisp_id: str) -> None:
        with self.transaction() as db:
            db.execute(
                "DELETE FROM intents WHERE website_id=? AND app=? AND kind=? AND crisp_id=?",
                (website_id, self.app, kind, crisp_id),
            )

    # -- facts -------------------------------------------------------------------------------------
    def set_facts(self, kind: str, rows: Iterable[tuple[str, str, Any]]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO facts VALUES (?,?,?,?)",
                [(website_id, kind, crisp_id, json.dumps(value)) for website_id, crisp_id, value in rows],
            )

    def fact(self, kind: str, website_id: str, crisp_id: str) -> Any:
        rows = self._rows(
            "SELECT value FROM facts WHERE website_id=? AND kind=? AND crisp_id=?",
            (website_id, kind, crisp_id),
        )
        return json.loads(rows[0][0]) if rows else None

    def facts(self, kind: str) -> list[tuple[str, str, Any]]:
        rows = self._rows("SELECT website_id, crisp_id, value FROM facts WHERE kind=?", (kind,))
        return [(row[0], row[1], json.loads(row[2])) for row in rows]
