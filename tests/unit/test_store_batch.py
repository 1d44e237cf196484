"""Commit order and group commit: calls commit in call order, fire only after their commit,
and fail alone; run deterministically through ManualWriter (the writer thread's own code)."""

from __future__ import annotations

import sqlite3

from twisted.internet.defer import Deferred

from athena_nb.store import StoreClosedError, VersionConflictError, WriteFailedError
from athena_nb.store._writer import run_batch


def record(d: Deferred, log: list, name: object) -> Deferred:
    d.addCallbacks(lambda r: log.append((name, "ok")), lambda f: log.append((name, f.value)))
    return d


def test_nothing_fires_before_the_commit(db):
    """A call's Deferred has not fired while its change is uncommitted, and fires once the
    commit is done; the change is then visible."""
    store, writer = db.store, db.writer
    cell = db.worksheet("Batch")[1][0]
    d = store.set_cell_text(cell, "saved?", 1)
    assert not d.called and writer.pending == 1
    assert writer.flush() == 1
    assert d.called and writer.pending == 0
    assert db.run(store.get_cell(cell)).text == "saved?"


def test_back_to_back_calls_fire_and_commit_in_call_order(db):
    """Hundreds of writes issued back-to-back without waiting fire in the order they were
    made, and the data reflects that order: outputs in order, the last text wins."""
    store, writer = db.store, db.writer
    cell = db.worksheet("Batch")[1][0]
    log: list = []
    for i in range(1, 301):
        record(store.set_cell_text(cell, f"text {i}", i), log, ("text", i))
        record(store.append_outputs(cell, [("stream", {"n": i})]), log, ("out", i))
    assert log == []
    writer.flush()
    assert log == [((kind, i), "ok") for i in range(1, 301) for kind in ("text", "out")]
    saved = db.run(store.get_cell(cell))
    assert (saved.text, saved.version) == ("text 300", 300)
    assert [o.payload["n"] for o in saved.outputs] == list(range(1, 301))


def test_a_failing_call_fails_alone_and_keeps_its_place(db):
    """In one batch, a refused call fails at its place in the order and the calls around it
    are committed."""
    store, writer = db.store, db.writer
    cell = db.worksheet("Batch")[1][0]
    log: list = []
    record(store.set_cell_text(cell, "one", 1), log, 1)
    record(store.set_cell_text(cell, "stale", 1), log, 2)
    record(store.append_outputs(cell, [("stream", {"t": 3})]), log, 3)
    writer.flush()
    assert [name for name, _ in log] == [1, 2, 3]
    assert log[0][1] == "ok" and log[2][1] == "ok"
    assert isinstance(log[1][1], VersionConflictError)
    saved = db.run(store.get_cell(cell))
    assert (saved.text, [o.payload for o in saved.outputs]) == ("one", [{"t": 3}])


def test_reads_see_the_writes_queued_before_them(db):
    """A read queued after a write (even in the same batch) sees that write."""
    store, writer = db.store, db.writer
    cell = db.worksheet("Batch")[1][0]
    store.set_cell_text(cell, "written", 1)
    read = store.get_cell(cell)
    writer.flush()
    assert read.result.text == "written"


def test_calls_made_by_callbacks_go_after(db):
    """A call made from a callback runs in a later commit, after everything already queued."""
    store, writer = db.store, db.writer
    cell = db.worksheet("Batch")[1][0]
    log: list = []
    first = store.set_cell_text(cell, "first", 1)
    first.addCallback(lambda _: record(store.set_cell_text(cell, "from callback", 3), log, "cb"))
    record(store.set_cell_text(cell, "second", 2), log, "second")
    writer.flush()
    assert log == [("second", "ok")] and writer.pending == 1
    writer.flush()
    assert log == [("second", "ok"), ("cb", "ok")]
    assert db.run(store.get_cell(cell)).text == "from callback"


def test_close_commits_what_was_asked_then_refuses(db):
    """Closing runs the calls already made, fires after them, and later calls fail at once
    with StoreClosedError."""
    store, writer = db.store, db.writer
    cell = db.worksheet("Batch")[1][0]
    log: list = []
    record(store.set_cell_text(cell, "last words", 1), log, "write")
    record(store.close(), log, "close")
    late = store.get_cell(cell)
    assert isinstance(late.result.value, StoreClosedError)
    assert "the store has been closed" in str(late.result.value)
    late.addErrback(lambda f: None)
    writer.flush()
    assert log == [("write", "ok"), ("close", "ok")]


def test_run_batch_undoes_only_the_failing_calls_changes():
    """A call that wrote and then raised has its writes rolled back; the others are kept."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (x)")

    def insert(c, x):
        c.execute("INSERT INTO t VALUES (?)", (x,))

    def insert_then_fail(c, x):
        c.execute("INSERT INTO t VALUES (?)", (x,))
        raise RuntimeError("boom")

    def bad_sql(c):
        c.execute("INSERT INTO missing VALUES (1)")

    jobs = [(insert, (1,), Deferred()), (insert_then_fail, (2,), Deferred()),
            (bad_sql, (), Deferred()), (insert, (3,), Deferred())]  # fmt: skip
    outcomes = run_batch(conn, jobs)
    assert [ok for _, ok, _ in outcomes] == [True, False, False, True]
    assert str(outcomes[1][2].value) == "boom"
    assert isinstance(outcomes[2][2].value, WriteFailedError)
    assert "SQLite refused to bad sql (no such table: missing)" in str(outcomes[2][2].value)
    assert conn.execute("SELECT x FROM t").fetchall() == [(1,), (3,)]
    assert not conn.in_transaction


def test_run_batch_fails_every_call_when_the_commit_fails():
    """If the commit itself fails, no call in the batch was saved, so every one of them fails
    with WriteFailedError and nothing is left in the database."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    conn.execute(
        "CREATE TABLE child (p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
    )

    def add_child(c, p):
        c.execute("INSERT INTO child VALUES (?)", (p,))

    jobs = [(add_child, (1,), Deferred()), (add_child, (2,), Deferred())]
    outcomes = run_batch(conn, jobs)
    assert [ok for _, ok, _ in outcomes] == [False, False]
    for _, _, failure in outcomes:
        assert isinstance(failure.value, WriteFailedError)
        assert "could not commit a batch of 2 store calls" in str(failure.value)
        assert "none of them was saved" in str(failure.value)
    assert conn.execute("SELECT count(*) FROM child").fetchone()[0] == 0
    assert not conn.in_transaction
