"""The store's calls for worksheets and their metadata.

Tests: tests/unit/test_store_worksheets.py.

They run in the writer thread. Each function is one store call: it takes the
connection first, runs inside its own savepoint, and returns a record.
"""

from __future__ import annotations

import sqlite3

from ._errors import StoreError
from ._model import Worksheet
from ._reads import WORKSHEET_COLUMNS, require_worksheet

POSITION_STEP = 1024


def create_worksheet(
    conn: sqlite3.Connection, now: float, worksheet_id: str, title: str, texts: tuple[str, ...]
) -> Worksheet:
    conn.execute(
        "INSERT INTO worksheets (id, title, created, modified) VALUES (?, ?, ?, ?)",
        (worksheet_id, title, now, now),
    )
    conn.executemany(
        "INSERT INTO cells (worksheet_id, position, input) VALUES (?, ?, ?)",
        [(worksheet_id, i * POSITION_STEP, text) for i, text in enumerate(texts)],
    )
    return Worksheet(worksheet_id, title, now, now, None)


def import_worksheet(
    conn: sqlite3.Connection, now: float, worksheet_id: str, title: str,
    cells: tuple[tuple, ...], metadata: tuple[tuple[str, str], ...]
) -> Worksheet:
    """A whole worksheet at once: ``cells`` are (text, kind, [(output kind, payload JSON)],
    state, execution count, metadata JSON or None); one transaction, so all or nothing."""
    worksheet = create_worksheet(conn, now, worksheet_id, title, ())
    for i, (text, kind, outputs, state, count, meta) in enumerate(cells):
        cid = conn.execute(
            "INSERT INTO cells (worksheet_id, position, input, kind, state, execution_count, "
            "metadata) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (worksheet_id, i * POSITION_STEP, text, kind, state, count, meta),
        ).lastrowid
        conn.executemany("INSERT INTO outputs (cell_id, kind, payload) VALUES (?, ?, ?)",
                         [(cid, k, payload) for k, payload in outputs])
    conn.executemany(
        "INSERT INTO worksheet_metadata (worksheet_id, key, value) VALUES (?, ?, ?)",
        [(worksheet_id, key, value) for key, value in metadata],
    )
    return worksheet


def _update_worksheet(
    conn: sqlite3.Connection, worksheet_id: str, assignments: str, *params: object
) -> Worksheet:
    """`UPDATE worksheets SET <assignments>` for one worksheet; returns it as updated.

    Read back with a SELECT, not RETURNING: RETURNING gives a whole-number REAL time as an int.
    """
    conn.execute(f"UPDATE worksheets SET {assignments} WHERE id = ?", (*params, worksheet_id))
    return require_worksheet(conn, worksheet_id)


def rename_worksheet(
    conn: sqlite3.Connection, now: float, worksheet_id: str, title: str
) -> Worksheet:
    return _update_worksheet(conn, worksheet_id, "title = ?, modified = ?", title, now)


def trash_worksheet(conn: sqlite3.Connection, now: float, worksheet_id: str) -> Worksheet:
    # Trashing twice keeps the first time: the trash is ordered by when things went in.
    return _update_worksheet(conn, worksheet_id, "trashed_at = coalesce(trashed_at, ?)", now)


def restore_worksheet(conn: sqlite3.Connection, worksheet_id: str) -> Worksheet:
    return _update_worksheet(conn, worksheet_id, "trashed_at = NULL")


def delete_worksheet_forever(conn: sqlite3.Connection, worksheet_id: str) -> None:
    worksheet = require_worksheet(conn, worksheet_id)
    if not worksheet.trashed:
        raise StoreError(
            f"Worksheet {worksheet_id!r} is not in the trash; move it to the trash before "
            "deleting it forever."
        )
    # Cells, outputs, files, metadata and share links go with it (ON DELETE CASCADE).
    conn.execute("DELETE FROM worksheets WHERE id = ?", (worksheet_id,))


def list_worksheets(conn: sqlite3.Connection, include_trashed: bool) -> list[Worksheet]:
    where = "" if include_trashed else "WHERE trashed_at IS NULL"
    return [
        Worksheet(*row)
        for row in conn.execute(
            f"SELECT {WORKSHEET_COLUMNS} FROM worksheets {where} ORDER BY modified DESC, id"
        )
    ]


def touch_worksheet(conn: sqlite3.Connection, now: float, worksheet_id: str) -> None:
    conn.execute("UPDATE worksheets SET modified = ? WHERE id = ?", (now, worksheet_id))


def set_metadata(
    conn: sqlite3.Connection, now: float, worksheet_id: str, key: str, value_json: str
) -> None:
    require_worksheet(conn, worksheet_id)
    conn.execute(
        "INSERT INTO worksheet_metadata (worksheet_id, key, value) VALUES (?, ?, ?) "
        "ON CONFLICT (worksheet_id, key) DO UPDATE SET value = excluded.value",
        (worksheet_id, key, value_json),
    )
    touch_worksheet(conn, now, worksheet_id)


def delete_metadata(conn: sqlite3.Connection, now: float, worksheet_id: str, key: str) -> bool:
    require_worksheet(conn, worksheet_id)
    deleted = conn.execute(
        "DELETE FROM worksheet_metadata WHERE worksheet_id = ? AND key = ?", (worksheet_id, key)
    ).rowcount
    if deleted:
        touch_worksheet(conn, now, worksheet_id)
    return bool(deleted)
