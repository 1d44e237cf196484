"""Text cells in the hub: making a cell code or text, and the worksheet's "Typeset" setting.

Tests: tests/unit/test_hub_text.py.

A text cell holds Markdown with mathematics.  Its text is edited like code (the same
``TextDocument``, the same operations); what differs is that it is never sent to the kernel
(the runner skips it) and that viewers are shown its rendered HTML, made once per version of
the text by ``CellModel.rendered`` (``athena_nb/render``).  Making a cell text drops its
outputs, as they belong to code; a cell that is queued or running cannot change its kind.
The "Typeset" setting says whether ``text/latex`` outputs are shown typeset or as their plain
text; "Typeset every Sage result" whether Sage shows each cell's value typeset (its LaTeX, as Sage's
``%display latex`` and the Sage notebook's Typeset box) or as its text.  Both are stored in the
worksheet's metadata and are the same for every viewer; the second goes to the kernel with
each cell as it starts (runner.py), so it holds from the next run on.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred

from .huberrors import BadRequest
from .store import CellKind

#: The worksheet metadata key of the Typeset setting (absent: on).
TYPESET_KEY = "typeset"
#: The worksheet metadata key of "Typeset every Sage result" (absent: off, as Sage shows values).
RESULTS_KEY = "typesetResults"


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


def setTypeset(hub, on, results: bool = False) -> Deferred:
    """Turn typesetting of LaTeX outputs (or, with ``results``, of Sage's values) on or off for
    the worksheet; fires with the setting."""

    what = "Typesetting of Sage's results" if results else "Typesetting"
    if not isinstance(on, bool):
        raise BadRequest(f"{what} is turned on (true) or off (false), not {on!r}.")
    attribute, key = ("typesetResults", RESULTS_KEY) if results else ("typeset", TYPESET_KEY)

    def stored(_):
        if getattr(hub, attribute) is not on:
            setattr(hub, attribute, on)
            hub.audience.tell(lambda v: v.typesetChanged())
        return on

    return hub.store.set_metadata(hub.worksheetId, key, on).addCallback(stored)
