"""The store calls that change a worksheet's text or structure, each logged in its history
(_history.py) in the same savepoint. They run in the writer thread.

Tests: tests/unit/test_store_history.py.
"""

from __future__ import annotations

import sqlite3

from . import _cells, _worksheets
from ._history import index_now, logged, next_cell, text_saved, worksheet_of_cell
from ._model import Cell


def _inserted(cell: Cell) -> dict:
    return {"t": "insert", "cell": cell.id, "index": cell.index, "text": cell.text,
            "kind": str(cell.kind.value)}


def set_cell_text(conn: sqlite3.Connection, now: float, who, cell_id: int, text: str,
                  version: int, op: str | None) -> None:
    return text_saved(conn, now, who, cell_id, text, version, op, _cells.set_cell_text)


def insert_cell(conn, now, who, worksheet_id: str, index: int, text: str) -> Cell:
    return logged(conn, now, who, worksheet_id, _inserted, _cells.insert_cell, now,
                  worksheet_id, index, text)


def insert_cell_next_to(conn, now, who, cell_id: int, text: str, below: bool,
                        kind: str = "code") -> Cell:
    fn = _cells.insert_cell_below if below else _cells.insert_cell_above
    return logged(conn, now, who, worksheet_of_cell(conn, cell_id), _inserted, fn, now, cell_id,
                  text, kind)


def restore_cell(conn, now, who, worksheet_id: str, *args) -> Cell:
    return logged(conn, now, who, worksheet_id, _inserted, _cells.restore_cell, now,
                  worksheet_id, *args)


def delete_cell(conn, now, who, cell_id: int) -> tuple[str, ...]:
    return logged(conn, now, who, worksheet_of_cell(conn, cell_id),
                  lambda _: {"t": "delete", "cell": cell_id}, _cells.delete_cell, now, cell_id)


def move_cell(conn, now, who, cell_id: int, index: int | None, by: int | None) -> int:
    worksheet_id = worksheet_of_cell(conn, cell_id)
    before = index_now(conn, worksheet_id, cell_id)

    def describe(new: int) -> dict | None:
        return None if new == before else {"t": "move", "cell": cell_id, "index": new}

    if by is not None:
        return logged(conn, now, who, worksheet_id, describe, _cells.move_cell_by, now, cell_id,
                      by)
    return logged(conn, now, who, worksheet_id, describe, _cells.move_cell, now, cell_id, index)


def split_cell(conn, now, who, cell_id: int, at: int) -> tuple[Cell, Cell]:
    def describe(cells: tuple[Cell, Cell]) -> dict:
        first, second = cells
        return {"t": "split", "cell": first.id, "text": first.text, "new": second.id,
                "newText": second.text, "kind": str(second.kind.value)}

    return logged(conn, now, who, worksheet_of_cell(conn, cell_id), describe,
                  _cells.split_cell, now, cell_id, at)


def join_cell_with_next(conn, now, who, cell_id: int) -> Cell:
    worksheet_id = worksheet_of_cell(conn, cell_id)
    following = next_cell(conn, worksheet_id, cell_id)
    return logged(conn, now, who, worksheet_id if following is not None else None,
                  lambda cell: {"t": "join", "cell": cell_id, "next": following,
                                "text": cell.text},
                  _cells.join_cell_with_next, now, cell_id)


def set_cell_kind(conn, now, who, cell_id: int, kind) -> Cell:
    row = conn.execute("SELECT kind FROM cells WHERE id = ?", (cell_id,)).fetchone()
    return logged(conn, now, who, worksheet_of_cell(conn, cell_id),
                  lambda cell: None if row[0] == kind.value else
                  {"t": "kind", "cell": cell_id, "kind": kind.value},
                  _cells.set_cell_kind, now, cell_id, kind)


def rename_worksheet(conn, now, who, worksheet_id: str, title: str):
    row = conn.execute("SELECT title FROM worksheets WHERE id = ?", (worksheet_id,)).fetchone()
    return logged(conn, now, who, worksheet_id if row else None,
                  lambda ws: None if ws.title == row[0] else {"t": "title", "title": ws.title},
                  _worksheets.rename_worksheet, now, worksheet_id, title)
