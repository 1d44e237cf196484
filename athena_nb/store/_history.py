"""A worksheet's history, in the writer thread: the change log, checkpoints and replay.

Tests: tests/unit/test_store_history.py.

Every store call that changes a worksheet's text or structure is run through ``logged``: in
the same savepoint as the change it appends one row to ``history`` (the worksheet's next
version, the time, who, and the change as JSON), so the log and the cells can never disagree.
The first logged change of a worksheet first writes checkpoint 0: the worksheet as it was.
Every ``CHECKPOINT_EVERY`` changes a checkpoint (every cell's id, kind, text, and who changed
it last, when) is written, made by replaying the log, so reaching any version replays at most
that many rows. ``compact`` merges old runs of one person's typing in one cell into one row.

Changes (``change`` JSON, key ``t``): ``text`` (``cell``, ``op``: an ot operation, or ``text``:
the whole text), ``insert`` (``cell``, ``index``, ``text``, ``kind``), ``delete`` (``cell``),
``move`` (``cell``, ``index``), ``split`` (``cell``, ``text``, ``new``, ``newText``, ``kind``),
``join`` (``cell``, ``next``, ``text``), ``kind`` (``cell``, ``kind``), ``title`` (``title``),
``restore`` (``version``, perhaps ``cell``, and ``steps``: a list of the changes above, made as
one version; _restore.py).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from .. import ot
from ._errors import StoreError
from ._reads import index_of, order, require_worksheet

#: A checkpoint is written after this many changes since the last one.
CHECKPOINT_EVERY = 500

Change = dict[str, Any]


# -- the state a version stands for -----------------------------------------------------------

def live_state(conn: sqlite3.Connection, worksheet_id: str) -> dict:
    """The worksheet as stored now: {"title", "cells": [[id, kind, text, by, at], ...]}."""
    title = require_worksheet(conn, worksheet_id).title
    cells = conn.execute("SELECT id, kind, input FROM cells WHERE worksheet_id = ? "
                         "ORDER BY position, id", (worksheet_id,)).fetchall()
    return {"title": title, "cells": [[cid, kind, text, None, None] for cid, kind, text in cells]}


def _find(cells: list, cell_id: int) -> int:
    for i, cell in enumerate(cells):
        if cell[0] == cell_id:
            return i
    raise StoreError(f"The history names cell {cell_id}, which its worksheet did not have then; "
                     "the log is damaged.")


def apply_change(state: dict, change: Change, who: str | None, time: float) -> None:
    """Replay one logged change on ``state`` (as ``live_state`` gives), in place."""
    cells, kind = state["cells"], change["t"]
    if kind == "title":
        state["title"] = change["title"]
        return
    if kind == "insert":
        cells.insert(change["index"], [change["cell"], change["kind"], change["text"], who, time])
        return
    if kind == "restore":  # one version made of several changes (_restore.py)
        for step in change["steps"]:
            apply_change(state, step, who, time)
        return
    i = _find(cells, change["cell"])
    cell = cells[i]
    if kind == "text":
        cell[2] = (ot.apply(cell[2], ot.Operation.fromJSON(change["op"])) if "op" in change
                   else change["text"])
    elif kind == "delete":
        del cells[i]
        return
    elif kind == "move":
        cells.insert(change["index"], cells.pop(i))
        return
    elif kind == "split":
        cell[2] = change["text"]
        cells.insert(i + 1, [change["new"], change["kind"], change["newText"], who, time])
    elif kind == "join":
        cell[2] = change["text"]
        del cells[_find(cells, change["next"])]
    elif kind == "kind":
        cell[1] = change["kind"]
    else:
        raise StoreError(f"The history holds a change of an unknown kind {kind!r}.")
    cell[3], cell[4] = who, time


def _plain(state: dict) -> tuple:
    return state["title"], [tuple(c[:3]) for c in state["cells"]]


# -- recording --------------------------------------------------------------------------------

def _head(conn: sqlite3.Connection, worksheet_id: str) -> tuple[int, int, int] | None:
    """(last version, last checkpoint, changes since it), or None before the first change."""
    return conn.execute("SELECT version, checkpoint, since FROM history_heads "
                        "WHERE worksheet_id = ?", (worksheet_id,)).fetchone()


def _checkpoint(conn: sqlite3.Connection, worksheet_id: str, version: int, state: dict) -> None:
    conn.execute("INSERT OR REPLACE INTO history_checkpoints (worksheet_id, version, state) "
                 "VALUES (?, ?, ?)", (worksheet_id, version, json.dumps(state)))


def begin(conn: sqlite3.Connection, worksheet_id: str) -> None:
    """Before a worksheet's first logged change: checkpoint 0 is the worksheet as it is."""
    if _head(conn, worksheet_id) is None:
        _checkpoint(conn, worksheet_id, 0, live_state(conn, worksheet_id))
        conn.execute("INSERT INTO history_heads (worksheet_id, version, checkpoint, since) "
                     "VALUES (?, 0, 0, 0)", (worksheet_id,))


def append(conn: sqlite3.Connection, now: float, worksheet_id: str, who: str | None,
           change: Change) -> int:
    """Log ``change`` as the worksheet's next version (``begin`` must have run); returns it."""
    version, checkpoint, since = _head(conn, worksheet_id)
    version += 1
    conn.execute("INSERT INTO history (worksheet_id, version, time, who, change) "
                 "VALUES (?, ?, ?, ?, ?)",
                 (worksheet_id, version, now, who, json.dumps(change, separators=(",", ":"))))
    since += 1
    if since >= CHECKPOINT_EVERY:
        state = replay(conn, worksheet_id, version)
        live = live_state(conn, worksheet_id)
        if _plain(state) != _plain(live):  # never expected; the stored cells are the truth
            state = live
        _checkpoint(conn, worksheet_id, version, state)
        checkpoint, since = version, 0
    conn.execute("UPDATE history_heads SET version = ?, checkpoint = ?, since = ? "
                 "WHERE worksheet_id = ?", (version, checkpoint, since, worksheet_id))
    return version


def worksheet_of_cell(conn: sqlite3.Connection, cell_id: int) -> str | None:
    row = conn.execute("SELECT worksheet_id FROM cells WHERE id = ?", (cell_id,)).fetchone()
    return row[0] if row else None


def logged(conn: sqlite3.Connection, now: float, who: str | None, worksheet_id: str | None,
           describe: Callable[[Any], Change | None], fn: Callable[..., Any], *args: Any) -> Any:
    """Run the store call ``fn(conn, *args)`` and log what ``describe(result)`` says it did
    (None: nothing to log), in the same savepoint. ``worksheet_id`` None: ``fn`` fails."""
    if worksheet_id is not None:
        begin(conn, worksheet_id)
    result = fn(conn, *args)
    change = describe(result)
    if change is not None and worksheet_id is not None:
        append(conn, now, worksheet_id, who, change)
    return result


def text_saved(conn: sqlite3.Connection, now: float, who: str | None, cell_id: int, text: str,
               version: int, op: str | None, save: Callable[..., None]) -> None:
    """``set_cell_text``, logged as its operation when the operation turns the saved text into
    ``text`` (else as the whole text)."""
    row = conn.execute("SELECT worksheet_id, input FROM cells WHERE id = ?",
                       (cell_id,)).fetchone()
    change: Change = {"t": "text", "cell": cell_id, "text": text}
    if row is not None and op is not None:
        try:
            operation = ot.Operation.fromJSON(json.loads(op))
            if ot.apply(row[1], operation) == text:
                change = {"t": "text", "cell": cell_id, "op": operation.toJSON()}
        except ot.OperationError:
            pass
    return logged(conn, now, who, row and row[0], lambda _: change, save, now, cell_id, text,
                  version)


def index_now(conn: sqlite3.Connection, worksheet_id: str | None, cell_id: int) -> int | None:
    if worksheet_id is None:
        return None
    return index_of(order(conn, worksheet_id), cell_id)


def next_cell(conn: sqlite3.Connection, worksheet_id: str | None, cell_id: int) -> int | None:
    if worksheet_id is None:
        return None
    cells = order(conn, worksheet_id)
    i = index_of(cells, cell_id) + 1
    return cells[i][0] if i < len(cells) else None


# -- reading ----------------------------------------------------------------------------------

def range_error(worksheet_id: str, version: object, last: int) -> StoreError:
    return StoreError(f"Worksheet {worksheet_id}'s history has versions 0 to {last}; there is "
                      f"no version {version}.")


def replay(conn: sqlite3.Connection, worksheet_id: str, version: int) -> dict:
    """The worksheet's state after ``version``: the checkpoint at or before it, then the log."""
    base, state = conn.execute(
        "SELECT version, state FROM history_checkpoints WHERE worksheet_id = ? AND version <= ? "
        "ORDER BY version DESC LIMIT 1", (worksheet_id, version)).fetchone()
    state = json.loads(state)
    for _, time, who, change in rows(conn, worksheet_id, base, version):
        apply_change(state, json.loads(change), who, time)
    return state


def rows(conn: sqlite3.Connection, worksheet_id: str, after: int, upto: int) -> list[tuple]:
    return conn.execute("SELECT version, time, who, change FROM history WHERE worksheet_id = ? "
                        "AND version > ? AND version <= ? ORDER BY version",
                        (worksheet_id, after, upto)).fetchall()


def history_at(conn: sqlite3.Connection, worksheet_id: str, version: int) -> dict:
    """{"version", "last", "time", "who", "change", "title", "cells": [{"id", "kind", "text",
    "by", "at"}]}: the worksheet right after ``version`` (0: before its first logged change)."""
    require_worksheet(conn, worksheet_id)
    head = _head(conn, worksheet_id)
    last = head[0] if head else 0
    if not 0 <= version <= last:
        raise range_error(worksheet_id, version, last)
    state = replay(conn, worksheet_id, version) if head else live_state(conn, worksheet_id)
    row = conn.execute("SELECT time, who, change FROM history WHERE worksheet_id = ? AND "
                       "version <= ? ORDER BY version DESC LIMIT 1",
                       (worksheet_id, version)).fetchone()
    time, who, change = row if row else (None, None, None)
    return {"version": version, "last": last, "time": time, "who": who,
            "change": json.loads(change) if change else None, "title": state["title"],
            "cells": [{"id": c[0], "kind": c[1], "text": c[2], "by": c[3], "at": c[4]}
                      for c in state["cells"]]}


def history_info(conn: sqlite3.Connection, worksheet_id: str) -> dict:
    """{"last", "first_time", "last_time", "names": [...]} of the worksheet's history."""
    require_worksheet(conn, worksheet_id)
    head = _head(conn, worksheet_id)
    first, last = (conn.execute(f"SELECT time FROM history WHERE worksheet_id = ? ORDER BY "
                                f"version {order} LIMIT 1", (worksheet_id,)).fetchone()
                   for order in ("", "DESC"))
    return {"last": head[0] if head else 0, "first_time": first and first[0],
            "last_time": last and last[0],
            "names": list_names(conn, worksheet_id)}


def list_names(conn: sqlite3.Connection, worksheet_id: str) -> list[dict]:
    return [{"id": i, "version": v, "name": n, "who": w, "created": c, "outputs": bool(o)}
            for i, v, n, w, c, o in conn.execute(
                "SELECT id, version, name, who, created, outputs IS NOT NULL FROM history_names "
                "WHERE worksheet_id = ? ORDER BY version, id", (worksheet_id,))]


def name_version(conn: sqlite3.Connection, now: float, worksheet_id: str, version: int | None,
                 name: str, who: str | None, outputs: str | None) -> dict:
    """Name ``version`` (None: the last); ``outputs`` JSON: the outputs kept with it."""
    require_worksheet(conn, worksheet_id)
    head = _head(conn, worksheet_id)
    last = head[0] if head else 0
    if version is None:
        version = last
    if not 0 <= version <= last:
        raise range_error(worksheet_id, version, last)
    cursor = conn.execute(
        "INSERT INTO history_names (worksheet_id, version, name, who, created, outputs) "
        "VALUES (?, ?, ?, ?, ?, ?)", (worksheet_id, version, name, who, now, outputs))
    return {"id": cursor.lastrowid, "version": version, "name": name, "who": who,
            "created": now, "outputs": outputs is not None}


def named_outputs(conn: sqlite3.Connection, worksheet_id: str, name_id: int) -> dict:
    """{"name", "version", "outputs"} of a named version kept with its outputs."""
    row = conn.execute("SELECT name, version, outputs FROM history_names WHERE id = ? AND "
                       "worksheet_id = ?", (name_id, worksheet_id)).fetchone()
    if row is None or row[2] is None:
        raise StoreError(f"This worksheet has no snapshot with outputs numbered {name_id}.")
    return {"name": row[0], "version": row[1], "outputs": json.loads(row[2])}
