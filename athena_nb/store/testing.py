"""Deterministic stores for tests of store users: no thread, and the test decides when commits happen.

Tests: tests/unit/test_store_batch.py.

`open_manual_store` opens the database in the calling
thread (tests only: production code uses `Store.open`, which never blocks the reactor) and gives
back the Store and its ManualWriter; `writer.flush()` commits everything asked for so far, as one
batch through the same code the writer thread runs, and fires the Deferreds in order.

`write_worksheet` puts a whole worksheet, outputs and all, into a store file that no server has
open (a data directory's, before the server starts): big worksheets for browser tests and
benchmarks, made in a second instead of run cell by cell.
"""

from __future__ import annotations

import os
from typing import Any

from twisted.internet.task import Clock
from twisted.python.failure import Failure

from ._model import RunState
from ._schema import MEMORY, open_database
from ._store import Store
from ._writer import ManualWriter


def open_manual_store(
    reactor: Any, path: str | os.PathLike[str] = MEMORY
) -> tuple[Store, ManualWriter]:
    """A Store whose calls wait until `writer.flush()`; `reactor` only needs `seconds()`."""
    path = os.fspath(path)
    writer = ManualWriter(open_database(path))
    return Store(reactor, writer, path), writer


def settle(writer: ManualWriter, d: Any) -> Any:
    """Flush `writer` and return what `d` fired with, raising its exception if it failed."""
    writer.flush()
    results: list[Any] = []
    d.addBoth(results.append)
    if not results:
        raise AssertionError("The store call did not finish when the writer was flushed.")
    if isinstance(results[0], Failure):
        results[0].raiseException()
    return results[0]


def write_worksheet(
    path: str | os.PathLike[str], title: str, cells: list[tuple[str, list[dict[str, Any]]]]
) -> str:
    """Add a worksheet to the store at `path`, one cell per (text, output events): events as
    the notebook keeps them (docs/kernels.md, with their "type"). Every cell with outputs is
    done, numbered from 1 in order. Returns the worksheet's id."""
    store, writer = open_manual_store(Clock(), path)
    try:
        worksheet = settle(writer, store.create_worksheet(title, [text for text, _ in cells]))
        snapshot = settle(writer, store.load_worksheet(worksheet.id))
        count = 0
        for cell, (_, events) in zip(snapshot.cells, cells, strict=True):
            if not events:
                continue
            count += 1
            store.append_outputs(cell.id, [
                (e["type"], {k: v for k, v in e.items() if k != "type"}) for e in events])
            store.set_run_state(cell.id, RunState.RUNNING)
            store.set_run_state(cell.id, RunState.DONE, execution_count=count)
        writer.flush()
        return worksheet.id
    finally:
        settle(writer, store.close())


__all__ = ["ManualWriter", "open_manual_store", "settle", "write_worksheet"]
