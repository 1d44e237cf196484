"""@interact with real kernels, through the hub and a real store (no web): the first run after the
cell, a change running the function again in the worksheet's kernel, an interrupt, the values
stored; in Sage, Sage's types, ``show()`` inside an interact and Sage's ready-made interacts.
Sage tests are marked ``sage`` (see conftest.py)."""

from __future__ import annotations

import base64

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import deferLater

from athena_nb.store import RunState
from tests.integration.test_notebook_hub import eventually, ran, registry  # noqa: F401

pytestmark = pytest.mark.integration


def interactsOf(cell):
    return [e for e in cell.outputs if e["type"] == "interact"]


async def settled(hub, event):
    """The interact's runs have ended; its event as it is then."""
    iid = event["id"]
    await eventually(lambda: hub.interacts.stateOf(iid) == "idle", "the interact's run ending")
    [now] = [e for c in hub.cells for e in interactsOf(c) if e["id"] == iid]
    return now


async def storedValue(store, sheetId, name, value):
    """The first cell's interact has ``value`` for control ``name`` in the store: outputs are
    stored in batches (``outputFlushSeconds`` apart), so a reading may come before the batch
    with the change; it must come within the wait."""
    for _ in range(200):
        stored = (await store.load_worksheet(sheetId)).cells[0].outputs
        if stored[0].payload["interact"]["values"][name] == value:
            return
        await deferLater(reactor, 0.05)
    raise AssertionError(f"The store still holds {name} = "
                         f"{stored[0].payload['interact']['values'][name]!r}, not {value!r}.")


def text(event):
    return "".join(e["text"] for e in event["outputs"] if e["type"] == "stream")


@pytest_twisted.ensureDeferred
async def test_an_interact_runs_in_the_real_kernel_and_again_on_a_change(registry):  # noqa: F811
    hubs, store = await registry()
    sheet = await store.create_worksheet("Interact", [
        "total = 100\n"
        "@interact\n"
        "def f(n=slider(0, 10, default=2), word='ab', loud=False):\n"
        "    print(total + n, word.upper() if loud else word)\n",
        "import time\n@interact\ndef slow(s=(0, 5)):\n    time.sleep(30 if s else 0)\n"])
    hub = await hubs.open(sheet.id)
    cell = await ran(hub, 0)
    assert cell.state is RunState.DONE and cell.outputs[1:] == [], "only the interact"
    event = await settled(hub, interactsOf(cell)[0])
    assert text(event) == "102 ab\n" and event["ranSeq"] == 0
    assert event["controls"][0]["labels"][2] == "2"
    seq = hub.interacts.change(cell.id, event["id"], {"n": 7, "loud": True}, "Ann")
    event = await settled(hub, event)
    assert text(event) == "107 AB\n" and event["ranSeq"] == seq == 1 and event["by"] == "Ann"
    slow = await ran(hub, 1)
    idle = await settled(hub, interactsOf(slow)[0])
    hub.interacts.change(slow.id, idle["id"], {"s": 3}, "Ann")
    await eventually(lambda: hub.interacts.stateOf(idle["id"]) == "running", "the slow run")
    assert await hub.interrupt() == "interrupted"
    stopped = await settled(hub, idle)
    assert [e["ename"] for e in stopped["outputs"]] == ["KeyboardInterrupt"]
    await storedValue(store, sheet.id, "n", 7)
    again = await ran(hub, 0)
    assert hub.interacts.live(interactsOf(again)[0])
    assert not [e for c in hub.cells for e in interactsOf(c) if e["id"] == event["id"]]


@pytest.mark.sage
@pytest_twisted.ensureDeferred
async def test_interact_with_sage_types_and_show_inside_it(registry):  # noqa: F811
    hubs, store = await registry("sage")
    sheet = await store.create_worksheet("Sage interact", [
        "@interact\n"
        "def f(n=slider(1, 10, default=3), q=(0, 1, 1/4), m=matrix(QQ, [[1, 2], [3, 4]]),\n"
        "      c=Color('red'), e=sin(x)^2, pick=[1..3]):\n"
        "    print(type(n).__name__, n^2, type(q).__name__, q, m.det(), type(c).__name__,\n"
        "          c.html_color(), e.diff(x), pick)\n"
        "    show(plot(e, (x, 0, n)))\n",
        "interacts.calculus.taylor_polynomial()"])
    hub = await hubs.open(sheet.id)
    cell = await ran(hub, 0)
    assert cell.state is RunState.DONE, cell.outputs
    event = await settled(hub, interactsOf(cell)[0])
    assert [c["kind"] for c in event["controls"]] == [
        "slider", "slider", "input_grid", "color_selector", "input_box", "selector"]
    assert event["controls"][1]["labels"] == ["0", "1/4", "1/2", "3/4", "1"]
    assert text(event) == ("Integer 9 Rational 0 -2 Color #ff0000 2*cos(x)*sin(x) 1\n")
    [shown] = [e for e in event["outputs"] if e["type"] == "display"]
    assert base64.b64decode(shown["data"]["image/png"]).startswith(b"\x89PNG")
    hub.interacts.change(cell.id, event["id"], {
        "n": 4, "q": 3, "m": [["2", "0"], ["0", "1/2"]], "c": "#0000ff", "e": "x^3",
        "pick": 2}, "Ann")
    event = await settled(hub, event)
    assert text(event) == "Integer 25 Rational 3/4 1 Color #0000ff 3*x^2 3\n"
    library = await ran(hub, 1)
    taylor = await settled(hub, interactsOf(library)[0])
    assert [c["name"] for c in taylor["controls"]] == ["title", "f", "order"]
    assert "<math" in taylor["controls"][1]["labelHTML"], "$f(x)=$ is typeset"
    assert any("image/png" in e.get("data", {}) for e in taylor["outputs"])
    assert not [e for e in taylor["outputs"] if e["type"] == "error"], taylor["outputs"]


@pytest_twisted.ensureDeferred
async def test_jupyters_interact_from_ipywidgets_makes_this_notebooks_interact(registry):  # noqa: F811
    """Code written for Jupyter runs as it is: ``from ipywidgets import interact`` gets this
    notebook's interact (jupyterinteract.py), with Jupyter's abbreviations and widgets."""
    pytest.importorskip("ipywidgets")
    hubs, store = await registry()
    sheet = await store.create_worksheet("Jupyter", [
        "from ipywidgets import interact, fixed, widgets\n"
        "colours = widgets.Dropdown(options=[('Red', 'r'), ('Blue', 'b')], value='b',\n"
        "                           description='Colour')\n"
        "@interact(x=(0, 10), unit=fixed('cm'), colour=colours)\n"
        "def f(x, word='ab', unit='m', colour='r'):\n"
        "    print(x, word, unit, colour)\n"])
    hub = await hubs.open(sheet.id)
    cell = await ran(hub, 0)
    assert cell.state is RunState.DONE, cell.outputs
    event = await settled(hub, interactsOf(cell)[0])
    assert text(event) == "5 ab cm b\n"
    controls = {c["name"]: c for c in event["controls"]}
    assert {n: c["kind"] for n, c in controls.items()} == {
        "x": "slider", "word": "input_box", "colour": "selector"}
    assert controls["colour"]["labels"] == ["Red", "Blue"]
    assert controls["colour"]["label"] == "Colour"
    hub.interacts.change(cell.id, event["id"], {"x": 9, "colour": 0}, "Ann")
    event = await settled(hub, event)
    assert text(event) == "9 ab cm r\n"
    # interact_manual waits for its button, as in Jupyter: nothing runs with the cell.
    sheet = await store.create_worksheet("Manual", [
        "from ipywidgets import interact_manual\n"
        "@interact_manual(n=(1, 5))\n"
        "def h(n):\n    print('n is', n)\n"])
    hub = await hubs.open(sheet.id)
    cell = await ran(hub, 0)
    [event] = interactsOf(cell)
    assert event["auto"] is False and event["first"] is False
    assert hub.interacts.stateOf(event["id"]) == "idle" and event["outputs"] == []
    hub.interacts.update(cell.id, event["id"], "Ann")  # its Update button
    event = await settled(hub, event)
    assert text(event) == "n is 3\n"
