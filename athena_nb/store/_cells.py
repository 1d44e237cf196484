"""Cell structure and text calls, run in the writer thread. Tests: tests/unit/test_store_cells.py.

Order is an integer `position` per cell, spaced POSITION_STEP apart when a worksheet is created
or renumbered. Inserting or moving a cell writes one row: it takes the midpoint of its new
neighbours. Only when two neighbours are adjacent integers is the worksheet renumbered (one
UPDATE per cell, in the same transaction), which happens at most once per ~10 inserts at the
same spot and so stays cheap on average.
"""

from __future__ import annotations

import sqlite3

from ._errors import StoreError, VersionConflictError
from ._model import Cell, OutputKind, RunState
from ._outputs import append_outputs
from ._reads import index_of, load_cell, order, require_cell_row, require_worksheet
from ._worksheets import POSITION_STEP, touch_worksheet


def _position_at(conn: sqlite3.Connection, cells: list[tuple[int, int]], index: int) -> int:
    """A position that puts a cell at `index` among `cells` (which must not include it)."""
    if not cells:
        return 0
    if index == 0:
        return cells[0][1] - POSITION_STEP
    if index == len(cells):
        return cells[-1][1] + POSITION_STEP
    low, high = cells[index - 1][1], cells[index][1]
    if high - low >= 2:
        return (low + high) // 2
    conn.executemany(
        "UPDATE cells SET position = ? WHERE id = ?",
        [((i + 1) * POSITION_STEP, cid) for i, (cid, _) in enumerate(cells)],
    )
    return index * POSITION_STEP + POSITION_STEP // 2


def _check_index(index: int, size: int, what: str) -> None:
    if not 0 <= index <= size:
        raise StoreError(
            f"Cannot {what} at index {index}: the worksheet has {size} cells, so the index must "
            f"be between 0 and {size}."
        )


def _insert(
    conn: sqlite3.Connection, now: float, worksheet_id: str, index: int, text: str,
    kind: str = "code",
) -> int:
    cells = order(conn, worksheet_id)
    _check_index(index, len(cells), "insert a cell")
    cursor = conn.execute(
        "INSERT INTO cells (worksheet_id, position, input, kind) VALUES (?, ?, ?, ?)",
        (worksheet_id, _position_at(conn, cells, index), text, kind),
    )
    touch_worksheet(conn, now, worksheet_id)
    return cursor.lastrowid


def insert_cell(
    conn: sqlite3.Connection, now: float, worksheet_id: str, index: int, text: str
) -> Cell:
    require_worksheet(conn, worksheet_id)
    return load_cell(conn, _insert(conn, now, worksheet_id, index, text))


def _insert_next_to(
    conn: sqlite3.Connection, now: float, cell_id: int, offset: int, text: str, kind: str
) -> Cell:
    worksheet_id = require_cell_row(conn, cell_id)[1]
    index = index_of(order(conn, worksheet_id), cell_id) + offset
    return load_cell(conn, _insert(conn, now, worksheet_id, index, text, kind))


def insert_cell_above(conn: sqlite3.Connection, now: float, cell_id: int, text: str,
                      kind: str = "code") -> Cell:
    return _insert_next_to(conn, now, cell_id, 0, text, kind)


def insert_cell_below(conn: sqlite3.Connection, now: float, cell_id: int, text: str,
                      kind: str = "code") -> Cell:
    return _insert_next_to(conn, now, cell_id, 1, text, kind)


def delete_cell(conn: sqlite3.Connection, now: float, cell_id: int) -> tuple[str, ...]:
    worksheet_id = require_cell_row(conn, cell_id)[1]
    files = tuple(
        path
        for (path,) in conn.execute(
            "SELECT path FROM cell_files WHERE cell_id = ? ORDER BY id", (cell_id,)
        )
    )
    conn.execute("DELETE FROM cells WHERE id = ?", (cell_id,))
    touch_worksheet(conn, now, worksheet_id)
    return files


def restore_cell(
    conn: sqlite3.Connection, now: float, worksheet_id: str, index: int, text: str, kind: str,
    state: RunState, execution_count: int | None, ran_by: str | None,
    outputs: tuple[tuple[OutputKind, str], ...], files: tuple[str, ...],
) -> Cell:
    """A deleted cell back at `index`, whole: text, kind, run state, outputs and file records
    (a new id; its text starts again at version 0)."""
    require_worksheet(conn, worksheet_id)
    cell_id = _insert(conn, now, worksheet_id, index, text, kind)
    conn.execute(
        "UPDATE cells SET state = ?, execution_count = ?, ran_by = ? WHERE id = ?",
        (state.value, execution_count, ran_by, cell_id),
    )
    append_outputs(conn, cell_id, outputs)
    conn.executemany(
        "INSERT INTO cell_files (cell_id, path, created) VALUES (?, ?, ?) "
        "ON CONFLICT (cell_id, path) DO NOTHING",
        [(cell_id, path, now) for path in files],
    )
    return load_cell(conn, cell_id)


def move_cell(conn: sqlite3.Connection, now: float, cell_id: int, index: int) -> int:
    worksheet_id = require_cell_row(conn, cell_id)[1]
    cells = order(conn, worksheet_id)
    current = index_of(cells, cell_id)
    if not 0 <= index < len(cells):
        raise StoreError(
            f"Cannot move cell {cell_id} to index {index}: its worksheet has {len(cells)} cells, "
            f"so the index must be between 0 and {len(cells) - 1}."
        )
    if index != current:
        del cells[current]
        conn.execute(
            "UPDATE cells SET position = ? WHERE id = ?",
            (_position_at(conn, cells, index), cell_id),
        )
        touch_worksheet(conn, now, worksheet_id)
    return index


def move_cell_by(conn: sqlite3.Connection, now: float, cell_id: int, delta: int) -> int:
    """Move up (-1) or down (+1); at the top or bottom the cell stays where it is."""
    worksheet_id = require_cell_row(conn, cell_id)[1]
    cells = order(conn, worksheet_id)
    target = max(0, min(len(cells) - 1, index_of(cells, cell_id) + delta))
    return move_cell(conn, now, cell_id, target)


def split_cell(conn: sqlite3.Connection, now: float, cell_id: int, at: int) -> tuple[Cell, Cell]:
    row = require_cell_row(conn, cell_id)
    worksheet_id, text, version = row[1], row[3], row[4]
    if not 0 <= at <= len(text):
        raise StoreError(
            f"Cannot split cell {cell_id} at {at}: its text has {len(text)} characters, so the "
            f"split point must be between 0 and {len(text)}."
        )
    head, tail = text[:at], text[at:]
    # The line break at the split point becomes the cell boundary, so that joining the two
    # cells again (which puts one line break between them) gives the original text back.
    if head.endswith("\n"):
        head = head[:-1]
    elif tail.startswith("\n"):
        tail = tail[1:]
    conn.execute(
        "UPDATE cells SET input = ?, version = ? WHERE id = ?", (head, version + 1, cell_id)
    )
    index = index_of(order(conn, worksheet_id), cell_id) + 1
    second = _insert(conn, now, worksheet_id, index, tail, row[8])  # the same kind
    return load_cell(conn, cell_id), load_cell(conn, second)


def join_cell_with_next(conn: sqlite3.Connection, now: float, cell_id: int) -> Cell:
    row = require_cell_row(conn, cell_id)
    worksheet_id, text, version = row[1], row[3], row[4]
    cells = order(conn, worksheet_id)
    index = index_of(cells, cell_id)
    if index + 1 >= len(cells):
        raise StoreError(
            f"Cell {cell_id} is the last cell of its worksheet; there is no next cell to join it "
            "with."
        )
    next_id = cells[index + 1][0]
    next_text = require_cell_row(conn, next_id)[3]
    joined = "\n".join(part for part in (text, next_text) if part)
    conn.execute(
        "UPDATE cells SET input = ?, version = ? WHERE id = ?", (joined, version + 1, cell_id)
    )
    # The next cell goes with its outputs and file records; the first keeps its own.
    conn.execute("DELETE FROM cells WHERE id = ?", (next_id,))
    touch_worksheet(conn, now, worksheet_id)
    return load_cell(conn, cell_id)


def set_cell_text(
    conn: sqlite3.Connection, now: float, cell_id: int, text: str, version: int
) -> None:
    row = require_cell_row(conn, cell_id)
    if version <= row[4]:
        raise VersionConflictError(
            f"Cannot save version {version} of cell {cell_id}: version {row[4]} is already "
            "saved, and versions only go forward."
        )
    conn.execute("UPDATE cells SET input = ?, version = ? WHERE id = ?", (text, version, cell_id))
    touch_worksheet(conn, now, row[1])


def set_cell_kind(conn: sqlite3.Connection, now: float, cell_id: int, kind: str) -> Cell:
    row = require_cell_row(conn, cell_id)
    if row[8] != kind:
        conn.execute("UPDATE cells SET kind = ? WHERE id = ?", (kind, cell_id))
        touch_worksheet(conn, now, row[1])
    return load_cell(conn, cell_id)
