"""The hub with real kernels and a real store on disk (no web): what real workers send is what
the hub shows and stores. Sage tests are marked ``sage`` (see conftest.py)."""

from __future__ import annotations

import functools

import pytest
import pytest_twisted
from twisted.internet import reactor

from athena_nb.hubs import HubRegistry
from athena_nb.kernel import Kernel, KernelLimits
from athena_nb.store import RunState, Store
from athena_nb.terminal import visibleText
from tests.support.waiting import eventually as _eventually

#: Waits here may take longer than the shared default.
eventually = functools.partial(_eventually, timeout=120.0)


pytestmark = pytest.mark.integration


@pytest.fixture
def registry(tmp_path):
    made = {}

    async def make(system="python", *, quotas=None, isolation=None, **limits):
        """Hubs of ``system`` kernels (``isolation``: sandboxed; data in ``tmp_path/data``)
        under ``quotas``; other keywords are KernelLimits."""
        store = await Store.open(reactor, str(tmp_path / "nb.db"))

        def factory(reactor, cwd):
            return Kernel(reactor, system=system, cwd=cwd, limits=KernelLimits(**limits),
                          isolation=isolation)

        factory.system = system  # the worksheets' system, as a KernelPool's (hubs.py)

        hubs = HubRegistry(reactor, store, factory, str(tmp_path / "data"), lingerSeconds=60,
                           outputFlushSeconds=0.05, quotas=quotas)
        made["hubs"], made["store"] = hubs, store
        return hubs, store

    yield make
    if made:
        pytest_twisted.blockon(made["hubs"].shutdown())
        pytest_twisted.blockon(made["store"].close())


async def ran(hub, index):
    cell = hub.cells[index]
    hub.run(cell.id, "Test")
    await eventually(lambda: not cell.active, f"cell {index + 1} finishing")
    return cell


@pytest_twisted.ensureDeferred
async def test_results_errors_plots_and_files_from_a_real_python_kernel(registry):
    hubs, store = await registry()
    sheet = await store.create_worksheet("Real", [
        "print('hi')\n2 + 2",
        "undefined_name",
        "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()",
        "open('made.txt', 'w').write('x')",
    ])
    hub = await hubs.open(sheet.id)
    first = await ran(hub, 0)
    assert first.state is RunState.DONE and first.count == 1
    assert first.outputs == [{"type": "stream", "name": "stdout", "text": "hi\n"},
                             {"type": "result", "data": {"text/plain": "4"}}]
    second = await ran(hub, 1)
    assert second.state is RunState.ERROR
    assert second.outputs[0]["ename"] == "NameError"
    assert "undefined_name" in second.outputs[0]["traceback"]
    plot = await ran(hub, 2)
    assert any("image/png" in e.get("data", {}) for e in plot.outputs)
    files = await ran(hub, 3)
    assert files.files == ["made.txt"]
    # Store calls commit in order: this read answers after the runs' writes are saved.
    stored = (await store.load_worksheet(sheet.id)).cells
    assert [c.state for c in stored] == [RunState.DONE, RunState.ERROR, RunState.DONE,
                                         RunState.DONE]
    assert stored[3].files == ("made.txt",)
    assert [o.kind for o in stored[0].outputs] == ["stream", "result"]


@pytest_twisted.ensureDeferred
async def test_interrupt_an_endless_loop_then_restart_forgets_the_namespace(registry):
    hubs, store = await registry()
    sheet = await store.create_worksheet("Stop", [
        "x = 1", "print('looping', flush=True)\nwhile True: pass", "x"])
    hub = await hubs.open(sheet.id)
    await ran(hub, 0)
    loop = hub.cells[1]
    hub.run(loop.id, "Test")
    # The cell's own output proves its code runs (an interrupt before that is discarded).
    await eventually(lambda: loop.outputs, "the loop running")
    assert await hub.interrupt() == "interrupted"
    await eventually(lambda: loop.state is RunState.INTERRUPTED, "the loop stopping")
    assert loop.outputs[1]["ename"] == "KeyboardInterrupt"
    assert (await ran(hub, 2)).outputs == [{"type": "result", "data": {"text/plain": "1"}}]
    await hub.restart()
    last = await ran(hub, 2)
    assert last.state is RunState.ERROR and last.outputs[0]["ename"] == "NameError"
    assert last.count == 1, "counting starts again after a restart"


@pytest_twisted.ensureDeferred
async def test_an_interrupt_that_does_not_work_says_so_and_a_second_one_restarts(registry):
    hubs, store = await registry(interruptGraceSeconds=0.5)
    sheet = await store.create_worksheet("Stubborn", [
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nprint('on', flush=True)\n"
        "while True: pass"])
    hub = await hubs.open(sheet.id)
    cell = hub.cells[0]
    hub.run(cell.id, "Test")
    await eventually(lambda: cell.outputs, "running")
    assert await hub.interrupt() == "running"
    assert cell.state is RunState.RUNNING
    assert "Interrupt again" in " ".join(e.get("text", "") for e in cell.outputs)
    assert await hub.interrupt() == "restarted"
    await eventually(lambda: cell.state is RunState.INTERRUPTED, "stopped")
    assert "restarted" in " ".join(e.get("text", "") for e in cell.outputs)


@pytest.mark.sage
@pytest_twisted.ensureDeferred
async def test_a_sage_worksheet_preparses_and_plots(registry):
    hubs, store = await registry(system="sage")
    sheet = await store.create_worksheet("Sage", ["2^10", "factor(2^32 + 1)",
                                                  "plot(sin(x), (x, 0, 3))"])
    hub = await hubs.open(sheet.id)
    assert (await ran(hub, 0)).outputs == [{"type": "result", "data": {"text/plain": "1024"}}]
    assert (await ran(hub, 1)).outputs[0]["data"]["text/plain"] == "641 * 6700417"
    plot = await ran(hub, 2)
    assert any("image/png" in e.get("data", {}) for e in plot.outputs), plot.outputs


@pytest_twisted.ensureDeferred
async def test_rich_display_updates_clears_and_progress_from_a_real_python_kernel(registry):
    """Real IPython display calls through the hub: a display updated in place is stored
    updated, a clear_output(wait=True) loop ends with one output, a '\\r' progress loop is
    stored as its last state."""
    pytest.importorskip("IPython")
    hubs, store = await registry()
    sheet = await store.create_worksheet("Rich", [
        "from IPython.display import display, clear_output, HTML\n"
        "h = display(HTML('<b>0</b>'), display_id=True)\n"
        "for i in range(1, 4):\n"
        "    h.update(HTML('<b>%d</b>' % i))\n"
        "print('after')",
        "import time\n"
        "for i in range(5):\n"
        "    clear_output(wait=True)\n"
        "    print('step', i)\n"
        "    time.sleep(0.01)",
        "for i in range(101):\n"
        "    print('\\r%d%%' % i, end='', flush=True)\n"
        "print()",
    ])
    hub = await hubs.open(sheet.id)
    updated = await ran(hub, 0)
    assert [(e["type"], e.get("data", {}).get("text/html") or e.get("text"))
            for e in updated.outputs] == [("display", "<b>3</b>"), ("stream", "after\n")]
    looped = await ran(hub, 1)
    assert looped.outputs == [{"type": "stream", "name": "stdout", "text": "step 4\n"}]
    progress = await ran(hub, 2)
    assert progress.state is RunState.DONE
    stored = (await store.load_worksheet(sheet.id)).cells
    assert [(o.kind, o.payload.get("data", {}).get("text/html")) for o in stored[0].outputs] == [
        ("display", "<b>3</b>"), ("stream", None)]
    assert [o.payload for o in stored[1].outputs] == [{"name": "stdout", "text": "step 4\n"}]
    text = "".join(o.payload["text"] for o in stored[2].outputs)
    assert visibleText(text) == "100%\n"
    assert len(text) < 20, f"the overwritten steps are not stored: {text!r}"
