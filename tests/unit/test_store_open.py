"""Opening a store file: new, older (migrated), newer, corrupt or foreign (refused, untouched)."""

from __future__ import annotations

import os
import re
import sqlite3

import pytest
from twisted.internet.task import Clock

from athena_nb.store import (
    SCHEMA_VERSION,
    CorruptDatabaseError,
    ForeignDatabaseError,
    NewerSchemaError,
    RunState,
    StoreOpenError,
)
from athena_nb.store._schema import APPLICATION_ID, open_database
from athena_nb.store.testing import open_manual_store, settle

# The schema of version 1 exactly as it shipped, written out by hand so that changing the
# migrations can never silently change what an old file looks like.
V1_SCHEMA = [
    f"PRAGMA application_id = {APPLICATION_ID}",
    "CREATE TABLE worksheets (id TEXT PRIMARY KEY, title TEXT NOT NULL, created REAL NOT NULL,"
    " modified REAL NOT NULL)",
    "CREATE TABLE cells (id INTEGER PRIMARY KEY AUTOINCREMENT, worksheet_id TEXT NOT NULL"
    " REFERENCES worksheets(id) ON DELETE CASCADE, position INTEGER NOT NULL,"
    " input TEXT NOT NULL DEFAULT '', version INTEGER NOT NULL DEFAULT 0,"
    " state TEXT NOT NULL DEFAULT 'idle' CHECK (state IN"
    " ('idle', 'queued', 'running', 'done', 'error', 'interrupted')), execution_count INTEGER)",
    "CREATE INDEX cells_by_position ON cells (worksheet_id, position)",
    "CREATE INDEX cells_by_state ON cells (state)",
    "CREATE TABLE outputs (id INTEGER PRIMARY KEY AUTOINCREMENT, cell_id INTEGER NOT NULL"
    " REFERENCES cells(id) ON DELETE CASCADE, kind TEXT NOT NULL CHECK (kind IN"
    " ('stream', 'display', 'result', 'error', 'file', 'notice')), payload TEXT NOT NULL)",
    "CREATE INDEX outputs_by_cell ON outputs (cell_id, id)",
    "CREATE TABLE worksheet_metadata (worksheet_id TEXT NOT NULL REFERENCES worksheets(id)"
    " ON DELETE CASCADE, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY (worksheet_id, key)) WITHOUT ROWID",
    "PRAGMA user_version = 1",
]


def make_v1(path: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for sql in V1_SCHEMA:
        conn.execute(sql)
    conn.execute("INSERT INTO worksheets VALUES ('w1', 'Old work', 10.0, 20.0)")
    conn.execute(
        "INSERT INTO cells (worksheet_id, position, input, version, state, execution_count)"
        " VALUES ('w1', 0, 'x = 1', 3, 'done', 1), ('w1', 1024, 'x + 1', 1, 'running', 2)"
    )
    conn.execute("INSERT INTO outputs (cell_id, kind, payload) VALUES (1, 'result', '{\"t\":1}')")
    conn.execute("INSERT INTO worksheet_metadata VALUES ('w1', 'system', '\"sage\"')")
    conn.close()


def snapshot(path: str) -> dict[str, bytes]:
    """Every file in the store's directory with its bytes."""
    folder = os.path.dirname(path)
    return {name: open(os.path.join(folder, name), "rb").read() for name in os.listdir(folder)}


def dump(path: str) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def header(path: str) -> tuple[int, int, str]:
    conn = sqlite3.connect(path)
    try:
        return (
            conn.execute("PRAGMA user_version").fetchone()[0],
            conn.execute("PRAGMA application_id").fetchone()[0],
            conn.execute("PRAGMA journal_mode").fetchone()[0],
        )
    finally:
        conn.close()


def schema(path: str) -> list[tuple[str, str]]:
    """Every table and index with its SQL, spacing normalised."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
    finally:
        conn.close()
    return [(name, re.sub(r"\s*([(),])\s*", r"\1", " ".join(sql.split()))) for name, sql in rows]


def test_new_file_gets_latest_schema_in_wal_mode(tmp_path):
    """A path that does not exist yet becomes a WAL database at the latest schema version,
    stamped as an athena-nb store, with foreign keys enforced on the writer's connection."""
    path = str(tmp_path / "nb.sqlite")
    conn = open_database(path)
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    conn.close()
    assert header(path) == (SCHEMA_VERSION, APPLICATION_ID, "wal")


def test_v1_database_is_migrated_keeping_its_data(tmp_path):
    """A version-1 file is upgraded on open: its worksheets, cells, outputs and metadata are all
    still there, new columns are empty, new tables work, and a copy of the v1 file is kept."""
    path = str(tmp_path / "nb.sqlite")
    make_v1(path)
    before = dump(path)

    store, writer = open_manual_store(Clock(), path)
    assert header(path)[0] == SCHEMA_VERSION
    [worksheet] = settle(writer, store.list_worksheets())
    assert (worksheet.id, worksheet.title, worksheet.trashed_at) == ("w1", "Old work", None)
    loaded = settle(writer, store.load_worksheet("w1"))
    assert [(c.text, c.version, c.state, c.execution_count, c.ran_by) for c in loaded.cells] == [
        ("x = 1", 3, RunState.DONE, 1, None),
        ("x + 1", 1, RunState.RUNNING, 2, None),
    ]
    assert loaded.cells[0].outputs[0].payload == {"t": 1}
    assert loaded.metadata == {"system": "sage"}
    link = settle(writer, store.create_share_link("w1", "viewer"))
    assert settle(writer, store.lookup_share_link(link.token)) == link
    settle(writer, store.close())

    assert dump(path + ".v1.bak") == before
    assert header(path + ".v1.bak")[0] == 1


def test_migrating_gives_the_same_schema_as_a_new_file(tmp_path):
    """Upgrading an old file and creating a new one end with identical tables and indexes."""
    old, new = str(tmp_path / "old.sqlite"), str(tmp_path / "new.sqlite")
    make_v1(old)
    open_database(old).close()
    open_database(new).close()
    assert schema(old) == schema(new)


def test_second_backup_does_not_overwrite_the_first(tmp_path):
    """If a backup of that version is already there, the next one gets another name."""
    path = str(tmp_path / "nb.sqlite")
    make_v1(path)
    open(path + ".v1.bak", "wb").write(b"earlier backup")
    open_database(path).close()
    assert open(path + ".v1.bak", "rb").read() == b"earlier backup"
    assert header(path + ".v1.1.bak")[0] == 1


def test_failed_migration_leaves_the_old_version(tmp_path, monkeypatch):
    """A migration step that fails rolls the whole upgrade back: still version 1, data intact."""
    from athena_nb.store import MigrationError, _schema

    path = str(tmp_path / "nb.sqlite")
    make_v1(path)

    def broken(conn):
        conn.execute("ALTER TABLE worksheets ADD COLUMN trashed_at REAL")
        conn.execute("CREATE TABLE worksheets (x)")  # fails: already exists

    monkeypatch.setattr(_schema, "MIGRATIONS", (_schema.MIGRATIONS[0], broken))
    with pytest.raises(MigrationError, match="rolled back"):
        open_database(path)
    assert header(path)[0] == 1
    conn = sqlite3.connect(path)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(worksheets)")]
    assert "trashed_at" not in columns
    assert conn.execute("SELECT title FROM worksheets").fetchall() == [("Old work",)]
    conn.close()


def test_newer_version_is_refused_and_untouched(tmp_path):
    """A file from a newer athena-nb is refused with both versions named; not a byte changes."""
    path = str(tmp_path / "nb.sqlite")
    open_database(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    before = snapshot(path)

    with pytest.raises(NewerSchemaError) as info:
        open_manual_store(Clock(), path)
    message = str(info.value)
    assert path in message
    assert f"schema version {SCHEMA_VERSION + 5}" in message
    assert f"up to {SCHEMA_VERSION}" in message
    assert message.endswith(".")
    assert info.value.path == path
    assert snapshot(path) == before


def test_garbage_file_is_refused_and_untouched(tmp_path):
    """A file that is not SQLite at all gives CorruptDatabaseError naming the path; the file
    keeps every byte and no other file appears beside it."""
    path = str(tmp_path / "nb.sqlite")
    garbage = bytes(range(256)) * 64
    open(path, "wb").write(garbage)

    with pytest.raises(CorruptDatabaseError) as info:
        open_manual_store(Clock(), path)
    assert path in str(info.value)
    assert "file is not a database" in str(info.value)
    assert "untouched" in str(info.value)
    assert snapshot(path) == {"nb.sqlite": garbage}


def test_damaged_pages_are_refused_and_untouched(tmp_path):
    """A real store whose pages were overwritten is caught at open by the integrity check."""
    path = str(tmp_path / "nb.sqlite")
    store, writer = open_manual_store(Clock(), path)
    worksheet = settle(writer, store.create_worksheet("Big", ["x" * 3000] * 200))
    assert worksheet.title == "Big"
    settle(writer, store.close())
    data = bytearray(open(path, "rb").read())
    assert len(data) > 20 * 4096
    data[4096 : len(data) - 4096] = b"\xa5" * (len(data) - 8192)
    open(path, "wb").write(data)
    before = snapshot(path)

    with pytest.raises(CorruptDatabaseError, match="not a readable SQLite database"):
        open_manual_store(Clock(), path)
    assert snapshot(path) == before


def test_other_programs_database_is_refused_and_untouched(tmp_path):
    """A SQLite file with tables but no athena-nb stamp is not mistaken for an empty store."""
    path = str(tmp_path / "other.sqlite")
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE songs (title TEXT)")
    conn.commit()
    conn.close()
    before = snapshot(path)
    with pytest.raises(ForeignDatabaseError, match="not an athena-nb store"):
        open_manual_store(Clock(), path)
    assert snapshot(path) == before


def test_empty_file_becomes_a_store(tmp_path):
    """A zero-byte file is an empty SQLite database, so it is set up like a new one."""
    path = str(tmp_path / "nb.sqlite")
    open(path, "wb").close()
    open_database(path).close()
    assert header(path)[:2] == (SCHEMA_VERSION, APPLICATION_ID)


def test_unusable_paths_give_clear_errors(tmp_path):
    """A directory, or a file in a directory that does not exist, is refused with a sentence."""
    with pytest.raises(StoreOpenError, match="is a directory"):
        open_database(str(tmp_path))
    missing = str(tmp_path / "nope" / "nb.sqlite")
    with pytest.raises(StoreOpenError, match="does not exist"):
        open_database(missing)
    assert not os.path.exists(os.path.dirname(missing))


def test_memory_store_works():
    """':memory:' gives a private, working store (for tests of code built on the store)."""
    store, writer = open_manual_store(Clock())
    worksheet = settle(writer, store.create_worksheet("Scratch"))
    assert settle(writer, store.get_worksheet(worksheet.id)) == worksheet


def test_check_opens_and_closes_synchronously_and_refuses_garbage_untouched(tmp_path):
    """``Store.check`` is the start-up check twistd runs before daemonizing."""
    from athena_nb.store import CorruptDatabaseError, Store

    good = tmp_path / "good.sqlite"
    Store.check(good)
    assert good.exists()
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database at all, just text" * 100)
    before = bad.read_bytes()
    with pytest.raises(CorruptDatabaseError):
        Store.check(bad)
    assert bad.read_bytes() == before
