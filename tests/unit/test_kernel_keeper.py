"""The keeper's steps (athena_nb.kernel.keeper) with the system calls stood in for; the keeper
for real, around a kernel's worker, is tested in tests/integration/test_kernel_descendants.py."""

import os
import signal

import pytest

from athena_nb.kernel import keeper


def status(code=None, signum=None):
    """A wait status as waitpid(2) gives it."""
    return signum if signum is not None else code << 8


def test_the_exit_status_is_the_workers_or_128_plus_the_signal_that_killed_it():
    assert keeper.exitCode(status(code=0)) == 0
    assert keeper.exitCode(status(code=3)) == 3
    assert keeper.exitCode(status(signum=signal.SIGKILL)) == 128 + signal.SIGKILL
    assert keeper.exitCode(status(signum=signal.SIGSEGV)) == 128 + signal.SIGSEGV


def test_orphans_handed_over_are_reaped_while_waiting_for_the_worker(monkeypatch):
    exits = iter([(51, 0), (52, status(signum=9)), (50, status(code=3)), (53, 0)])
    monkeypatch.setattr(os, "waitpid", lambda pid, options: next(exits))
    assert keeper.waitForWorker(50) == status(code=3)
    assert next(exits) == (53, 0), "nothing is reaped after the worker"


def test_a_hangup_while_waiting_ends_the_wait_without_a_status(monkeypatch):
    def waitpid(pid, options):
        raise keeper._Ended(signal.SIGHUP)

    monkeypatch.setattr(os, "waitpid", waitpid)
    assert keeper.waitForWorker(50) is None


def test_the_descendants_are_killed_again_until_none_is_left(monkeypatch):
    """Each round kills what is below the keeper, then reaps one; the orphans a killed
    process leaves come to the keeper and die in the next round; no child left ends it."""
    rounds = iter([[60, 61, 62], [63], []])
    reaped = iter([(60, 9), (63, 9)])
    killed = []
    monkeypatch.setattr(keeper.proctree, "descendants", lambda pid: next(rounds))
    monkeypatch.setattr(keeper.proctree, "signalAll", lambda pids, signum: killed.append(
        (pids, signum)))

    def waitpid(pid, options):
        try:
            return next(reaped)
        except StopIteration:
            raise ChildProcessError from None

    monkeypatch.setattr(os, "waitpid", waitpid)
    before = signal.getsignal(signal.SIGALRM)
    keeper.endDescendants(seconds=60)
    assert signal.getsignal(signal.SIGALRM) is before
    assert killed == [([60, 61, 62], signal.SIGKILL), ([63], signal.SIGKILL),
                      ([], signal.SIGKILL)]
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_reaping_ends_when_its_time_is_up(monkeypatch):
    """A process stuck in the system (D state) dies late: the keeper exits all the same."""
    monkeypatch.setattr(keeper.proctree, "descendants", lambda pid: [70])
    monkeypatch.setattr(keeper.proctree, "signalAll", lambda pids, signum: None)

    def waitpid(pid, options):
        raise keeper._Ended(signal.SIGALRM)  # what the timer's handler raises

    monkeypatch.setattr(os, "waitpid", waitpid)
    keeper.endDescendants(seconds=60)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="Linux only")
def test_this_system_lets_a_process_become_a_subreaper():
    """prctl(PR_SET_CHILD_SUBREAPER) works here (in a child: it stays set for its life)."""
    pid = os.fork()
    if pid == 0:
        os._exit(0 if keeper.becomeSubreaper() else 1)
    assert os.waitpid(pid, 0)[1] == 0


def test_the_keeper_closes_its_descriptors_from_3_on_and_keeps_the_rest(monkeypatch):
    closed = []
    monkeypatch.setattr(os, "listdir", lambda path: ["0", "1", "2", "3", "7", "12"])
    monkeypatch.setattr(os, "close", closed.append)
    keeper.closeDescriptorsFrom(3)
    assert closed == [3, 7, 12]
