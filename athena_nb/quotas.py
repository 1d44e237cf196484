"""``Quotas``: how much one worksheet may hold, and the hub's checks against them.  Tests: tests/unit/test_quotas.py.

Four limits, each None for none (the last two are checked by folder.py, on uploads to the
worksheet's directory: ``maxFileBytes`` for one file, ``maxFilesBytes`` for all its files
together; ``maxFilesBytes`` also holds what its cells write: filesquota.py). ``maxCells``, how many cells a worksheet may have, and
``maxChars``, how many characters of text and output its cells may hold together (what the store
keeps of it, and what every page that opens it is sent).  An output counts what it shows
(``outputlimits.eventSize``) and the HTML the server made of it.  The hub refuses a new cell or an edit that
grows the text past them with ``QuotaExceeded``, a sentence for the person who asked; the runner
drops output that would pass ``maxChars``, with one notice per run of a cell.  Deleting cells or
clearing outputs makes room again.  A worksheet already past a limit (the limit was lowered) can
still shrink.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .kernel.outputlimits import eventSize

#: Cells one worksheet may have by default.
MAX_CELLS = 1000
#: Characters of text and output one worksheet may hold by default (64 Mi).
MAX_CHARS = 64 << 20
#: Bytes one file uploaded to a worksheet's directory may have by default (100 MiB).
MAX_FILE_BYTES = 100 << 20
#: Bytes the files of one worksheet's directory may hold together by default (1 GiB).
MAX_FILES_BYTES = 1 << 30


class QuotaExceeded(Exception):
    """A change would take a worksheet past one of its quotas; nothing was changed."""

    type = "QuotaExceeded"


def storedSize(event: dict[str, Any]) -> int:
    """The characters an output event takes in the worksheet: what it shows, the HTML made of
    it on the server (typeset math, rendered Markdown), an input()'s prompt and answer."""
    return eventSize(event) + sum(len(event[key]) for key in ("math", "markdown", "prompt",
                                                              "answer")
                                  if isinstance(event.get(key), str))


def _mib(chars: int) -> str:
    return f"{chars / (1 << 20):g} Mi" if chars >= 1 << 20 else format(chars, ",") + " "


@dataclass(frozen=True)
class Quotas:
    """The limits of every worksheet of a server."""

    maxCells: int | None = MAX_CELLS
    maxChars: int | None = MAX_CHARS
    #: the worksheet's directory (folder.py): one uploaded file, and all its files together
    #: (also those its cells write, filesquota.py; and the largest file a kernel may write)
    maxFileBytes: int | None = MAX_FILE_BYTES
    maxFilesBytes: int | None = MAX_FILES_BYTES

    def __post_init__(self) -> None:
        for name in ("maxCells", "maxChars", "maxFileBytes", "maxFilesBytes"):
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

    def checkImport(self, cells: list[Any], source: str = "This file",
                    outcome: str = "nothing was imported") -> None:
        """A worksheet is to be made whole of ``cells`` (``NewCell``s, outputs and all), read
        from ``source`` (a file, or the worksheet it copies)."""
        if self.maxCells is not None and len(cells) > self.maxCells:
            raise QuotaExceeded(
                f"{source} has {len(cells):,} cells, and a worksheet may have at most "
                f"{self.maxCells:,}; {outcome}.")
        size = sum(len(cell.text) + sum(storedSize(dict(payload, type=kind)) if isinstance(
            payload, dict) else len(str(payload)) for kind, payload in cell.outputs)
            for cell in cells)
        if self.maxChars is not None and size > self.maxChars:
            raise QuotaExceeded(
                f"{source} holds {size:,} characters of text and output, and a worksheet may "
                f"hold at most {_mib(self.maxChars)}characters; {outcome}.")

    def full(self) -> QuotaExceeded:
        return QuotaExceeded(
            f"This worksheet may hold at most {_mib(self.maxChars or 0)}characters of text and "
            "output together, and this change would take it past that, so it was refused. "
            "Clear outputs or delete cells to make room.")

    def fullNotice(self) -> str:
        return (f"This worksheet holds {_mib(self.maxChars or 0)}characters of text and output, "
                "as much as it may; the rest of this cell's output was dropped (the cell went on "
                "running). Clear outputs or delete cells to make room.")


class SizeCheck:
    """One hub's check of its worksheet's size against ``quotas.maxChars``.

    Counting every cell at every keystroke would cost a large worksheet a scan per key, so it
    keeps an upper bound of the size: the count at its last scan plus every growth since
    (``grew``); the cells are counted again (``count()``) only when the bound would pass the
    quota.  Shrinking is seen at that count."""

    def __init__(self, quotas: Quotas, count: Callable[[], int]):
        self.quotas = quotas
        self._count = count
        self._bound: int | None = None

    def fits(self, growth: int) -> bool:
        """May the worksheet grow by ``growth`` characters?"""
        limit = self.quotas.maxChars
        if growth <= 0 or limit is None:
            return True
        if self._bound is None or self._bound + growth > limit:
            self._bound = self._count()
        return self._bound + growth <= limit

    def room(self) -> int:
        """How many characters are left (counted now)."""
        self._bound = self._count()
        return max(0, (self.quotas.maxChars or 0) - self._bound)

    def grew(self, growth: int) -> None:
        """The worksheet grew (or shrank: ignored until the next count) by ``growth``."""
        if self._bound is not None and growth > 0:
            self._bound += growth

    def check(self, growth: int) -> None:
        """Let a growth by ``growth`` in, or raise QuotaExceeded."""
        if not self.fits(growth):
            raise self.quotas.full()
        self.grew(growth)


def worksheetChars(cells: Iterable[Any]) -> int:
    """The characters of text and output ``cells`` hold (cells on their way out not counted)."""
    return sum(len(c.doc.text) + c.outputChars for c in cells if not c.leaving)
