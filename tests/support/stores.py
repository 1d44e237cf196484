"""A store for unit tests: a real Store on a Clock whose calls commit when the test runs them.

``ManualStore`` wraps ``athena_nb.store.testing.open_manual_store`` (no thread; the writer
thread's own code commits on ``writer.flush()``) with the Clock it reads the time from and
``run(d)``: flush, then return what ``d`` fired with or raise what it failed with. The
``db`` fixture (tests/conftest.py) makes one per test.
"""

from __future__ import annotations

import os
from typing import Any

from twisted.internet.task import Clock

from athena_nb.store.testing import open_manual_store, settle

#: The Clock's time when a ManualStore opens: not zero, so a time that was never set shows.
START = 1000.0


class ManualStore:
    """A Store, its ManualWriter and its Clock (at ``START``)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        if path is None:
            self.store, self.writer = open_manual_store(self.clock)
        else:
            self.store, self.writer = open_manual_store(self.clock, path)

    def run(self, d: Any) -> Any:
        """Commit what was asked so far; return what ``d`` fired with, or raise its failure."""
        return settle(self.writer, d)

    def worksheet(self, title: str = "Sheet", cells: tuple[str, ...] | list[str] = ("",)
                  ) -> tuple[str, list[int]]:
        """Create a worksheet holding ``cells``; its id and its cells' ids."""
        sheet = self.run(self.store.create_worksheet(title, cells))
        return sheet.id, [cell.id for cell in self.run(self.store.load_worksheet(sheet.id)).cells]
