"""SQLite persistence: the schema and a few generic queries every resource shares.

One connection guarded by one lock: requests are short, and a single writer never meets "database is
locked". WAL keeps readers cheap and makes a committed request survive a killed sandbox.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS apps (
    id INTEGER PRIMARY KEY, organization_id INTEGER NOT NULL, name TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, app_id INTEGER NOT NULL, email TEXT NOT NULL, name TEXT,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY, app_id INTEGER NOT NULL, secret_sha256 TEXT NOT NULL, scopes TEXT NOT NULL,
    revoked_at TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contacts (
    id INTEGER PRIMARY KEY, organization_id INTEGER NOT NULL, external_id TEXT, email TEXT, name TEXT,
    phone TEXT, company TEXT, avatar_url TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS contacts_external_id ON contacts (organization_id, external_id);
CREATE INDEX IF NOT EXISTS contacts_email ON contacts (organization_id, email COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS app_contacts (
    app_id INTEGER NOT NULL, contact_id INTEGER NOT NULL, custom_data TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (app_id, contact_id));
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, app_id INTEGER NOT NULL, contact_id INTEGER NOT NULL, status TEXT NOT NULL,
    external_id TEXT, channel TEXT NOT NULL, messages_count INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY, app_id INTEGER NOT NULL, conversation_id TEXT NOT NULL, type TEXT NOT NULL,
    content TEXT NOT NULL, operator_id INTEGER, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS messages_thread ON messages (conversation_id, created_at, id);
CREATE TABLE IF NOT EXISTS helpdesk_languages (
    id INTEGER PRIMARY KEY, app_id INTEGER NOT NULL, locale TEXT NOT NULL, name TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS helpdesk_categories (
    id INTEGER PRIMARY KEY, app_id INTEGER NOT NULL, name TEXT NOT NULL, description TEXT, color TEXT,
    position INTEGER, locale TEXT, external_id TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS helpdesk_articles (
    id INTEGER PRIMARY KEY, app_id INTEGER NOT NULL, title TEXT NOT NULL, slug TEXT NOT NULL, content TEXT,
    summary TEXT, status TEXT NOT NULL, category_id INTEGER, position INTEGER, locale TEXT, external_id TEXT,
    meta_title TEXT, meta_description TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contact_events (
    id INTEGER PRIMARY KEY, app_id INTEGER NOT NULL, contact_id INTEGER NOT NULL, name TEXT NOT NULL,
    occurred_at TEXT NOT NULL, properties TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY, app_id INTEGER NOT NULL, kind TEXT NOT NULL, conversation_id TEXT,
    message_id INTEGER, contact_id INTEGER, email TEXT, created_at TEXT NOT NULL);
"""

# Columns holding JSON text; decoded on the way out so callers only see Python values.
JSON_COLUMNS = frozenset({"custom_data", "scopes", "properties"})


def _encode(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def _decode(row: sqlite3.Row) -> dict:
    return {key: json.loads(row[key]) if key in JSON_COLUMNS else row[key] for key in row.keys()}  # noqa: SIM118


class Store:
    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.RLock()
        self._depth = 0

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One request = one transaction: a failed request leaves nothing half written."""
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outermost:
                self._db.execute("COMMIT")

    def all(self, sql: str, *args: Any) -> list[dict]:
        with self._lock:
            return [_decode(row) for row in self._db.execute(sql, args)]

    def one(self, sql: str, *args: Any) -> dict | None:
        rows = self.all(sql, *args)
        return rows[0] if rows else None

    def scalar(self, sql: str, *args: Any) -> Any:
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        return row[0] if row else None

    def execute(self, sql: str, *args: Any) -> None:
        with self.transaction():
            self._db.execute(sql, args)

    def insert(self, table: str, values: dict) -> int:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self.transaction():
            cursor = self._db.execute(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", [_encode(v) for v in values.values()]
            )
            return cursor.lastrowid

    def update(self, table: str, where: dict, values: dict) -> None:
        if not values:
            return
        assignments = ", ".join(f"{column} = ?" for column in values)
        condition = " AND ".join(f"{column} = ?" for column in where)
        args = [_encode(v) for v in values.values()] + list(where.values())
        with self.transaction():
            self._db.execute(f"UPDATE {table} SET {assignments} WHERE {condition}", args)

    def page(
        self, table: str, where: dict, *, page: int, per_page: int, order: str = "rowid"
    ) -> tuple[list[dict], bool]:
        """Rows `where` matches (None matches NULL), one page of them, and whether another page exists."""
        conditions = " AND ".join(f"{column} IS ?" for column in where) or "1"
        rows = self.all(
            f"SELECT * FROM {table} WHERE {conditions} ORDER BY {order} LIMIT ? OFFSET ?",
            *where.values(),
            per_page + 1,
            (page - 1) * per_page,
        )
        return rows[:per_page], len(rows) > per_page

    def setting(self, key: str) -> str | None:
        return self.scalar("SELECT value FROM settings WHERE key = ?", key)

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))
