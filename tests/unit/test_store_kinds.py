"""Cell kinds (schema version 3): code or text, stored, changed, kept by split, migrated."""

from __future__ import annotations

import sqlite3

import pytest

from athena_nb.store import SCHEMA_VERSION, CellKind
from athena_nb.store._schema import open_database
from tests.unit.test_store_open import make_v1


def test_cells_are_code_until_made_text_and_the_kind_is_stored(db):
    wid, (a, b) = db.worksheet("Kinds", ["x = 1", "# Title"])
    cells = db.run(db.store.load_worksheet(wid)).cells
    assert [c.kind for c in cells] == [CellKind.CODE, CellKind.CODE]
    made = db.run(db.store.set_cell_kind(b, "text"))
    assert made.kind is CellKind.TEXT and made.text == "# Title"
    assert [c.kind for c in db.run(db.store.load_worksheet(wid)).cells] == ["code", "text"]
    assert db.run(db.store.set_cell_kind(b, CellKind.CODE)).kind is CellKind.CODE


def test_a_kind_that_is_neither_is_refused(db):
    _, (a,) = db.worksheet("Kinds", ["x"])
    with pytest.raises(ValueError, match="not a cell kind; use one of code, text"):
        db.run(db.store.set_cell_kind(a, "markdown"))


def test_splitting_a_text_cell_makes_two_text_cells(db):
    wid, (a,) = db.worksheet("Kinds", ["one\ntwo"])
    db.run(db.store.set_cell_kind(a, "text"))
    first, second = db.run(db.store.split_cell(a, 4))
    assert (first.kind, second.kind) == (CellKind.TEXT, CellKind.TEXT)
    assert second.text == "two"


def test_older_files_get_code_cells_and_the_check(tmp_path):
    path = str(tmp_path / "nb.sqlite")
    make_v1(path)
    conn = open_database(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6
    assert [k for (k,) in conn.execute("SELECT kind FROM cells ORDER BY id")] == ["code", "code"]
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE cells SET kind = 'markdown' WHERE id = 1")
    conn.close()


def test_older_files_keep_their_outputs_and_take_input_prompts(tmp_path):
    """Version 4 rebuilds the outputs table for the `input` kind: every row stays, in order,
    with its id, and the foreign key and the check still hold."""
    path = str(tmp_path / "nb.sqlite")
    make_v1(path)
    conn = open_database(path)
    assert conn.execute("SELECT id, cell_id, kind, payload FROM outputs").fetchall() == [
        (1, 1, "result", '{"t":1}')]
    conn.execute("INSERT INTO outputs (cell_id, kind, payload) VALUES (1, 'input', '{}')")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO outputs (cell_id, kind, payload) VALUES (1, 'bogus', '{}')")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO outputs (cell_id, kind, payload) VALUES (99, 'input', '{}')")
    conn.execute("DELETE FROM cells WHERE id = 1")
    assert conn.execute("SELECT count(*) FROM outputs").fetchone()[0] == 0, "cascades"
    conn.close()
