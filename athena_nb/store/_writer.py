"""The store's writer: a dedicated thread that runs store calls in order and commits them in groups.

Tests: tests/integration/test_store_threaded.py, tests/unit/test_store_batch.py.

Calls are queued in the order they are made. The thread takes everything queued (up to
MAX_BATCH calls), runs each call inside its own SAVEPOINT of one transaction, commits once, and
only then hands all their results to the reactor thread in one `callFromThread`, which fires the
Deferreds in the same order. So commits keep the order of calls, a failing call undoes only its
own changes, a burst of small writes (output chunks) costs one commit, and no Deferred fires
before the commit that holds its change.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, fail
from twisted.python.failure import Failure

from ._errors import StoreClosedError, WriteFailedError

MAX_BATCH = 1000

Job = tuple[Callable[..., Any], tuple[Any, ...], Deferred]
Outcome = tuple[Deferred, bool, Any]


def _describe(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__name__", "a store call").lstrip("_").replace("_", " ")


def run_batch(conn: sqlite3.Connection, jobs: list[Job]) -> list[Outcome]:
    """Run `jobs` in order in one transaction and commit it; never raises.

    Returns one (deferred, ok, result-or-Failure) per job, in order. A job that raises is rolled
    back to its savepoint and fails alone; if the transaction itself cannot begin or commit,
    every job in it fails, since none of them was saved.
    """
    outcomes: list[Outcome] = []
    try:
        conn.execute("BEGIN IMMEDIATE")
        for fn, args, d in jobs:
            conn.execute("SAVEPOINT call")
            try:
                result = fn(conn, *args)
            except sqlite3.Error as e:
                conn.execute("ROLLBACK TO call")
                error = WriteFailedError(
                    f"SQLite refused to {_describe(fn)} ({e}); nothing it asked for was saved."
                )
                error.__cause__ = e
                outcomes.append((d, False, Failure(error)))
            except Exception:
                conn.execute("ROLLBACK TO call")
                outcomes.append((d, False, Failure()))
            else:
                outcomes.append((d, True, result))
            conn.execute("RELEASE call")
        conn.execute("COMMIT")
    except sqlite3.Error as e:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # SQLite already rolled back on its own; nothing more to undo.
        error = WriteFailedError(
            f"SQLite could not commit a batch of {len(jobs)} store calls ({e}); none of them "
            "was saved."
        )
        error.__cause__ = e
        return [(d, False, Failure(error)) for _, _, d in jobs]
    return outcomes


def deliver(outcomes: list[Outcome]) -> None:
    """Fire each Deferred with its outcome, in order."""
    for d, ok, value in outcomes:
        if ok:
            d.callback(value)
        else:
            d.errback(value)


class _Writer:
    """What both writers share: a queue of jobs that ends with the `_closing` Deferred."""

    _closing: Deferred | None = None

    def _put(self, item: Job | Deferred) -> None:
        raise NotImplementedError

    def submit(self, fn: Callable[..., Any], *args: Any) -> Deferred:
        """Queue `fn(conn, *args)`; the Deferred fires with its result after its commit."""
        if self._closing is not None:
            return fail(StoreClosedError(f"Cannot {_describe(fn)}: the store has been closed."))
        d = Deferred()
        self._put((fn, args, d))
        return d

    def close(self) -> Deferred:
        """Run and commit everything queued, then close the connection."""
        if self._closing is None:
            self._closing = Deferred()
            self._put(self._closing)
        done = Deferred()
        self._closing.addBoth(lambda result: done.callback(None) or result)
        return done


class ThreadWriter(_Writer):
    """Owns the store's only connection and the only thread that ever touches it.

    `submit` and `close` are called on the reactor thread; results come back through
    `reactor.callFromThread`, so Deferreds fire on the reactor thread.
    """

    def __init__(self, reactor: Any, name: str) -> None:
        self._reactor = reactor
        self._queue: queue.SimpleQueue[Job | Deferred] = queue.SimpleQueue()
        self._name = name

    def start(self, opener: Callable[[], sqlite3.Connection]) -> Deferred:
        """Start the thread, which calls `opener` for its connection; fires when it is open."""
        opened = Deferred()
        threading.Thread(
            target=self._run, args=(opener, opened), name=self._name, daemon=True
        ).start()
        return opened

    def _put(self, item: Job | Deferred) -> None:
        self._queue.put(item)

    def _run(self, opener: Callable[[], sqlite3.Connection], opened: Deferred) -> None:
        callFromThread = self._reactor.callFromThread
        try:
            conn = opener()
        except BaseException:
            callFromThread(opened.errback, Failure())
            return
        callFromThread(opened.callback, None)
        closing = None
        while closing is None:
            jobs: list[Job] = []
            item = self._queue.get()
            while True:
                if isinstance(item, Deferred):
                    closing = item  # Always the last item: nothing is queued after close().
                    break
                jobs.append(item)
                if len(jobs) >= MAX_BATCH:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if jobs:
                callFromThread(deliver, run_batch(conn, jobs))
        try:
            conn.execute("PRAGMA optimize")
        except sqlite3.Error:
            pass  # Only planner statistics; closing matters more.
        conn.close()
        callFromThread(closing.callback, None)


class ManualWriter(_Writer):
    """A writer for deterministic tests: calls wait until `flush()` runs them, in this thread.

    It runs the same `run_batch` as ThreadWriter, so what is saved and in what order is the
    same; only the thread is gone, and the test decides when the "commit" happens.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._pending: list[Job | Deferred] = []

    @property
    def pending(self) -> int:
        """How many calls are queued and not yet committed."""
        return sum(1 for item in self._pending if not isinstance(item, Deferred))

    def _put(self, item: Job | Deferred) -> None:
        self._pending.append(item)

    def flush(self) -> int:
        """Run and commit every queued call as one batch, fire their Deferreds; return how many.

        Calls made by those Deferreds' callbacks stay queued for the next flush.
        """
        items, self._pending = self._pending, []
        jobs = [item for item in items if not isinstance(item, Deferred)]
        if jobs:
            deliver(run_batch(self._conn, jobs))
        if items and isinstance(items[-1], Deferred):
            self._conn.close()
            items[-1].callback(None)
        return len(jobs)
