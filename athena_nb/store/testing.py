"""Deterministic stores for tests of store users: no thread, and the test decides when commits happen.

Tests: tests/unit/test_store_batch.py.

`open_manual_store` opens the database in the calling
thread (tests only: production code uses `Store.open`, which never blocks the reactor) and gives
back the Store and its ManualWriter; `writer.flush()` commits everything asked for so far, as one
batch through the same code the writer thread runs, and fires the Deferreds in order.
"""

from __future__ import annotations

import os
from typing import Any

from twisted.python.failure import Failure

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


__all__ = ["ManualWriter", "open_manual_store", "settle"]
