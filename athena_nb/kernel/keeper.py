"""The keeper: the small process a kernel's worker runs under when it has no sandbox, which ends
everything the worker leaves behind (tests: tests/unit/test_kernel_keeper.py,
tests/integration/test_kernel_descendants.py; docs/kernels.md, "What ends with the worker").

Stdlib only, and it imports nothing else from athena_nb but proctree (by path, as the worker loads
its siblings): the server runs it by file path under the kernel's interpreter, as
``python keeper.py python worker.py '<config>'``, on the kernel's pty, where it leads the session
and the process group.

A cell's children in sessions of their own (``start_new_session``, ``pexpect.spawn``: GAP,
Maxima, Singular under Sage) are outside the worker's process group, and once the worker has died
the system hands them to init, where nothing ties them to their kernel any more. So the keeper
makes itself a child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``) and starts the worker as its
child: whatever the worker started stays below the keeper, however the worker ends (it is asked
to exit, calls ``os._exit``, crashes, or is killed by the server or the OOM killer). When the
worker has exited, the keeper SIGKILLs every descendant it has left, reaps them (a few seconds at
most), and exits with the worker's status, 128 + N for a worker killed by signal N (as bubblewrap
does in a sandbox, whose PID namespace does the same work there).

The keeper ignores SIGINT (the server's interrupt is for the worker and its process group), and
on SIGHUP (the server is gone: the pty hung up) or SIGTERM ends the worker and all the rest.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any, NoReturn

if __package__:  # imported as athena_nb.kernel.keeper (tests)
    from . import proctree
else:  # run by file path, maybe where athena_nb is not installed: load proctree by its path
    import importlib.util as _util

    _spec = _util.spec_from_file_location(
        "_athena_nb_proctree", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                            "proctree.py"))
    proctree = _util.module_from_spec(_spec)  # type: ignore[arg-type]
    _spec.loader.exec_module(proctree)  # type: ignore[union-attr]

#: prctl(2): make this process a subreaper of its orphaned descendants (Linux 3.4+).
PR_SET_CHILD_SUBREAPER = 36
#: How long the keeper goes on reaping killed processes (one stuck in the kernel, D state).
REAP_SECONDS = 5


class _Ended(Exception):
    """A signal that ends the kernel (SIGHUP, SIGTERM), or the end of the reaping time."""


def _raiseEnded(signum: int, frame: Any) -> None:
    raise _Ended(signum)


def becomeSubreaper() -> bool:
    """Make orphaned descendants this process's children; False where that cannot be done."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (ImportError, OSError, AttributeError):
        return False


def exitCode(status: int) -> int:
    """The keeper's exit status for a worker's wait status: its exit code, or 128 + N when
    signal N killed it."""
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return 1


def waitForWorker(worker: int) -> int | None:
    """Reap children (orphans handed to us included) until ``worker`` exits; its wait status,
    or None when SIGHUP or SIGTERM came first."""
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return None
        except _Ended:
            return None
        if pid == worker:
            return status


def endDescendants(seconds: float = REAP_SECONDS) -> None:
    """SIGKILL every descendant of this process and reap them, again for the ones that orphans
    of the killed ones bring in, until there are none or ``seconds`` have passed."""
    previous = signal.signal(signal.SIGALRM, _raiseEnded)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        while True:
            proctree.signalAll(proctree.descendants(os.getpid()), signal.SIGKILL)
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                return
    except _Ended:
        return
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def closeDescriptorsFrom(low: int) -> None:
    """Close our descriptors from ``low`` on: the server must see the worker's channel and
    pipes close when the worker ends, not when we do. (The ones open are listed: a loop up to
    the limit on descriptors, which can be 2**30, would take seconds.)"""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        os.closerange(low, os.sysconf("SC_OPEN_MAX"))
        return
    for fd in fds:
        if fd >= low:
            try:
                os.close(fd)
            except OSError:
                pass  # the descriptor that listed the directory, closed already


def main(argv: list[str]) -> NoReturn:
    if not argv:
        sys.stderr.write("Usage: keeper.py COMMAND [ARGUMENT...]: runs the kernel's worker.\n")
        os._exit(2)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    becomeSubreaper()
    worker = os.fork()
    if worker == 0:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        try:
            os.execvp(argv[0], argv)
        except OSError as e:
            sys.stderr.write("The kernel's worker could not start: %s: %s.\n" % (argv[0], e))
        os._exit(127)
    for signum in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, _raiseEnded)
    closeDescriptorsFrom(3)  # the control channel and output pipes, which are the worker's
    os.chdir("/")
    status = waitForWorker(worker)
    for signum in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    endDescendants()
    os._exit(exitCode(status) if status is not None else 128 + signal.SIGHUP)


if __name__ == "__main__":
    main(sys.argv[1:])
