"""The server's kernel pools: a worksheet gets its kernel from the pool of its kind
(athena_nb.kernel.pools), each pool says its size and memory, and says once when it is full."""

import os

import pytest
from twisted.internet.task import Clock

from athena_nb.kernel import Kernel, KernelPool, KernelState
from athena_nb.kernel.memory import Memory
from athena_nb.kernel.pools import KernelPools, describePool
from tests.support.workers import Workers


@pytest.fixture
def pools(tmp_path):
    clock = Clock()
    workers = Workers(clock, autoReady=True, obeys=True, answers=True)
    made = {}
    for kind, size in (("python", 2), ("sage", 1)):
        made[kind] = KernelPool(clock, size=size, system=kind, scratch=str(tmp_path / kind),
                                factory=lambda reactor, cwd, kind=kind: Kernel(
                                    reactor, system=kind, cwd=cwd, processFactory=workers))
    clock.advance(0)
    clock.advance(0)
    clock.advance(0)
    yield KernelPools(made, "python"), clock
    for pool in made.values():
        pool.shutdown()
    clock.advance(0)


@pytest.mark.parametrize("system, kind", [
    ("sage", "sage"), ("gp", "sage"), ("gap", "sage"), ("maxima", "sage"),
    ("python", "python"), ("md", "python"), ("sh", "python"), (None, "python")])
def test_a_worksheet_gets_a_kernel_of_its_kind(pools, tmp_path, system, kind):
    kernels, clock = pools
    assert kernels.kernelSystem(system) == kind
    d = kernels.acquire(str(tmp_path), system)
    clock.advance(0)
    kernel = d.result
    assert kernel.system == kind and kernel.state is KernelState.IDLE
    assert kernel.cwd == str(tmp_path)
    kernel.shutdown()
    clock.advance(0)


def test_without_a_sage_pool_sage_worksheets_get_the_servers_kernel(pools):
    kernels, _ = pools
    python = KernelPools({"python": kernels.pools["python"]}, "python")
    assert python.kernelSystem("sage") == "python"
    sage = KernelPools({"sage": kernels.pools["sage"]}, "sage")
    assert sage.kernelSystem("python") == "sage" and sage.kernelSystem(None) == "sage"
    with pytest.raises(ValueError, match="has no kernel pool"):
        KernelPools({"python": kernels.pools["python"]}, "sage")


def test_the_summary_gives_each_pools_size_and_memory_servers_system_first(pools):
    kernels, _ = pools
    measured = []

    def measure(pids):
        measured.append(sorted(pids))
        return Memory(rss=len(pids) * 400 << 20, pss=len(pids) * 300 << 20, processes=len(pids))

    for pool in kernels.pools.values():
        pool.measure = measure
    summary = kernels.summary()
    assert [(s["system"], s["size"], s["ready"]) for s in summary] == [
        ("python", 2, 2), ("sage", 1, 1)]
    assert summary[1]["pss"] == 300 << 20 and summary[1]["rss"] == 400 << 20
    assert [len(m) for m in measured] == [2, 1]  # the pooled kernels' processes, by pid
    assert all(pid is not None for m in measured for pid in m)
    assert describePool(summary[1]) == (
        "Sage kernels: 1 of 1 ready, taking 300 MiB (PSS; RSS 400 MiB).")
    assert describePool({"system": "sage", "size": 0, "ready": 0, "rss": 0, "pss": 0}) == (
        "Sage kernels: none kept ready (each starts when its worksheet first runs a cell).")
    assert kernels.memory().pss == 900 << 20


def test_a_pool_says_once_when_it_is_full(tmp_path):
    clock = Clock()
    workers = Workers(clock, obeys=True)
    pool = KernelPool(clock, size=2, scratch=str(tmp_path / "p"),
                      factory=lambda reactor, cwd: Kernel(reactor, cwd=cwd,
                                                          processFactory=workers))
    full = []
    pool.onFull = full.append
    workers.last.ready()
    assert full == []  # one of two
    workers.last.ready()
    assert full == [pool]
    kernel = pool.acquire(str(tmp_path)).result
    clock.advance(1)
    workers.last.ready()
    assert full == [pool]  # not again after a refill
    kernel.shutdown()
    pool.shutdown()
    clock.advance(0)


def test_the_hubs_ask_for_the_worksheets_system(pools, tmp_path):
    """HubRegistry.kernelSource (what a hub's runner calls with the worksheet's directory and
    system) takes from the pool of that system's kind."""
    from athena_nb.hubs import HubRegistry

    kernels, clock = pools
    registry = HubRegistry(clock, None, kernels, str(tmp_path))
    d = registry.kernelSource(str(tmp_path), "gap")
    clock.advance(0)
    assert d.result.system == "sage"
    assert registry.kernelProtection is kernels.protection
    d.result.shutdown()
    clock.advance(0)


def test_the_page_lists_the_pools_with_their_memory(pools):
    from athena_nb.web.fragments import kernelNote

    kernels, _ = pools
    for pool in kernels.pools.values():
        pool.measure = lambda pids: Memory(rss=len(pids) * 200 << 20, pss=len(pids) * 150 << 20)
    markup = kernelNote(None, kernels)  # without the sandbox's word, the note says "Kernels"
    assert markup.startswith('<details class="nb-protection"><summary')
    assert ">Kernels</summary>" in markup and 'aria-label="Kernels kept started"' in markup
    assert "<li>Python kernels: 2 of 2 ready, taking 300 MiB (PSS; RSS 400 MiB).</li>" in markup
    assert "<li>Sage kernels: 1 of 1 ready, taking 150 MiB (PSS; RSS 200 MiB).</li>" in markup
    both = kernelNote({"sandboxed": True, "network": True, "lines": ["Under bubblewrap."],
                       "warnings": []}, kernels)
    assert ">Sandboxed</summary>" in both and both.count("<ul") == 2


def test_a_kernel_measured_while_it_started_is_measured_again_once_ready(tmp_path):
    """The first page after a start must not show the few MiB of a kernel not yet grown."""
    clock = Clock()
    workers = Workers(clock, obeys=True, answers=True)
    pool = KernelPool(clock, size=1, system="python", scratch=str(tmp_path / "python"),
                      factory=lambda reactor, cwd: Kernel(reactor, system="python", cwd=cwd,
                                                          processFactory=workers))
    clock.advance(0)
    calls = []
    pool.measure = lambda pids: calls.append(pids) or Memory(pss=len(calls))
    assert pool.memory().pss == 1 and pool.ready == 0
    workers.last.ready()
    assert pool.ready == 1 and pool.memory().pss == 2
    pool.shutdown()
    clock.advance(0)


def test_shutting_down_removes_the_scratch_directories_and_the_one_above_them(tmp_path):
    """The first pool made the directory above (the data directory's worksheets/, new): it goes
    once both pools' scratch directories have gone."""
    clock = Clock()
    above = tmp_path / "worksheets"
    pools = KernelPools({kind: KernelPool(clock, size=0, system=kind,
                                          scratch=str(above / (".pool-" + kind)))
                         for kind in ("python", "sage")}, "python")
    assert sorted(os.listdir(above)) == [".pool-python", ".pool-sage"]
    done = pools.shutdown()
    assert done.called
    assert not above.exists()


def test_a_measurement_is_reused_for_a_while_unless_the_kernels_changed(pools, tmp_path):
    kernels, clock = pools
    sage = kernels.pools["sage"]
    calls = []
    sage.measure = lambda pids: calls.append(pids) or Memory(pss=len(calls))
    assert sage.memory().pss == 1
    clock.advance(sage.memorySeconds - 1)
    assert sage.memory().pss == 1 and len(calls) == 1  # the same kernels, a moment later
    clock.advance(1)
    assert sage.memory().pss == 2  # stale
    kernel = kernels.acquire(str(tmp_path), "sage").result
    assert sage.memory().pss == 3 and calls[-1] == []  # handed out: the pool is empty
    kernel.shutdown()
    clock.advance(0)
