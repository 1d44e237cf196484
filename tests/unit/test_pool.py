"""The kernel pool's hand-out and refill, with scripted workers on a Clock (athena_nb.kernel.pool)."""

import os

import pytest
from twisted.internet.task import Clock

from athena_nb.kernel import Kernel, KernelPool, KernelState
from tests.support.workers import Workers


class Pool:
    def __init__(self, size=2, refillDelay=0.25):
        self.clock = Clock()
        # The test makes them ready and answers for them; they exit when told to, as real ones do.
        self.workers = Workers(self.clock, obeys=True)
        self.processes = self.workers.made
        self.pool = KernelPool(self.clock, size=size, refillDelay=refillDelay,
                               factory=lambda reactor, cwd: Kernel(
                                   reactor, cwd=cwd, processFactory=self.workers))

    def starting(self):
        return [p for p in self.processes if p.owner.state is KernelState.STARTING]

    def readyAll(self):
        """Make every starting kernel ready, and those the pool starts next."""
        while self.starting():
            self.starting()[0].ready()

    def close(self):
        """Shut the pool down; its scratch directory is removed once its kernels exited."""
        done = self.pool.shutdown()
        self.clock.advance(0)
        assert done.called


@pytest.fixture
def makePool():
    """``makePool(size, refillDelay)``: a Pool that is shut down after the test."""
    pools = []

    def make(size=2, refillDelay=0.25):
        pools.append(Pool(size, refillDelay))
        return pools[-1]

    yield make
    for p in pools:
        p.close()


def test_a_ready_kernel_is_handed_out_at_once_with_its_chdir_on_the_way(makePool, tmp_path):
    """acquire() does not wait for the worker to answer the chdir: the kernel comes at once,
    and the first cell goes out right behind the chdir (the worker takes them in order)."""
    p = makePool()
    p.readyAll()
    d = p.pool.acquire(str(tmp_path))
    assert d.called, "acquire() waited for the chdir's answer"
    kernel = d.result
    process = p.workers.of(kernel)
    kernel.execute("1")
    assert [(m["op"], m.get("path")) for m in process.sent] == [
        ("chdir", str(tmp_path)), ("execute", None)]
    assert kernel.cwd == str(tmp_path)


def test_a_starting_kernel_is_handed_out_once_it_is_ready(makePool, tmp_path):
    """With no ready kernel, acquire() takes the one furthest along and fires once it is up."""
    p = makePool(size=1)
    d = p.pool.acquire(str(tmp_path))
    assert not d.called
    p.processes[0].ready()
    assert d.called and [m["op"] for m in p.processes[0].sent] == ["chdir"]


def test_a_failed_chdir_is_logged_and_the_kernel_keeps_its_directory(makePool, tmp_path):
    """If the worker cannot move into the worksheet directory the kernel's cwd goes back (its
    worker refuses cells until a chdir works; see the worker's tests)."""
    p = makePool(size=1)
    p.readyAll()
    kernel = p.pool.acquire(str(tmp_path / "gone")).result
    scratch = p.processes[0].config["cwd"]
    assert kernel.cwd == str(tmp_path / "gone")
    p.workers.of(kernel).reply("chdir", ok=False, message="Cannot change to directory.")
    assert kernel.cwd == scratch


def test_the_replacement_starts_only_after_the_refill_delay(makePool, tmp_path):
    """A spawn blocks the reactor and a starting interpreter takes a CPU, so the replacement
    waits refillDelay after a hand-out: the handed-out kernel's first cell is not held up by it."""
    p = makePool(size=2, refillDelay=0.25)
    p.readyAll()
    assert len(p.processes) == 2
    p.pool.acquire(str(tmp_path))
    p.pool.acquire(str(tmp_path))
    p.clock.advance(0.2)
    assert len(p.processes) == 2
    p.clock.advance(0.05)
    assert len(p.processes) == 3
    p.readyAll()
    assert len(p.processes) == 4 and p.pool.ready == 2


def test_kernels_start_one_at_a_time(makePool):
    """The pool starts its next kernel only once the one before is ready: a spawn while
    another kernel starts Python waits for a CPU with the reactor blocked."""
    p = makePool(size=3)
    assert len(p.processes) == 1
    p.processes[0].ready()
    assert len(p.processes) == 2 and p.pool.ready == 1
    p.processes[1].ready()
    p.processes[2].ready()
    assert len(p.processes) == 3 and p.pool.ready == 3


def test_a_kernel_handed_out_while_starting_does_not_start_the_next_early(makePool, tmp_path):
    """A kernel taken while still starting becomes ready serving its worksheet: the pool's
    replacement waits for the refill delay, not for that readiness."""
    p = makePool(size=1, refillDelay=0.25)
    d = p.pool.acquire(str(tmp_path))
    p.processes[0].ready()
    assert d.called and len(p.processes) == 1
    p.clock.advance(0.25)
    assert len(p.processes) == 2


def test_a_kernel_that_fails_to_start_is_not_retried_forever(makePool):
    p = makePool(size=2)
    p.processes[0].exit(1)
    assert len(p.processes) == 1 and p.pool.ready == 0


class _SandboxedIsolation:
    """Stands in for an Isolation whose kernels are sandboxed (their workers are scripted)."""

    from athena_nb.kernel.isolation import Isolation as _Real
    from athena_nb.kernel.sandbox import Sandbox as _Sandbox

    sandbox = _Sandbox(bwrap="bwrap")
    adopt = _Real.adopt


def test_a_sandboxed_pooled_kernels_directory_becomes_the_worksheets(tmp_path):
    """A sandboxed kernel sees only its own directory: the pool moves the worksheet's files
    into it and gives it the worksheet directory's name; the chdir then names the directory
    the worker already works in."""
    clock = Clock()
    workers = Workers(clock, obeys=True)
    isolation = _SandboxedIsolation()
    pool = KernelPool(clock, size=1, scratch=str(tmp_path / "worksheets" / ".pool"),
                      factory=lambda reactor, cwd: Kernel(reactor, cwd=cwd, isolation=isolation,
                                                          processFactory=workers))
    workers.made[0].ready()
    private = pool._kernels[0].cwd
    (tmp_path / "worksheets" / "w1").mkdir()
    (tmp_path / "worksheets" / "w1" / "data.txt").write_text("the worksheet's")
    kernel = pool.acquire(str(tmp_path / "worksheets" / "w1")).result
    assert kernel.cwd == str(tmp_path / "worksheets" / "w1")
    assert not os.path.exists(private)
    assert (tmp_path / "worksheets" / "w1" / "data.txt").read_text() == "the worksheet's"
    assert [(m["op"], m.get("path")) for m in workers.of(kernel).sent] == [("chdir", "/worksheet")]
    other = Kernel(clock, cwd=str(tmp_path), isolation=isolation, processFactory=workers)
    other.start()
    workers.made[-1].ready()
    failure = []
    other.chdir(str(tmp_path / "worksheets" / "w1")).addErrback(failure.append)
    assert "sees only its own directory" in failure[0].getErrorMessage()
    pool.shutdown()
    clock.advance(0)
