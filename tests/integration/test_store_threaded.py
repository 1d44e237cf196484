"""The store on a real reactor with its real writer thread: order, no blocking, open and close."""

from __future__ import annotations

import sqlite3
import threading

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import deferLater

from athena_nb.store import CorruptDatabaseError, NewerSchemaError, Store, StoreClosedError

pytestmark = pytest.mark.integration


class CountingReactor:
    """The real reactor, counting how many result deliveries the writer thread makes."""

    def __init__(self, real):
        self._real = real
        self.deliveries = 0
        self.threads: set[str] = set()

    def seconds(self):
        return self._real.seconds()

    def callFromThread(self, f, *args, **kwargs):
        self.threads.add(threading.current_thread().name)
        if getattr(f, "__name__", "") == "deliver":
            self.deliveries += 1
        self._real.callFromThread(f, *args, **kwargs)


def writer_threads():
    return [t for t in threading.enumerate() if t.name.startswith("athena-nb store writer")]


@inlineCallbacks
def writer_threads_after_exit():
    """The writer threads still alive once any that are ending have had time to end (the
    close Deferred fires from the thread's last step, just before it returns)."""
    for _ in range(500):
        if not writer_threads():
            break
        yield deferLater(reactor, 0.01, lambda: None)
    return writer_threads()


@pytest_twisted.inlineCallbacks
def test_results_fire_on_the_reactor_thread_and_persist(tmp_path):
    """Calls run on the writer thread, their Deferreds fire on the reactor thread, and what
    was saved is there after closing and opening again; close ends the thread."""
    path = str(tmp_path / "nb.sqlite")
    counting = CountingReactor(reactor)
    store = yield Store.open(counting, path)
    assert [t.name for t in writer_threads() if path in t.name] == [
        f"athena-nb store writer ({path})"
    ]
    fired_on = []
    d = store.create_worksheet("Persisted", ["x = 1"])
    d.addCallback(lambda w: fired_on.append(threading.current_thread()) or w)
    worksheet = yield d
    assert fired_on == [threading.main_thread()]
    assert counting.threads == {f"athena-nb store writer ({path})"}
    yield store.close()
    assert (yield writer_threads_after_exit()) == []

    again = yield Store.open(reactor, path)
    loaded = yield again.load_worksheet(worksheet.id)
    assert [c.text for c in loaded.cells] == ["x = 1"]
    yield again.close()
    with pytest.raises(StoreClosedError):
        yield again.list_worksheets()


@pytest_twisted.inlineCallbacks
def test_writes_wait_for_a_held_lock_without_blocking_the_reactor(tmp_path):
    """While another connection holds the write lock, queued calls wait (none fires) and the
    reactor keeps running; once the lock is released they all commit, fire in call order,
    and the ones that queued up meanwhile share one commit."""
    path = str(tmp_path / "nb.sqlite")
    counting = CountingReactor(reactor)
    store = yield Store.open(counting, path)
    worksheet = yield store.create_worksheet("Locked")
    cell = (yield store.load_worksheet(worksheet.id)).cells[0].id
    before = counting.deliveries

    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    log = []
    calls = []
    for i in range(1, 101):
        calls.append(
            store.set_cell_text(cell, f"v{i}", i).addCallback(lambda _, i=i: log.append(i))
        )
    ticks = 0
    for _ in range(5):
        yield deferLater(reactor, 0.05, lambda: None)
        ticks += 1
    assert ticks == 5 and log == []
    blocker.execute("COMMIT")
    blocker.close()

    yield calls[-1]
    assert log == list(range(1, 101))
    assert counting.deliveries - before <= 2
    saved = yield store.get_cell(cell)
    assert (saved.text, saved.version) == ("v100", 100)
    yield store.close()


@pytest_twisted.inlineCallbacks
def test_many_back_to_back_calls_keep_their_order(tmp_path):
    """A thousand mixed calls (inserts, output appends, metadata) issued without waiting fire
    in the order they were made, and the saved data shows that order."""
    store = yield Store.open(reactor, str(tmp_path / "nb.sqlite"))
    worksheet = yield store.create_worksheet("Order", ["first"])
    first = (yield store.load_worksheet(worksheet.id)).cells[0].id
    log = []
    inserted = 0
    for i in range(1000):
        if i % 3 == 0:
            inserted += 1
            d = store.insert_cell(worksheet.id, inserted, f"cell {i}")
        elif i % 3 == 1:
            d = store.append_outputs(first, [("stream", {"n": i})])
        else:
            d = store.set_metadata(worksheet.id, "counter", i)
        d.addCallback(lambda _, i=i: log.append(i))
    yield d
    assert log == list(range(1000))
    loaded = yield store.load_worksheet(worksheet.id)
    assert [c.text for c in loaded.cells] == ["first"] + [f"cell {i}" for i in range(0, 1000, 3)]
    assert [o.payload["n"] for o in loaded.cells[0].outputs] == list(range(1, 1000, 3))
    assert loaded.metadata == {"counter": 998}
    yield store.close()


@pytest_twisted.inlineCallbacks
def test_open_refuses_a_corrupt_file_through_the_thread(tmp_path):
    """Store.open fails with CorruptDatabaseError naming the path, leaves the bytes as they
    were, and does not leave a writer thread behind."""
    path = tmp_path / "nb.sqlite"
    garbage = b"this is not a database, just text that happens to be here\n" * 100
    path.write_bytes(garbage)
    with pytest.raises(CorruptDatabaseError) as info:
        yield Store.open(reactor, path)
    assert str(path) in str(info.value)
    assert path.read_bytes() == garbage
    assert [p.name for p in tmp_path.iterdir()] == ["nb.sqlite"]
    assert (yield writer_threads_after_exit()) == []


@pytest_twisted.inlineCallbacks
def test_open_refuses_a_newer_file_through_the_thread(tmp_path):
    """A newer schema version is refused by Store.open with the versions in the message."""
    path = str(tmp_path / "nb.sqlite")
    store = yield Store.open(reactor, path)
    yield store.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = open(path, "rb").read()
    with pytest.raises(NewerSchemaError, match="schema version 99"):
        yield Store.open(reactor, path)
    assert open(path, "rb").read() == before
