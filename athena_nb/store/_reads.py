"""Reading rows into records, for the store's calls that run in the writer thread.

Tests: tests/unit/test_store_cells.py.

Everything here runs in the writer thread, inside the batch's transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict

from ._errors import NotFoundError
from ._model import Cell, CellKind, Output, OutputKind, RunState, Worksheet, WorksheetSnapshot

WORKSHEET_COLUMNS = "id, title, created, modified, trashed_at"
_CELL_COLUMNS = "id, worksheet_id, position, input, version, state, execution_count, ran_by, kind"


def require_worksheet(conn: sqlite3.Connection, worksheet_id: str) -> Worksheet:
    row = conn.execute(
        f"SELECT {WORKSHEET_COLUMNS} FROM worksheets WHERE id = ?", (worksheet_id,)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"Worksheet {worksheet_id!r} does not exist; it may have been deleted.")
    return Worksheet(*row)


def require_cell_row(conn: sqlite3.Connection, cell_id: int) -> tuple:
    """(id, worksheet_id, position, input, version, state, execution_count, ran_by, kind)."""
    row = conn.execute(f"SELECT {_CELL_COLUMNS} FROM cells WHERE id = ?", (cell_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"Cell {cell_id} does not exist; it may have been deleted.")
    return row


def order(conn: sqlite3.Connection, worksheet_id: str) -> list[tuple[int, int]]:
    """(cell id, position) of every cell of the worksheet, in order."""
    return conn.execute(
        "SELECT id, position FROM cells WHERE worksheet_id = ? ORDER BY position, id",
        (worksheet_id,),
    ).fetchall()


def index_of(cells: list[tuple[int, int]], cell_id: int) -> int:
    for i, (cid, _) in enumerate(cells):
        if cid == cell_id:
            return i
    raise AssertionError(f"Cell {cell_id} is missing from its worksheet's order.")


def _outputs_and_files(
    conn: sqlite3.Connection, where: str, arg: object
) -> tuple[dict[int, list[Output]], dict[int, list[str]]]:
    outputs: dict[int, list[Output]] = defaultdict(list)
    for oid, cell_id, kind, payload in conn.execute(
        "SELECT o.id, o.cell_id, o.kind, o.payload FROM outputs o JOIN cells c ON c.id = o.cell_id "
        f"WHERE {where} ORDER BY o.cell_id, o.id",
        (arg,),
    ):
        outputs[cell_id].append(Output(oid, OutputKind(kind), json.loads(payload)))
    files: dict[int, list[str]] = defaultdict(list)
    for cell_id, path in conn.execute(
        "SELECT f.cell_id, f.path FROM cell_files f JOIN cells c ON c.id = f.cell_id "
        f"WHERE {where} ORDER BY f.cell_id, f.id",
        (arg,),
    ):
        files[cell_id].append(path)
    return outputs, files


def _metadata(conn: sqlite3.Connection, where: str, arg: object) -> dict[int, dict]:
    """The cells' metadata from notebook files, for the cells that have any."""
    return {cid: json.loads(value) for cid, value in conn.execute(
        f"SELECT id, metadata FROM cells c WHERE {where} AND metadata IS NOT NULL", (arg,))}


def _cell(row: tuple, index: int, outputs: list[Output], files: list[str],
          metadata: dict | None = None) -> Cell:
    cid, worksheet_id, _, text, version, state, count, ran_by, kind = row
    return Cell(
        cid,
        worksheet_id,
        index,
        text,
        version,
        RunState(state),
        count,
        ran_by,
        tuple(outputs),
        tuple(files),
        CellKind(kind),
        metadata,
    )


def load_cell(conn: sqlite3.Connection, cell_id: int) -> Cell:
    row = require_cell_row(conn, cell_id)
    index = index_of(order(conn, row[1]), cell_id)
    outputs, files = _outputs_and_files(conn, "c.id = ?", cell_id)
    metadata = _metadata(conn, "c.id = ?", cell_id)
    return _cell(row, index, outputs[cell_id], files[cell_id], metadata.get(cell_id))


def load_cells(conn: sqlite3.Connection, worksheet_id: str) -> tuple[Cell, ...]:
    rows = conn.execute(
        f"SELECT {_CELL_COLUMNS} FROM cells WHERE worksheet_id = ? ORDER BY position, id",
        (worksheet_id,),
    ).fetchall()
    outputs, files = _outputs_and_files(conn, "c.worksheet_id = ?", worksheet_id)
    metadata = _metadata(conn, "c.worksheet_id = ?", worksheet_id)
    return tuple(_cell(row, i, outputs[row[0]], files[row[0]], metadata.get(row[0]))
                 for i, row in enumerate(rows))


def load_worksheet(conn: sqlite3.Connection, worksheet_id: str) -> WorksheetSnapshot:
    worksheet = require_worksheet(conn, worksheet_id)
    metadata = {
        key: json.loads(value)
        for key, value in conn.execute(
            "SELECT key, value FROM worksheet_metadata WHERE worksheet_id = ? ORDER BY key",
            (worksheet_id,),
        )
    }
    return WorksheetSnapshot(worksheet, load_cells(conn, worksheet_id), metadata)


def get_cell(conn: sqlite3.Connection, cell_id: int) -> Cell:
    return load_cell(conn, cell_id)


def get_worksheet(conn: sqlite3.Connection, worksheet_id: str) -> Worksheet:
    return require_worksheet(conn, worksheet_id)
