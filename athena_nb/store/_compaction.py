"""Compacting a worksheet's history, in the writer thread. Tests: tests/unit/test_store_history.py.

A term of typing logs one row per keystroke. ``compact`` merges each run of old rows that are
one person's edits of one cell, close together in time, into the run's last row (their
operations composed), so the versions inside the run are gone and every version that is left
still replays to exactly what it did. A run never crosses a checkpoint or a named version:
those versions stay exact. Then checkpoints in the part looked at that stand fewer than
``CHECKPOINT_EVERY`` rows after the one kept before them are dropped: after compaction they
would only cost space, and reaching a version still replays at most that many rows.
"""

from __future__ import annotations

import json
import sqlite3

from .. import ot
from . import _history
from ._reads import require_worksheet


def compact(conn: sqlite3.Connection, worksheet_id: str, before: float, window: float,
            limit: int) -> dict:
    """Merge runs of text rows older than ``before`` whose first and last are at most
    ``window`` seconds apart, looking at ``limit`` rows at most (the writer does nothing else
    meanwhile; the next call goes on from there). Returns {"removed": how many rows went,
    "done": whether every old row was looked at}."""
    require_worksheet(conn, worksheet_id)
    kept = {v for (v,) in conn.execute(
        "SELECT version FROM history_checkpoints WHERE worksheet_id = ? UNION "
        "SELECT version FROM history_names WHERE worksheet_id = ?", (worksheet_id, worksheet_id))}
    removed: list[tuple[str, int]] = []
    updates: list[tuple[str, str, int]] = []
    run: list[tuple[int, float, str | None, dict]] = []
    head = conn.execute("SELECT compacted FROM history_heads WHERE worksheet_id = ?",
                        (worksheet_id,)).fetchone()
    if head is None:
        return {"removed": 0, "done": True}
    scanned = head[0]  # compacting again starts at the last row it looked at

    def close_run() -> None:
        if len(run) > 1:
            op = ot.Operation.fromJSON(run[0][3]["op"])
            for row in run[1:]:
                op = ot.compose(op, ot.Operation.fromJSON(row[3]["op"]))
            change = {"t": "text", "cell": run[0][3]["cell"], "op": op.toJSON()}
            updates.append((json.dumps(change, separators=(",", ":")), worksheet_id, run[-1][0]))
            removed.extend((worksheet_id, row[0]) for row in run[:-1])
        run.clear()

    rows = 0
    for version, time, who, text in conn.execute(
            "SELECT version, time, who, change FROM history WHERE worksheet_id = ? AND "
            "version >= ? AND time < ? ORDER BY version LIMIT ?",
            (worksheet_id, scanned, before, limit)).fetchall():
        scanned, rows = version, rows + 1
        change = json.loads(text)
        if change["t"] != "text" or "op" not in change:
            close_run()
            continue
        if run and (run[0][2] != who
                    or run[0][3]["cell"] != change["cell"] or time - run[0][1] > window):
            close_run()
        run.append((version, time, who, change))
        if version in kept:
            close_run()
    close_run()
    conn.executemany("DELETE FROM history WHERE worksheet_id = ? AND version = ?", removed)
    conn.executemany("UPDATE history SET change = ? WHERE worksheet_id = ? AND version = ?",
                     updates)
    conn.execute("UPDATE history_heads SET compacted = ? WHERE worksheet_id = ?",
                 (scanned, worksheet_id))
    _thin(conn, worksheet_id, scanned)
    return {"removed": len(removed), "done": rows < limit}


def _thin(conn: sqlite3.Connection, worksheet_id: str, upto: int) -> None:
    """Drop the checkpoints before ``upto`` (but 0 and the last) that stand fewer than
    ``CHECKPOINT_EVERY`` rows after the checkpoint kept before them."""
    latest = conn.execute("SELECT checkpoint FROM history_heads WHERE worksheet_id = ?",
                          (worksheet_id,)).fetchone()[0]
    versions = [v for (v,) in conn.execute(
        "SELECT version FROM history_checkpoints WHERE worksheet_id = ? AND version < ? "
        "ORDER BY version", (worksheet_id, min(upto, latest)))]
    kept, dropped = versions[0] if versions else 0, []
    for version in versions[1:]:
        (between,) = conn.execute(
            "SELECT COUNT(*) FROM history WHERE worksheet_id = ? AND version > ? AND version <= ?",
            (worksheet_id, kept, version)).fetchone()
        if between < _history.CHECKPOINT_EVERY:
            dropped.append((worksheet_id, version))
        else:
            kept = version
    conn.executemany("DELETE FROM history_checkpoints WHERE worksheet_id = ? AND version = ?",
                     dropped)
