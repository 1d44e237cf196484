"""Pasting copied cells, for the hub (``pasteCells``): Jupyter's V and Shift+V in command mode.

Tests: tests/unit/test_hub_paste.py, tests/browser/test_cell_clipboard.py.

The browser keeps the cells a person copied or cut (their kind and text, js/athena_nb/
cellclipboard.js) and sends them here; each becomes a new cell, in their order, below or above
the cell the person is in, under the hub's structure lock, so nobody's insert lands among them.
The quota and the worksheet's size are checked for all of them before the first is stored:
a paste is made whole or refused with nothing changed. Outputs are not copied, as in Jupyter's
paste from another notebook; a pasted cell is run like any other.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred

from .huberrors import BadRequest
from .store import CellKind

#: The most cells one paste makes (a worksheet's own quota may allow fewer).
MAX_PASTED = 1000


def pastedCells(cells: object) -> list[tuple[CellKind, str]]:
    """The cells a browser sent, as (kind, text); a clear refusal for anything else."""
    if not isinstance(cells, list) or not cells:
        raise BadRequest("A paste sends a list of at least one cell, each "
                         '{"kind": "code" or "text", "text": its text}.')
    if len(cells) > MAX_PASTED:
        raise BadRequest(f"One paste makes at most {MAX_PASTED:,} cells, not {len(cells):,}; "
                         "copy fewer at a time. Nothing was pasted.")
    pasted = []
    for i, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("kind") not in ("code", "text") \
                or not isinstance(cell.get("text"), str):
            raise BadRequest(f"Pasted cell {i} is not a cell: it must be "
                             '{"kind": "code" or "text", "text": its text}. Nothing was pasted.')
        pasted.append((CellKind(cell["kind"]), cell["text"]))
    return pasted


def paste(hub, cellId: int, below: bool, cells: list[tuple[CellKind, str]],
          who: str | None) -> Deferred:
    """Insert ``cells`` next to cell ``cellId`` (under the lock); fires with their ids."""
    anchor = hub.cell(cellId).id
    hub.quotas.checkNewCell(sum(not c.leaving for c in hub.cells) + len(cells) - 1)
    hub.size.check(sum(len(text) for _, text in cells))

    async def insert() -> list[int]:
        ids: list[int] = []
        after = below
        for kind, text in cells:
            insert = hub.store.insert_cell_below if after else hub.store.insert_cell_above
            # Each under the one pasted before it: the cells keep their order.
            ids.append(hub._inserted(await insert(ids[-1] if ids else anchor, text, kind=kind,
                                                  who=who)))
            after = True
        return ids

    return Deferred.fromCoroutine(insert())
