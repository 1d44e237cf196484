"""History on a live worksheet: bringing back a past version or one past cell, each as one new
change every viewer sees live.

Tests: tests/unit/test_history.py, tests/unit/test_store_history.py (the plans, replayed).

The store keeps the log and replays it (athena_nb/store/_history.py, docs/storage.md
"History"). A restore runs under the hub's structure lock: it reads the past version, plans
the steps that turn the live worksheet into it (``planVersion``, ``planCell``: cells matched by
id; a cell still there gets its old text and kind, a cell deleted since comes back as a new
cell, a cell added since is deleted, then cells move into the old order, and the title), and
gives them to the store as one call, which runs them in one transaction and logs them as one
version, "restore of version N" by the person who restored (``Store.restore_version``).

While that call is on its way the hub holds every edit (``WorksheetHub.holdEdits``), so the
texts the restore was planned on are the ones it replaces. Only after the commit does the hub
change: it makes each text change as an operation of its own, sequenced like anyone's (edits
still on their way from others, and those it held, are transformed past it), deletes, inserts
and moves cells, and tells every viewer, all in one reactor turn. If the store refuses, nothing
changed, in memory or on any page, and the held edits go on as if nothing had happened. The
cells a restore deletes can be brought back like any deleted cell (deletions.py).
"""

from __future__ import annotations

from twisted.internet.defer import Deferred

from . import ot, textcells
from .cells import compact
from .hub import BadRequest, HubError
from .store import CellKind


class HistoryError(HubError):
    """A history request the hub refused; the message is a sentence for the person."""


# -- planning: pure functions of the live cells and a past version ----------------------------

def _changes(cell, text: str, kind: str) -> list[dict]:
    """The steps giving a live cell (``id``, ``kind``, ``text``, ``version``) ``text``, ``kind``."""
    steps: list[dict] = []
    if cell.text != text:
        steps.append({"t": "text", "cell": cell.id, "text": text, "version": cell.version + 1,
                      "op": ot.diff(cell.text, text).toJSON()})
    if CellKind(cell.kind).value != kind:
        steps.append({"t": "kind", "cell": cell.id, "kind": kind})
    return steps


def planVersion(cells, title: str, past: dict) -> list[dict]:
    """The steps turning the worksheet (its ``cells`` in order, each with ``id``, ``kind``,
    ``text``, ``version``; its ``title``) into ``past`` (as ``history_at`` gives it)."""
    steps: list[dict] = []
    if past["title"] != title:
        steps.append({"t": "title", "title": past["title"]})
    wanted = {c["id"] for c in past["cells"]}
    live = {c.id: c for c in cells}
    order: list[int | None] = []  # the ids in the order they are in, as the steps go
    for cell in cells:
        if cell.id in wanted:
            order.append(cell.id)
        else:
            steps.append({"t": "delete", "cell": cell.id})
    for old in past["cells"]:
        if old["id"] in live:
            steps.extend(_changes(live[old["id"]], old["text"], old["kind"]))
    for index, old in enumerate(past["cells"]):  # order[:index] is in the past order
        if old["id"] not in live:
            steps.append({"t": "insert", "index": index, "text": old["text"],
                          "kind": old["kind"]})
            order.insert(index, None)
        elif order.index(old["id"]) != index:
            order.remove(old["id"])
            order.insert(index, old["id"])
            steps.append({"t": "move", "cell": old["id"], "index": index})
    return steps


def planCell(cells, past: dict, cellId: int) -> list[dict]:
    """The steps giving cell ``cellId`` its text and kind of ``past`` (bringing it back as a
    new cell where it was, if it is gone)."""
    found = [(i, c) for i, c in enumerate(past["cells"]) if c["id"] == cellId]
    if not found:
        raise HistoryError(f"Cell {cellId} was not in this worksheet at version "
                           f"{past['version']}, so it cannot be restored from there; nothing "
                           "was changed.")
    index, old = found[0]
    for cell in cells:
        if cell.id == cellId:
            return _changes(cell, old["text"], old["kind"])
    return [{"t": "insert", "index": min(index, len(cells)), "text": old["text"],
             "kind": old["kind"]}]


# -- running a plan on the live hub -------------------------------------------------------------

def _check(hub, steps: list[dict]) -> None:
    """Refuse, before anything is asked of the store, what the hub would refuse step by step."""
    byId = {c.id: c for c in hub.cells}
    for step in steps:
        if step["t"] == "kind" and byId[step["cell"]].active:
            raise BadRequest(f"Cell {hub.indexOf(step['cell']) + 1} is queued or running, and "
                             "restoring would change its kind; interrupt it or wait for it to "
                             "finish, then restore again. Nothing was changed.")
    inserts = sum(s["t"] == "insert" for s in steps)
    if inserts > sum(s["t"] == "delete" for s in steps):
        cells = len(hub.cells) - sum(s["t"] == "delete" for s in steps) + inserts
        hub.quotas.checkNewCell(cells - 1)
    growth = sum(len(s["text"]) - (len(byId[s["cell"]].text) if s["t"] == "text" else 0)
                 for s in steps if s["t"] in ("text", "insert"))
    hub.size.check(growth)


def _apply(hub, steps: list[dict], inserted, deleted: dict) -> None:
    """The store ran ``steps``: the hub does the same, in the same order, telling every viewer."""
    new = iter(inserted)
    for step in steps:
        kind = step["t"]
        if kind == "title":
            hub.titleChangedElsewhere(step["title"])
        elif kind == "insert":
            hub._inserted(next(new))
            continue
        cell = hub.findCell(step.get("cell"))
        if kind == "delete":
            cell.leaving = True
            hub.runner.forget(cell)
            hub._removed(cell)
            hub.deletions.add(deleted[cell.id])
        elif kind == "text":
            hub._hubEdit(cell, ot.Operation.fromJSON(step["op"]))
        elif kind == "kind":
            textcells.kindStored(hub, cell, CellKind(step["kind"]))
        elif kind == "move":
            hub._moved(cell, step["index"])


def _run(hub, version: int, steps: list[dict], who: str, cellId: int | None) -> Deferred:
    """Store ``steps`` as one version, then make them on the hub (the structure lock held);
    fires with the store's answer ({"version", "inserted"})."""
    _check(hub, steps)
    deleted = {s["cell"]: hub.deletions.remember(hub.cells, hub.cell(s["cell"]))
               for s in steps if s["t"] == "delete"}
    hub.holdEdits()
    d = hub.store.restore_version(hub.worksheetId, version, steps, cell=cellId, who=who)

    def stored(result):
        _apply(hub, steps, result["inserted"], deleted)
        return result

    def released(result):
        hub.releaseEdits()
        return result

    return d.addCallback(stored).addBoth(released)


def restoreVersion(hub, version: int, who: str) -> Deferred:
    """Make the worksheet what it was right after ``version``, as one change; fires with the
    last version (the restore's own, or the last one if nothing was to change)."""

    def locked():
        d = hub.store.history_at(hub.worksheetId, version)
        return d.addCallback(lambda past: _run(
            hub, version, planVersion(hub.cells, hub.title, past), who, None)).addCallback(
            lambda result: result["version"])

    return hub._locked(locked)


def restoreCell(hub, version: int, cellId: int, who: str) -> Deferred:
    """Give the cell its text and kind of ``version`` (bringing it back as a new cell where it
    was if it is gone), as one change; fires with the cell's id (the new one if it came back)."""

    def locked():
        def planned(past):
            steps = planCell(hub.cells, past, cellId)
            return _run(hub, version, steps, who, cellId).addCallback(
                lambda result: result["inserted"][0].id if result["inserted"] else cellId)

        return hub.store.history_at(hub.worksheetId, version).addCallback(planned)

    return hub._locked(locked)


def snapshotWithOutputs(hub, name: str, who: str):
    """Name the last version, keeping every cell's outputs as they are now."""
    outputs = {str(c.id): compact(c.outputs) for c in hub.cells if not c.leaving}
    return hub.store.name_version(hub.worksheetId, name, who=who, outputs=outputs)
