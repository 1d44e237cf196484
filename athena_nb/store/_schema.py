"""Opening the store's database file, and its migrations.

Tests: tests/unit/test_store_open.py.

Refuse what we cannot use, untouched; migrate what is older. Runs in the writer thread only
(it blocks on disk). The schema's version is `PRAGMA user_version`; `MIGRATIONS[n]` takes a database from version
n to n + 1. All pending migrations run in one transaction, so an upgrade either completes or
leaves the old version as it was; a copy of the old file is kept beside it first.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable

from ._errors import (
    CorruptDatabaseError,
    ForeignDatabaseError,
    MigrationError,
    NewerSchemaError,
    StoreOpenError,
)

# Stamped into the header by migration 1, so another program's SQLite file is never mistaken for
# an empty store and "migrated" (b"Athn").
APPLICATION_ID = 0x4174686E
BUSY_TIMEOUT_SECONDS = 10.0
MEMORY = ":memory:"

_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


def _v1(conn: sqlite3.Connection) -> None:
    """The single-user core: worksheets, ordered cells, their outputs, worksheet metadata."""
    for sql in (
        f"PRAGMA application_id = {APPLICATION_ID}",
        """CREATE TABLE worksheets (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            created REAL NOT NULL,
            modified REAL NOT NULL
        )""",
        """CREATE TABLE cells (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            worksheet_id TEXT NOT NULL REFERENCES worksheets(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            input TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL DEFAULT 'idle' CHECK (state IN
                ('idle', 'queued', 'running', 'done', 'error', 'interrupted')),
            execution_count INTEGER
        )""",
        "CREATE INDEX cells_by_position ON cells (worksheet_id, position)",
        "CREATE INDEX cells_by_state ON cells (state)",
        """CREATE TABLE outputs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            cell_id INTEGER NOT NULL REFERENCES cells(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN
                ('stream', 'display', 'result', 'error', 'file', 'notice')),
            payload TEXT NOT NULL
        )""",
        "CREATE INDEX outputs_by_cell ON outputs (cell_id, id)",
        """CREATE TABLE worksheet_metadata (
            worksheet_id TEXT NOT NULL REFERENCES worksheets(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (worksheet_id, key)
        ) WITHOUT ROWID""",
    ):
        conn.execute(sql)


def _v2(conn: sqlite3.Connection) -> None:
    """Trash, who ran a cell, files cells produce, login sessions and share links."""
    for sql in (
        "ALTER TABLE worksheets ADD COLUMN trashed_at REAL",
        "ALTER TABLE cells ADD COLUMN ran_by TEXT",
        """CREATE TABLE cell_files (
            id INTEGER PRIMARY KEY,
            cell_id INTEGER NOT NULL REFERENCES cells(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            created REAL NOT NULL,
            UNIQUE (cell_id, path)
        )""",
        """CREATE TABLE sessions (
            id_hash TEXT PRIMARY KEY,
            created REAL NOT NULL,
            last_seen REAL NOT NULL,
            info TEXT NOT NULL
        ) WITHOUT ROWID""",
        "CREATE INDEX sessions_by_last_seen ON sessions (last_seen)",
        """CREATE TABLE share_links (
            token TEXT PRIMARY KEY,
            worksheet_id TEXT NOT NULL REFERENCES worksheets(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('collaborator', 'viewer')),
            created REAL NOT NULL,
            revoked_at REAL
        ) WITHOUT ROWID""",
        "CREATE INDEX share_links_by_worksheet ON share_links (worksheet_id, created)",
    ):
        conn.execute(sql)


def _v3(conn: sqlite3.Connection) -> None:
    """Text cells: a cell is code (run by the kernel) or text (Markdown, rendered)."""
    conn.execute(
        "ALTER TABLE cells ADD COLUMN kind TEXT NOT NULL DEFAULT 'code' "
        "CHECK (kind IN ('code', 'text'))"
    )


def _v4(conn: sqlite3.Connection) -> None:
    """input() in a cell: an output kind of its own (its prompt, and the answer once given).
    SQLite cannot change a CHECK, so the outputs table is made anew and its rows copied.  And a
    cell's metadata from a notebook file (Jupyter's tags, attachments...), kept for export."""
    for sql in (
        "ALTER TABLE cells ADD COLUMN metadata TEXT",
        """CREATE TABLE outputs_v4 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            cell_id INTEGER NOT NULL REFERENCES cells(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN
                ('stream', 'display', 'result', 'error', 'file', 'notice', 'input')),
            payload TEXT NOT NULL
        )""",
        "INSERT INTO outputs_v4 (id, cell_id, kind, payload) "
        "SELECT id, cell_id, kind, payload FROM outputs",
        "DROP TABLE outputs",
        "ALTER TABLE outputs_v4 RENAME TO outputs",
        "CREATE INDEX outputs_by_cell ON outputs (cell_id, id)",
    ):
        conn.execute(sql)


#: The search indexes of version 5: (FTS5 index, the table it indexes, its column, the table's
#: row id).
_SEARCH_INDEXES = (("cell_search", "cells", "input", "id"),
                   ("title_search", "worksheets", "title", "rowid"))


def _searchIndex(index: str, table: str, column: str, key: str) -> tuple[str, ...]:
    """The statements that make ``index`` over ``table.column`` (external content), fill it and
    keep it in step with the table by triggers."""
    add = f"INSERT INTO {index} (rowid, {column}) VALUES (new.{key}, new.{column});"
    remove = (f"INSERT INTO {index} ({index}, rowid, {column}) "
              f"VALUES ('delete', old.{key}, old.{column});")
    return (
        f"CREATE VIRTUAL TABLE {index} USING fts5({column}, content='{table}', "
        f"content_rowid='{key}', tokenize='unicode61 remove_diacritics 2')",
        f"INSERT INTO {index} (rowid, {column}) SELECT {key}, {column} FROM {table}",
        f"CREATE TRIGGER {table}_search_insert AFTER INSERT ON {table} BEGIN {add} END",
        f"CREATE TRIGGER {table}_search_delete AFTER DELETE ON {table} BEGIN {remove} END",
        f"CREATE TRIGGER {table}_search_update AFTER UPDATE OF {column} ON {table} BEGIN "
        f"{remove} {add} END",
    )


def _v5(conn: sqlite3.Connection) -> None:
    """Search over titles and cell text (SQLite FTS5): an index of the cells' text and one of
    the titles, each kept in step with its table by triggers (so every way of writing them,
    present and future, keeps the index right), and filled from what is there."""
    for index in _SEARCH_INDEXES:
        for sql in _searchIndex(*index):
            conn.execute(sql)


def _v6(conn: sqlite3.Connection) -> None:
    """History: an append-only log of every change to a worksheet's text and structure, a head
    per worksheet (its last version), whole-worksheet checkpoints to replay from, and named
    versions (docs/storage.md, "History")."""
    for sql in (
        """CREATE TABLE history (
            worksheet_id TEXT NOT NULL REFERENCES worksheets(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            time REAL NOT NULL,
            who TEXT,
            change TEXT NOT NULL,
            PRIMARY KEY (worksheet_id, version)
        ) WITHOUT ROWID""",
        """CREATE TABLE history_heads (
            worksheet_id TEXT PRIMARY KEY REFERENCES worksheets(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            checkpoint INTEGER NOT NULL,
            since INTEGER NOT NULL,
            compacted INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE history_checkpoints (
            worksheet_id TEXT NOT NULL REFERENCES worksheets(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            state TEXT NOT NULL,
            PRIMARY KEY (worksheet_id, version)
        ) WITHOUT ROWID""",
        """CREATE TABLE history_names (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            worksheet_id TEXT NOT NULL REFERENCES worksheets(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            name TEXT NOT NULL,
            who TEXT,
            created REAL NOT NULL,
            outputs TEXT
        )""",
        "CREATE INDEX history_names_worksheet ON history_names (worksheet_id, version)",
    ):
        conn.execute(sql)


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_v1, _v2, _v3, _v4, _v5, _v6)
SCHEMA_VERSION = len(MIGRATIONS)


def open_database(path: str) -> sqlite3.Connection:
    """Open, check, configure and migrate the store at `path`; return the writer's connection.

    Raises a StoreOpenError subclass, without having written to the file, if it cannot be used.
    """
    memory = path == MEMORY
    if not memory:
        _check_path(path)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    except sqlite3.Error as e:
        raise StoreOpenError(path, f"Could not open the notebook database {path!r}: {e}.")
    try:
        version = _check(conn, path)
        if 0 < version < SCHEMA_VERSION and not memory:
            _backup(conn, path, version)
        # WAL lets a commit be one append to the log; FULL syncs that log on every commit, so
        # an answered edit survives even the machine losing power, not only a killed server.
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        if version < SCHEMA_VERSION:
            _migrate(conn, path, version)
        conn.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def _check_path(path: str) -> None:
    if os.path.isdir(path):
        raise StoreOpenError(
            path, f"The notebook database path {path!r} is a directory, not a file."
        )
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise StoreOpenError(
            path,
            f"Cannot create the notebook database {path!r} because the directory {parent!r} "
            "does not exist.",
        )


def _check(conn: sqlite3.Connection, path: str) -> int:
    """Read the header and check the pages; only reads. Returns the schema version found."""
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
        has_tables = conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0] > 0
    except sqlite3.DatabaseError as e:
        if getattr(e, "sqlite_errorcode", 0) & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            raise CorruptDatabaseError(path, _corrupt_message(path, str(e)))
        raise StoreOpenError(path, f"Could not read the notebook database {path!r}: {e}.")
    if problems != ["ok"]:
        raise CorruptDatabaseError(path, _corrupt_message(path, "; ".join(problems[:3])))
    if app_id != APPLICATION_ID and (app_id != 0 or version != 0 or has_tables):
        raise ForeignDatabaseError(
            path,
            f"The file {path!r} is a SQLite database but not an athena-nb store; "
            "athena-nb left it untouched. Point the notebook at another data directory.",
        )
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(
            path,
            f"The notebook database {path!r} has schema version {version}, but this athena-nb "
            f"only knows versions up to {SCHEMA_VERSION}; it was written by a newer athena-nb. "
            "Upgrade athena-nb to open it; the file was not modified.",
            found=version,
            known=SCHEMA_VERSION,
        )
    return version


def _corrupt_message(path: str, detail: str) -> str:
    return (
        f"The notebook database {path!r} is not a readable SQLite database ({detail}); "
        "athena-nb left it untouched. Restore it from a backup, or move it away to start "
        "with an empty store."
    )


def _backup(conn: sqlite3.Connection, path: str, version: int) -> None:
    """Copy the database as it is before migrating it, to a name not already taken."""
    target = f"{path}.v{version}.bak"
    n = 1
    while os.path.exists(target):
        target = f"{path}.v{version}.{n}.bak"
        n += 1
    try:
        copy = sqlite3.connect(target)
        try:
            conn.backup(copy)
        finally:
            copy.close()
    except sqlite3.Error as e:
        raise MigrationError(
            path,
            f"Could not copy the notebook database {path!r} to {target!r} before upgrading "
            f"it: {e}. Nothing was changed.",
        )


def _migrate(conn: sqlite3.Connection, path: str, version: int) -> None:
    # Foreign keys are off while migrating (a table rebuild drops and renames tables) and
    # checked as a whole before the commit instead.
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN IMMEDIATE")
    try:
        for step in MIGRATIONS[version:]:
            step(conn)
        dangling = conn.execute("PRAGMA foreign_key_check").fetchall()
        if dangling:
            raise MigrationError(
                path,
                f"Upgrading the notebook database {path!r} left {len(dangling)} rows pointing "
                "at rows that do not exist; the upgrade was rolled back.",
            )
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except MigrationError:
        conn.execute("ROLLBACK")
        raise
    except sqlite3.Error as e:
        conn.execute("ROLLBACK")
        raise MigrationError(
            path,
            f"Upgrading the notebook database {path!r} from schema version {version} to "
            f"{SCHEMA_VERSION} failed ({e}); the upgrade was rolled back.",
        )
