"""Text cells in the hub: making a cell code or text, and the worksheet's "Typeset" setting.

Tests: tests/unit/test_hub_text.py.

A text cell holds Markdown with mathematics.  Its text is edited like code (the same
``TextDocument``, the same operations); what differs is that it is never sent to the kernel
(the runner skips it) and that viewers are shown its rendered HTML, made once per version of
the text by ``CellModel.rendered`` (``athena_nb/render``).  Making a cell text drops its
outputs, as they belong to code; a cell that is queued or running cannot change its kind.
The "Typeset" setting says whether ``text/latex`` outputs are shown typeset or as their plain
text; it is stored in the worksheet's metadata and is the same for every viewer.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred

from .huberrors import BadRequest
from .store import CellKind

#: The worksheet metadata key of the Typeset setting (absent: on).
TYPESET_KEY = "typeset"


def setKind(hub, cellId: int, kind, who: str | None = None) -> Deferred:
    """Make the cell code or text; fires with the kind's name once stored and told."""

    if kind not in ("code", "text"):
        raise BadRequest(f"A cell is 'code' or 'text', not {kind!r}.")
    kind = CellKind(kind)

    def change():
        cell = hub.cell(cellId)
        if cell.kind is kind:
            return kind.value
        if cell.active:
            raise BadRequest("This cell is queued or running; interrupt it or wait for it to "
                             "finish before you change its kind.")
        d = hub.store.set_cell_kind(cell.id, kind, who=who)
        return d.addCallback(lambda _: kindStored(hub, cell, kind).value)

    return hub._locked(change)


def kindStored(hub, cell, kind: CellKind) -> CellKind:
    """The store made the cell ``kind``: so does the hub (a text cell's outputs go), and every
    viewer is told."""
    cell.kind = kind
    if kind is CellKind.TEXT and (cell.outputs or cell.files):
        hub.runner.clear([cell])
    hub.audience.tell(lambda v: v.cellKindChanged(cell))
    return kind


def setTypeset(hub, on) -> Deferred:
    """Turn typesetting of LaTeX outputs on or off for the worksheet; fires with the setting."""

    if not isinstance(on, bool):
        raise BadRequest("Typesetting is turned on (true) or off (false).")

    def stored(_):
        if hub.typeset is not on:
            hub.typeset = on
            hub.audience.tell(lambda v: v.typesetChanged())
        return on

    return hub.store.set_metadata(hub.worksheetId, TYPESET_KEY, on).addCallback(stored)
