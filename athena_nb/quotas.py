"""``Quotas``: how much one worksheet may hold, and the hub's checks against them.  Tests: tests/unit/test_quotas.py.

Two limits, each None for none: ``maxCells``, how many cells a worksheet may have, and
``maxChars``, how many characters of text and output its cells may hold together (what the store
keeps of it, and what every page that opens it is sent).  An output counts what it shows
(``outputlimits.eventSize``) and its typeset math.  The hub refuses a new cell or an edit that
grows the text past them with ``QuotaExceeded``, a sentence for the person who asked; the runner
drops output that would pass ``maxChars``, with one notice per run of a cell.  Deleting cells or
clearing outputs makes room again.  A worksheet already past a limit (the limit was lowered) can
still shrink.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .kernel.outputlimits import eventSize

#: Cells one worksheet may have by default.
MAX_CELLS = 1000
#: Characters of text and output one worksheet may hold by default (64 Mi).
MAX_CHARS = 64 << 20


class QuotaExceeded(Exception):
    """A change would take a worksheet past one of its quotas; nothing was changed."""

    type = "QuotaExceeded"


def storedSize(event: dict[str, Any]) -> int:
    """The characters an output event takes in the worksheet: what it shows, and its typeset
    math (made on the server from its LaTeX)."""
    math = event.get("math")
    return eventSize(event) + (len(math) if isinstance(math, str) else 0)


def _mib(chars: int) -> str:
    return f"{chars / (1 << 20):g} Mi" if chars >= 1 << 20 else format(chars, ",") + " "


@dataclass(frozen=True)
class Quotas:
    """The limits of every worksheet of a server."""

    maxCells: int | None = MAX_CELLS
    maxChars: int | None = MAX_CHARS

    def __post_init__(self) -> None:
        for name in ("maxCells", "maxChars"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"Quotas.{name} must be a whole number of at least 1 or None, "
                                 f"not {value!r}.")

    def checkNewCell(self, cells: int) -> None:
        """A worksheet of ``cells`` cells is to get one more."""
        if self.maxCells is not None and cells >= self.maxCells:
            raise QuotaExceeded(
                f"A worksheet may have at most {self.maxCells:,} cells, and this one has "
                f"{cells:,}; delete some to make room for a new one. Nothing was changed.")

    def checkGrowth(self, used: int, growth: int) -> None:
        """A worksheet holding ``used`` characters is to grow by ``growth``."""
        if growth > 0 and self.maxChars is not None and used + growth > self.maxChars:
            raise QuotaExceeded(
                f"This worksheet may hold at most {_mib(self.maxChars)}characters of text and "
                f"output together, and this change would take it past that, so it was refused. "
                "Clear outputs or delete cells to make room.")

    def hasRoom(self, used: int, growth: int) -> bool:
        """May output of ``growth`` characters be added to a worksheet holding ``used``?"""
        return growth <= 0 or self.maxChars is None or used + growth <= self.maxChars

    def fullNotice(self) -> str:
        return (f"This worksheet holds {_mib(self.maxChars or 0)}characters of text and output, "
                "as much as it may; the rest of this cell's output was dropped (the cell went on "
                "running). Clear outputs or delete cells to make room.")


def worksheetChars(cells: Iterable[Any]) -> int:
    """The characters of text and output ``cells`` hold (cells on their way out not counted)."""
    return sum(len(c.doc.text) + c.outputChars for c in cells if not c.leaving)
