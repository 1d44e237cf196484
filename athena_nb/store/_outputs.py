"""The store's calls for run state, output chunks and produced files.

Tests: tests/unit/test_store_outputs.py.

These run in the writer thread. Appending output is one INSERT per chunk with no read
of earlier output, so streaming output costs the same per chunk however long a cell has run;
the writer's group commit turns a burst of appends into one commit.
"""

from __future__ import annotations

import sqlite3

from ._model import OutputKind, RunState, check_transition
from ._reads import require_cell_row, require_worksheet


def set_run_state(
    conn: sqlite3.Connection,
    cell_id: int,
    state: RunState,
    execution_count: int | None,
    ran_by: str | None,
) -> RunState:
    row = require_cell_row(conn, cell_id)
    old = RunState(row[5])
    check_transition(cell_id, old, state)
    conn.execute(
        "UPDATE cells SET state = ?, execution_count = coalesce(?, execution_count), "
        "ran_by = coalesce(?, ran_by) WHERE id = ?",
        (state.value, execution_count, ran_by, cell_id),
    )
    return old


def append_outputs(
    conn: sqlite3.Connection, cell_id: int, chunks: tuple[tuple[OutputKind, str], ...]
) -> None:
    require_cell_row(conn, cell_id)
    conn.executemany(
        "INSERT INTO outputs (cell_id, kind, payload) VALUES (?, ?, ?)",
        [(cell_id, kind.value, payload) for kind, payload in chunks],
    )


def replace_outputs(
    conn: sqlite3.Connection, cell_id: int, chunks: tuple[tuple[OutputKind, str], ...]
) -> None:
    require_cell_row(conn, cell_id)
    conn.execute("DELETE FROM outputs WHERE cell_id = ?", (cell_id,))
    append_outputs(conn, cell_id, chunks)


def _take_files(conn: sqlite3.Connection, where: str, arg: object) -> tuple[str, ...]:
    files = tuple(
        path
        for (path,) in conn.execute(
            f"SELECT path FROM cell_files WHERE {where} ORDER BY cell_id, id", (arg,)
        )
    )
    conn.execute(f"DELETE FROM cell_files WHERE {where}", (arg,))
    return files


#: A cleared cell that is not queued or running shows no execution count any more ([ ]), as
#: in Jupyter; one that runs keeps its [*] and gets its count when it ends.
_UNCOUNT = ("UPDATE cells SET execution_count = NULL WHERE {where} "
            "AND state NOT IN ('queued', 'running')")


def clear_outputs(conn: sqlite3.Connection, cell_id: int) -> tuple[str, ...]:
    require_cell_row(conn, cell_id)
    conn.execute("DELETE FROM outputs WHERE cell_id = ?", (cell_id,))
    conn.execute(_UNCOUNT.format(where="id = ?"), (cell_id,))
    return _take_files(conn, "cell_id = ?", cell_id)


def clear_worksheet_outputs(conn: sqlite3.Connection, worksheet_id: str) -> tuple[str, ...]:
    require_worksheet(conn, worksheet_id)
    in_worksheet = "cell_id IN (SELECT id FROM cells WHERE worksheet_id = ?)"
    conn.execute(f"DELETE FROM outputs WHERE {in_worksheet}", (worksheet_id,))
    conn.execute(_UNCOUNT.format(where="worksheet_id = ?"), (worksheet_id,))
    return _take_files(conn, in_worksheet, worksheet_id)


def record_file(conn: sqlite3.Connection, now: float, cell_id: int, path: str) -> None:
    require_cell_row(conn, cell_id)
    conn.execute(
        "INSERT INTO cell_files (cell_id, path, created) VALUES (?, ?, ?) "
        "ON CONFLICT (cell_id, path) DO NOTHING",
        (cell_id, path, now),
    )


def mark_running_cells_interrupted(conn: sqlite3.Connection, notice_json: str) -> tuple[int, ...]:
    cell_ids = tuple(
        cid
        for (cid,) in conn.execute(
            "SELECT id FROM cells WHERE state IN ('queued', 'running') ORDER BY id"
        )
    )
    conn.executemany(
        "UPDATE cells SET state = 'interrupted' WHERE id = ?", [(cid,) for cid in cell_ids]
    )
    conn.executemany(
        "INSERT INTO outputs (cell_id, kind, payload) VALUES (?, 'notice', ?)",
        [(cid, notice_json) for cid in cell_ids],
    )
    return cell_ids
