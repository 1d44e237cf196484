"""Restoring a past version of a worksheet (or one cell of it) as one change, in the writer
thread. Tests: tests/unit/test_store_history.py, tests/unit/test_history.py.

The hub plans a restore as steps (athena_nb/history.py): a new title, cells deleted, texts and
kinds changed, cells inserted, cells moved, each in the form the history logs. ``restore``
checks and runs every step in order inside the one savepoint of its store call and logs them
as **one** history row, ``{"t": "restore", "version": N, "steps": [...]}`` (with ``"cell"``
for a one-cell restore), so a restore is one version: if any step is refused, the savepoint is
rolled back and nothing of it, cells or log, is kept. ``check_steps`` checks and copies the
steps on the caller's thread, as every store call checks its arguments (_args.py).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .. import ot
from . import _cells, _worksheets
from ._args import _cid, _int, _json, _str, _title
from ._errors import StoreError
from ._history import Change, append, begin, range_error
from ._model import Cell, CellKind
from ._reads import load_cell, require_cell_row, require_worksheet


def _kind(value: object) -> str:
    if value not in (CellKind.CODE.value, CellKind.TEXT.value):
        raise ValueError(f"A restored cell is 'code' or 'text', not {value!r}.")
    return str(value)


def check_steps(steps: Any) -> tuple[dict, ...]:
    """The steps of a restore, checked and copied; a bad one raises with a sentence."""
    if not isinstance(steps, (list, tuple)):
        raise TypeError(f"A restore's steps must be a list, not {type(steps).__name__}.")
    checked = []
    for step in steps:
        kind = step.get("t") if isinstance(step, dict) else None
        if kind == "title":
            checked.append({"t": kind, "title": _title(step.get("title"))})
        elif kind == "delete":
            checked.append({"t": kind, "cell": _cid(step.get("cell"))})
        elif kind == "text":
            op = step.get("op")
            checked.append({"t": kind, "cell": _cid(step.get("cell")),
                            "text": _str(step.get("text"), "cell text"),
                            "version": _int(step.get("version"), "text version"),
                            "op": None if op is None else _json(op, "text operation")})
        elif kind == "kind":
            checked.append({"t": kind, "cell": _cid(step.get("cell")),
                            "kind": _kind(step.get("kind"))})
        elif kind == "insert":
            checked.append({"t": kind, "index": _int(step.get("index"), "cell index"),
                            "text": _str(step.get("text"), "cell text"),
                            "kind": _kind(step.get("kind"))})
        elif kind == "move":
            checked.append({"t": kind, "cell": _cid(step.get("cell")),
                            "index": _int(step.get("index"), "cell index")})
        else:
            raise ValueError(f"A restore's step is a title, delete, text, kind, insert or move "
                             f"change, not {step!r}.")
    return tuple(checked)


def _own(conn: sqlite3.Connection, worksheet_id: str, cell_id: int) -> tuple:
    row = require_cell_row(conn, cell_id)
    if row[1] != worksheet_id:
        raise StoreError(f"Cell {cell_id} is not in worksheet {worksheet_id}, so a restore of "
                         "that worksheet cannot change it; nothing was changed.")
    return row


def _text(conn: sqlite3.Connection, now: float, worksheet_id: str, step: dict) -> Change:
    """Give a cell its old text as ``version``; logged as the operation when it turns the
    stored text into the new one (else as the whole text)."""
    saved = _own(conn, worksheet_id, step["cell"])[3]
    _cells.set_cell_text(conn, now, step["cell"], step["text"], step["version"])
    if step["op"] is not None:
        try:
            op = ot.Operation.fromJSON(json.loads(step["op"]))
            if ot.apply(saved, op) == step["text"]:
                return {"t": "text", "cell": step["cell"], "op": op.toJSON()}
        except ot.OperationError:
            pass
    return {"t": "text", "cell": step["cell"], "text": step["text"]}


def _run(conn: sqlite3.Connection, now: float, worksheet_id: str, step: dict,
         inserted: list[Cell]) -> Change:
    """Run one step; returns the change to log."""
    kind = step["t"]
    if kind == "title":
        return {"t": kind, "title": _worksheets.rename_worksheet(conn, now, worksheet_id,
                                                                 step["title"]).title}
    if kind == "insert":
        cell = load_cell(conn, _cells._insert(conn, now, worksheet_id, step["index"],
                                              step["text"], step["kind"]))
        inserted.append(cell)
        return {"t": kind, "cell": cell.id, "index": cell.index, "text": cell.text,
                "kind": step["kind"]}
    if kind == "text":
        return _text(conn, now, worksheet_id, step)
    _own(conn, worksheet_id, step["cell"])
    if kind == "delete":
        _cells.delete_cell(conn, now, step["cell"])
    elif kind == "kind":
        _cells.set_cell_kind(conn, now, step["cell"], step["kind"])
    else:
        _cells.move_cell(conn, now, step["cell"], step["index"])
    return dict(step)


def restore(conn: sqlite3.Connection, now: float, who: str | None, worksheet_id: str,
            version: int, cell: int | None, steps: tuple[dict, ...]) -> dict:
    """Run the steps of a restore of ``version`` (of one ``cell``, or None: of all) and log
    them as one version. Returns {"version": the last version now, "inserted": the new cells,
    in the order of their steps}; logs nothing when there are no steps."""
    require_worksheet(conn, worksheet_id)
    begin(conn, worksheet_id)
    (last,) = conn.execute("SELECT version FROM history_heads WHERE worksheet_id = ?",
                           (worksheet_id,)).fetchone()
    if not 0 <= version <= last:
        raise range_error(worksheet_id, version, last)
    inserted: list[Cell] = []
    done = [_run(conn, now, worksheet_id, step, inserted) for step in steps]
    if done:
        change: Change = {"t": "restore", "version": version, "steps": done}
        if cell is not None:
            change["cell"] = cell
        last = append(conn, now, worksheet_id, who, change)
    return {"version": last, "inserted": tuple(inserted)}
