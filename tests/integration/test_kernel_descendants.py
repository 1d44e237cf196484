"""Every process a cell starts ends with its kernel's worker, however the worker ends and
whether the kernel is plain, has a cgroup only, or is sandboxed (athena_nb/kernel/keeper.py,
proctree.py, process.py; docs/kernels.md, "What ends with the worker").

A cell starts children outside the worker's process group: one with ``start_new_session``
and, where pexpect is importable, one through ``pexpect.spawn`` (a session and a pty of its
own, as Sage's interfaces to GAP, Maxima and Singular start theirs), which ignores SIGHUP so
that the end of its pty does not end it either (the orphaned GAP seen in CI went on that way).
Then the worker is restarted, restarted in the middle of a cell, shut down, leaves with
``os._exit`` or is killed by a signal, and each child must be gone.
"""

import itertools
import os
import select
import subprocess
import sys
import time

import pytest
import pytest_twisted

from athena_nb.kernel.isolation import Isolation
from athena_nb.kernel.process import WORKER_PATH
from tests.integration.conftest import sandboxOrSkip
from tests.support.processes import alive, processesRunning
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

_markers = itertools.count(1)

SPAWN = """
import subprocess
started = [subprocess.Popen(["sleep", "{marker}"], start_new_session=True).pid]
try:
    import pexpect
except ImportError:
    pass
else:
    child = pexpect.spawn("sh", ["-c", "trap '' HUP; exec sleep {marker}"])
    started.append(child.pid)
with open("children.txt", "w") as f:
    f.write(" ".join(map(str, started)))
"""


def expectedChildren() -> int:
    try:
        import pexpect  # noqa: F401
    except ImportError:
        return 1
    return 2


@pytest.fixture
def makeAny(makeKernel, makeSandboxed):
    """Start a kernel of one kind: "plain" (no isolation), "cgroup" (a cgroup, no sandbox; skips
    where no cgroup can be made) or "sandboxed"."""

    async def make(kind):
        if kind == "sandboxed":
            return await makeSandboxed()
        if kind == "plain":
            return await makeKernel()
        isolation = Isolation.find(network=False, python=sys.executable, secrets=[],
                                   workerDir=os.path.dirname(WORKER_PATH), useSandbox=False)
        if isolation.cgroups.kind is None:
            pytest.skip("No cgroup can be made here: " + isolation.cgroups.reason)
        return await makeKernel(isolation=isolation)

    return make


async def startChildren(kernel, kt) -> list[int]:
    """Run SPAWN in ``kernel``; the host pids of the children it started."""
    marker = "300.%d%d" % (os.getpid(), next(_markers))
    result, events = await kt.run(kernel, SPAWN.format(marker=marker))
    assert result.status == "ok", (result, events)
    pids: list[int] = []

    def found() -> bool:
        pids[:] = processesRunning(marker.encode())
        return len(pids) == expectedChildren()

    await eventually(found, "the cell's children running")
    if kernel.isolation is None or kernel.isolation.sandbox is None:  # the same process ids as the cell saw
        with open(os.path.join(kernel.cwd, "children.txt")) as f:
            assert sorted(map(int, f.read().split())) == sorted(pids)
    return pids


async def assertGone(pids: list[int], how: str) -> None:
    await eventually(lambda: not [p for p in pids if alive(p)],
                     "the cell's children ending when its worker %s" % how, timeout=10)


KINDS = ["plain", "cgroup", "sandboxed"]


@pytest.mark.parametrize("kind", KINDS)
@pytest_twisted.ensureDeferred
async def test_children_in_sessions_of_their_own_end_when_an_idle_kernel_restarts(
        makeAny, kt, kind):
    kernel = await makeAny(kind)
    pids = await startChildren(kernel, kt)
    await kt.withTimeout(kernel.restart())
    await assertGone(pids, "restarted")
    result, events = await kt.run(kernel, "1 + 1")
    assert kt.results(events) == ["2"]


@pytest.mark.parametrize("kind", KINDS)
@pytest_twisted.ensureDeferred
async def test_they_end_when_a_kernel_is_restarted_in_the_middle_of_a_cell(makeAny, kt, kind):
    kernel = await makeAny(kind)
    pids = await startChildren(kernel, kt)
    running = kernel.execute("import time\ntime.sleep(60)")
    await eventually(lambda: kernel.state.name == "BUSY", "the cell running")
    await kt.withTimeout(kernel.restart())
    assert (await kt.withTimeout(running.deferred)).status != "ok"
    await assertGone(pids, "was killed for a restart")


@pytest.mark.parametrize("kind", KINDS)
@pytest_twisted.ensureDeferred
async def test_they_end_when_a_kernel_shuts_down(makeAny, kt, kind):
    kernel = await makeAny(kind)
    pids = await startChildren(kernel, kt)
    await kt.withTimeout(kernel.shutdown())
    await assertGone(pids, "shut down")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("ending", ["os._exit(3)", "os.kill(os.getpid(), signal.SIGKILL)"])
@pytest_twisted.ensureDeferred
async def test_they_end_when_the_worker_ends_by_itself(makeAny, kt, kind, ending):
    kernel = await makeAny(kind)
    pids = await startChildren(kernel, kt)
    result, _ = await kt.run(kernel, "import os, signal\n" + ending)
    assert result.status == "died"
    expected = "exited with status 3" if "_exit" in ending else "was killed by SIGKILL"
    assert expected in result.message
    await assertGone(pids, "died")
    result, events = await kt.run(kernel, "1 + 1")
    assert kt.results(events) == ["2"]


SERVER = """
import os, sys
from twisted.internet import defer, reactor
from athena_nb.kernel import Kernel, KernelLimits
from athena_nb.kernel.isolation import Isolation
from athena_nb.kernel.process import WORKER_PATH

kind, data = sys.argv[1:]
code = sys.stdin.read()

async def main():
    isolation = None
    if kind == "sandboxed":
        isolation = Isolation.find(network=False, python=sys.executable, secrets=[data],
                                   workerDir=os.path.dirname(WORKER_PATH))
    cwd = os.path.join(data, "worksheets", "ws")
    os.makedirs(cwd)
    kernel = Kernel(reactor, system="python", cwd=cwd, limits=KernelLimits(),
                    isolation=isolation)
    await kernel.start()
    result = await kernel.execute(code).deferred
    print(result.status, flush=True)

defer.ensureDeferred(main())
reactor.run()
"""


@pytest.mark.parametrize("kind", ["plain", "sandboxed"])
def test_they_end_when_the_server_itself_is_killed_outright(tmp_path, kind):
    """The server killed with SIGKILL (no shutdown at all): its kernel's pty hangs up, and the
    keeper (or bubblewrap, --die-with-parent) ends the worker and what it started."""
    if kind == "sandboxed":
        sandboxOrSkip(Isolation.find(network=False, python=sys.executable, secrets=[],
                                     workerDir=os.path.dirname(WORKER_PATH)))
    marker = "300.%d%d" % (os.getpid(), next(_markers))
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, kind, str(tmp_path / "data")], cwd=root,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        server.stdin.write(SPAWN.format(marker=marker))
        server.stdin.close()
        ready, _, _ = select.select([server.stdout], [], [], 120)
        assert ready and server.stdout.readline().strip() == "ok"
        def allRunning():  # pexpect's child shows the marker once its shell has exec'd sleep
            found = processesRunning(marker.encode())
            return found if len(found) == expectedChildren() else None

        pids = waitFor(allRunning, "the cell's children running")
    finally:
        server.kill()
        server.wait()
    waitFor(lambda: not [p for p in pids if alive(p)], "the children ending with the server")


def waitFor(predicate, what, timeout=15.0):
    """For a test without the reactor: ``predicate()``'s value once it is true."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g} s.")
        time.sleep(0.05)
