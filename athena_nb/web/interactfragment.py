"""``InteractFragment``: one interact in one viewer's worksheet page; ``CellInteracts``: the
interacts of one cell's fragment.

Tests: tests/unit/test_interacts_web.py, tests/browser/test_interact.py.  Design:
docs/notebook.md, "Interacts".

Each interact in a cell's log (athena_nb/interacts.py) is a live fragment of its own, a child
of its cell's ``CellFragment``, paired with ``js/athena_nb/interact.js``'s ``Interact``: its
controls and its own output area.  The cell's output area shows a place for it where the
interact event stands in the log; the fragment arrives with the page (rendered into the cell)
or, for an interact made later, as an ``addInteract`` notification, and the browser puts it in
its place (whichever comes first).  A cell whose outputs are cleared or made anew detaches the
fragments of the interacts that went with them.

The interact's state reaches the browser as two latest values: its controls' values (with who
set them, whether it runs and whether its kernel is alive) and its outputs, each sent when the
page sends, as it is then, so a slider dragged by someone else costs this viewer one message
per send however fast it moves; the outputs, usually the bigger part, are encoded once for
every viewer.  Changing a value or pressing Update is for those who may edit (``@editing``).
"""

from __future__ import annotations

from livefragments import BadArguments, LiveFragment, Shared

from ..cells import numbered
from ._calls import editing


class InteractFragment(LiveFragment):
    jsClass = "athena_nb/interact.js:Interact"
    tagName = "div"

    def __init__(self, cellFragment, iid: str):
        super().__init__()
        self.cellFragment = cellFragment
        self.hub = cellFragment.hub
        self.identity = cellFragment.identity
        self.cellId = cellFragment.cellId
        self.iid = iid
        self._sentValues: tuple | None = None  # what the viewer has of the values
        self._sentOutputs: int | None = None  # the outputs' version the viewer has

    def _found(self) -> tuple | None:
        cell = self.hub.findCell(self.cellId)
        return None if cell is None else self.hub.interacts.locate(cell, self.iid)

    def elementAttributes(self) -> dict[str, str]:
        found = self._found()
        name = found[1]["name"] if found else "interact"
        return {"class": "nb-interact", "role": "group", "aria-label": f"Interact {name}",
                "data-interact-id": self.iid}

    def render(self) -> str:
        return ""  # interact.js draws the controls from the arguments

    def getInitialArguments(self) -> list:
        index, event = self._found() or (0, None)
        if event is None:
            return [None]
        values = self._valuesNow(event)
        self._sentValues = self._key(values)
        self._sentOutputs = event["ov"]
        return [{"id": self.iid, "cellId": self.cellId, "index": index,
                 "base": self.cellFragment.worksheet.base, "canEdit": self.identity.canEdit(),
                 "name": event["name"], "controls": event["controls"],
                 "layout": event["layout"], "auto": event["auto"], **values,
                 **self._outputsNow(event).value}]

    def _valuesNow(self, event: dict) -> dict:
        interacts = self.hub.interacts
        return {"values": event["values"], "seq": event["seq"], "ranSeq": event["ranSeq"],
                "by": event["by"], "state": interacts.stateOf(self.iid),
                "live": interacts.live(event)}

    @staticmethod
    def _key(values: dict) -> tuple:
        return (values["seq"], values["ranSeq"], values["state"], values["live"])

    def _outputsNow(self, event: dict) -> Shared:
        """The interact's outputs, encoded once for all its viewers."""
        cell = self.hub.findCell(self.cellId)
        shared = cell.shared()
        key = ("interact", self.iid)
        made = shared.get(key)
        if made is None or made[0] is not event["outputs"]:
            made = shared[key] = (event["outputs"], Shared(
                {"ov": event["ov"], "outputs": numbered(event["outputs"])}))
        return made[1]

    # -- from the hub ------------------------------------------------------------------------

    def changed(self) -> None:
        """Its values, run state or outputs changed: the viewer's next send carries them."""
        self.notifyLatest("values", "setValues", self._values)
        self.notifyLatest("outputs", "setOutputs", self._outputs)

    def _values(self) -> list | None:
        found = self._found()
        if found is None:
            return None
        values = self._valuesNow(found[1])
        if self._key(values) == self._sentValues:
            return None
        self._sentValues = self._key(values)
        return [values]

    def _outputs(self) -> list | None:
        found = self._found()
        if found is None or found[1]["ov"] == self._sentOutputs:
            return None
        self._sentOutputs = found[1]["ov"]
        return [self._outputsNow(found[1])]

    # -- from the browser --------------------------------------------------------------------

    @editing
    def change(self, values):
        """Set some controls (``{name: value}``); answers with the values' new ``seq``."""
        if not isinstance(values, dict):
            raise BadArguments("change takes the controls' new values, {name: value}.")
        return self.hub.interacts.change(self.cellId, self.iid, values, self.identity.name)

    @editing
    def update(self):
        """Run the interact now with its values (its Update button)."""
        self.hub.interacts.update(self.cellId, self.iid, self.identity.name)


class CellInteracts:
    """The ``InteractFragment``s of one ``CellFragment``, by interact id."""

    def __init__(self, cellFragment):
        self.cellFragment = cellFragment
        self.fragments: dict[str, InteractFragment] = {}
        self._generation = None  # the log's generation they were made for

    def _ids(self) -> list[str]:
        cell = self.cellFragment.hub.findCell(self.cellFragment.cellId)
        if cell is None:
            return []
        self._generation = cell.generation
        return [e["id"] for e in cell.outputs if e.get("type") == "interact"]

    def markup(self) -> str:
        """The interacts rendered with the cell; the browser moves each to its place."""
        for iid in self._ids():
            self.fragments.setdefault(iid, InteractFragment(self.cellFragment, iid))
        inner = "".join(self.cellFragment.renderChild(f) for f in self.fragments.values())
        return f'<div class="nb-interacts" hidden>{inner}</div>'

    def cellChanged(self, cell) -> None:
        """The cell changed: after its log was made anew, its interacts are others."""
        if cell.generation != self._generation:
            self.sync()

    def sync(self) -> None:
        ids = self._ids()
        for iid in [i for i in self.fragments if i not in ids]:
            self.fragments.pop(iid).detach()
        for iid in ids:
            if iid not in self.fragments:
                fragment = self.fragments[iid] = InteractFragment(self.cellFragment, iid)
                self.cellFragment.addChild(fragment)
                self.cellFragment.notifyRemote("addInteract", fragment)

    def changed(self, iid: str) -> None:
        """Interact ``iid`` changed (or is new)."""
        fragment = self.fragments.get(iid)
        if fragment is None:
            self.sync()
        else:
            fragment.changed()
