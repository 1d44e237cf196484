"""The Sage pool with real kernels, store and hubs (no web): a Sage worksheet's first cell runs
in a Sage kernel that was started ahead of need (sandboxed too: it moves into the worksheet's
directory), its answer comes without Sage's start, and the pool says what its kernels take of
the memory; a Python worksheet on the same server gets a Python kernel.

Marked ``sage``: skipped where sage.all does not import, a failure under CI=true (conftest.py).
"""

from __future__ import annotations

import functools
import os
import sys
import time
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor

from athena_nb.hubs import HubRegistry
from athena_nb.kernel import Kernel, KernelLimits, KernelPool
from athena_nb.kernel.isolation import Isolation
from athena_nb.kernel.pools import KernelPools
from athena_nb.kernel.process import WORKER_PATH
from athena_nb.store import RunState, Store
from tests.integration.conftest import sandboxOrSkip
from tests.support.waiting import eventually as _eventually

eventually = functools.partial(_eventually, timeout=120.0)

pytestmark = [pytest.mark.integration, pytest.mark.sage]


@pytest.fixture
def server(tmp_path):
    """``await server(sandboxed)``: (hubs, store, pools) as the server makes them, with no
    Python kernel and one Sage kernel kept ready."""
    made = {}

    async def make(sandboxed):
        data = tmp_path / "data"
        (data / "worksheets").mkdir(parents=True)
        isolation = None
        if sandboxed:
            isolation = Isolation.find(network=True, python=sys.executable,
                                       workerDir=os.path.dirname(WORKER_PATH),
                                       secrets=[str(data)])
            sandboxOrSkip(isolation)

        def pool(kind, size):
            def factory(reactor, cwd):
                return Kernel(reactor, system=kind, cwd=cwd, isolation=isolation,
                              limits=KernelLimits(memoryBytes=4 << 30))

            return KernelPool(reactor, size=size, factory=factory, system=kind,
                              scratch=str(data / "worksheets" / (".pool-" + kind)))

        pools = KernelPools({"python": pool("python", 0), "sage": pool("sage", 1)}, "python")
        store = await Store.open(reactor, str(tmp_path / "nb.db"))
        hubs = HubRegistry(reactor, store, pools, str(data), outputFlushSeconds=0.05)
        made.update(hubs=hubs, store=store, pools=pools)
        return hubs, store, pools

    yield make
    if made:
        pytest_twisted.blockon(made["hubs"].shutdown())
        pytest_twisted.blockon(made["pools"].shutdown())
        pytest_twisted.blockon(made["store"].close())


@pytest.mark.parametrize("sandboxed", [False, True], ids=["plain", "sandboxed"])
@pytest_twisted.ensureDeferred
async def test_a_sage_worksheet_runs_its_first_cell_in_the_pooled_sage_kernel(server, sandboxed):
    hubs, store, pools = await server(sandboxed)
    sage = pools.pools["sage"]
    await eventually(lambda: sage.ready == 1, "the pooled Sage kernel's start")
    [pooled] = sage._kernels
    summary = pools.summary()
    assert [(s["system"], s["size"], s["ready"]) for s in summary] == [
        ("python", 0, 0), ("sage", 1, 1)]
    assert summary[1]["pss"] > 50 << 20, summary  # sage.all is loaded: it is big
    assert summary[1]["rss"] >= summary[1]["pss"]

    sheet = await store.create_worksheet("Sage", ["2^10", "open('made.txt', 'w').write('x')"])
    await store.set_metadata(sheet.id, "system", "sage")
    hub = await hubs.open(sheet.id)
    assert hub.system == "sage"
    first = hub.cells[0]
    t = time.perf_counter()
    hub.run(first.id, "Test")
    await eventually(lambda: not first.active, "the first cell")
    seconds = time.perf_counter() - t
    assert first.state is RunState.DONE
    assert first.outputs == [{"type": "result", "data": {"text/plain": "1024"}}]
    kernel = hub.runner.kernel
    assert kernel is pooled and kernel.system == "sage"
    # Sage's own start (import sage.all) takes seconds; a pooled kernel only runs the cell.
    assert seconds < 1.5, f"the first cell took {seconds:.2f} s"
    second = hub.cells[1]
    hub.run(second.id, "Test")
    await eventually(lambda: not second.active, "the second cell")
    assert second.files == ["made.txt"]
    assert (Path(hubs.dataDir) / "worksheets" / sheet.id / "made.txt").read_text() == "x"
    await eventually(lambda: sage.ready == 1, "the Sage pool's refill")

    python = await store.create_worksheet("Python", ["2**10"])
    other = await hubs.open(python.id)
    cell = other.cells[0]
    other.run(cell.id, "Test")
    await eventually(lambda: not cell.active, "the Python worksheet's cell")
    assert cell.outputs == [{"type": "result", "data": {"text/plain": "1024"}}]
    assert other.runner.kernel.system == "python"
