"""What keeps a kernel in its place: its sandbox and its cgroup, found once when the server
starts, and how one worker is launched within them (tests: tests/unit/test_kernel_sandbox.py,
tests/integration/test_kernel_sandbox.py).

``Isolation.find`` looks for bubblewrap and for cgroups (sandbox.py, cgroups.py) and says in
sentences what is in force and what is not (the server logs them; the worksheet page and the
Share panel show them). ``Isolation.launch`` gives a ``Launch`` per worker process: its command
line, the descriptors to pass, its environment, and what to do once it is spawned (join its
cgroup before it runs anything), when it is interrupted and when it has exited.
"""

from __future__ import annotations

import fcntl
import os
import re
import signal
from collections.abc import Callable
from typing import Any

from . import cgroups as _cgroups
from .sandbox import INSIDE, Sandbox, bwrapArgv, findSandbox, kernelEnvironment

#: The keeper a worker runs under outside the sandbox.
KEEPER_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keeper.py")
#: ioctl(2) on a pty master: signal the terminal's foreground process group (Linux).
TIOCSIG = 0x40045436
_CHILD_PID = re.compile(rb'"child-pid"\s*:\s*(\d+)')


class Isolation:
    """The protections every kernel of this server gets."""

    def __init__(self, sandbox: Sandbox | None, sandboxText: str,
                 cgroups: _cgroups.Cgroups | None = None) -> None:
        self.sandbox = sandbox
        self.sandboxText = sandboxText
        self.cgroups = cgroups or _cgroups.Cgroups(None, [], "cgroups were not looked for")

    @classmethod
    def find(cls, *, network: bool, python: str, workerDir: str, secrets: list[str],
             useSandbox: bool = True,
             cgroupRoot: str = _cgroups.ROOT) -> Isolation:
        if useSandbox:
            sandbox, text = findSandbox(network=network, python=python, workerDir=workerDir,
                                        secrets=secrets)
        else:
            sandbox, text = None, ("kernels are not sandboxed (--kernel-sandbox off): code in "
                                   "a cell can read and change what this server's user can")
        cgroups = _cgroups.findCgroups(cgroupRoot)
        cgroups.removeStale()
        return cls(sandbox, text, cgroups)

    @property
    def network(self) -> bool:
        return self.sandbox is None or self.sandbox.network

    def summary(self) -> dict[str, Any]:
        """What the log, the worksheet page and the Share panel say: ``sandboxed``,
        ``network``, ``limits`` ("cgroup v2", "cgroup v1" or "rlimits"), the sentences of what
        is in force (``lines``) and of what is not (``warnings``)."""
        lines, warnings = [], []
        (lines if self.sandbox else warnings).append(_sentence(self.sandboxText))
        if self.cgroups.kind:
            lines.append("Memory and processes are limited for each kernel as a whole (%s)."
                         % self.cgroups.reason)
        else:
            warnings.append("Memory and processes are limited for each process of a kernel "
                            "only (rlimits), not for the kernel as a whole: %s."
                            % self.cgroups.reason)
        return {"sandboxed": self.sandbox is not None, "network": self.network,
                "limits": ("cgroup " + self.cgroups.kind) if self.cgroups.kind else "rlimits",
                "lines": lines, "warnings": warnings}

    def adopt(self, private: str, target: str) -> None:
        """Make the directory ``private`` (a pooled kernel's, seen by its sandbox) be
        ``target``: ``target``'s files move into it, then it takes ``target``'s name (rename(2)
        replaces the directory left empty). Raises OSError (EXDEV across file systems)."""
        os.makedirs(os.path.dirname(target), exist_ok=True)
        moved: list[str] = []
        try:
            for name in os.listdir(target) if os.path.isdir(target) else ():
                os.rename(os.path.join(target, name), os.path.join(private, name))
                moved.append(name)
            os.rename(private, target)
        except OSError:
            for name in moved:  # nothing of the worksheet's stays behind in ``private``
                try:
                    os.rename(os.path.join(private, name), os.path.join(target, name))
                except OSError:
                    pass
            raise
        if self.sandbox is not None and self.sandbox.dropTo is not None:
            _own(target, *self.sandbox.dropTo)

    def launch(self, *, directory: str | None, python: str, limits: dict[str, Any],
               env: dict[str, str] | None) -> Launch:
        return Launch(self, directory, python, limits, env)


class Launch:
    """One worker process started within the isolation."""

    def __init__(self, isolation: Isolation, directory: str | None, python: str,
                 limits: dict[str, Any], env: dict[str, str] | None) -> None:
        self.isolation = isolation
        self.sandbox = isolation.sandbox
        self.directory = directory
        self.python = python
        self.memoryBytes = limits.get("memoryBytes")
        self.processes = limits.get("processes")
        self.extraEnv = env
        self.cgroup: _cgroups.KernelCgroup | None = None
        self._infoRead: int | None = None
        self._blockWrite: int | None = None
        self._passed: list[int] = []
        self._watch: Any = None  # the IDelayedCall of the next look at the process limit
        #: the worker was killed because the kernel reached its process limit
        self.processLimitReached = False

    @property
    def sandboxed(self) -> bool:
        return self.sandbox is not None

    @property
    def insideDirectory(self) -> str | None:
        """Where the worker finds its directory: ``INSIDE`` in the sandbox."""
        return INSIDE if self.sandboxed else self.directory

    def workerLimits(self) -> dict[str, Any]:
        """Make the kernel's cgroup; the limits the worker must then set itself: RLIMIT_NPROC
        when no cgroup counts the kernel's processes (in the sandbox only: outside it the
        rlimit would count every process of the server's user)."""
        self.cgroup = self.isolation.cgroups.make(self.memoryBytes, self.processes)
        rlimit = self.cgroup is None and self.sandboxed
        return {"processes": self.processes if rlimit else None}

    def command(self, argv: list[str]) -> tuple[list[str], list[int], dict[str, str] | None]:
        """(command line, descriptors to pass, environment or None for the server's). Outside
        the sandbox the worker runs under its keeper (keeper.py, under the same interpreter),
        which ends what the worker leaves behind as the sandbox's PID namespace does in it."""
        if not self.sandboxed:
            return [argv[0], KEEPER_PATH] + argv, [], None
        infoFd = blockFd = None
        if self.cgroup is not None:
            self._infoRead, infoFd = os.pipe()
            blockFd, self._blockWrite = os.pipe()
            self._passed = [infoFd, blockFd]
        if self.sandbox.dropTo is not None:
            _own(self.directory, *self.sandbox.dropTo)
        command = bwrapArgv(self.sandbox, argv, directory=self.directory,
                            tmpBytes=self.memoryBytes, infoFd=infoFd, blockFd=blockFd)
        return command, list(self._passed), kernelEnvironment(dict(os.environ), self.python,
                                                             self.extraEnv)

    def spawned(self, pid: int) -> None:
        """The process is running: close our copies of its descriptors and put it in its
        cgroup before it runs the worker. (Without a sandbox: now. With one: bubblewrap
        writes the sandbox's first process id and waits until we let it go on; waiting for
        that id takes a few milliseconds, once per kernel start.)"""
        for fd in self._passed:
            os.close(fd)
        self._passed = []
        if self.cgroup is None:
            return
        if not self.sandboxed:
            self.cgroup.join(pid)
            return
        info = b""
        try:
            while not _CHILD_PID.search(info):
                chunk = os.read(self._infoRead, 4096)
                if not chunk:
                    break
                info += chunk
            match = _CHILD_PID.search(info)
            if match:
                self.cgroup.join(int(match.group(1)))
                os.write(self._blockWrite, b"1")
        finally:
            # The info pipe stays open until the exit: bubblewrap writes more to it (the
            # namespaces' ids), and a closed pipe would kill it with SIGPIPE.
            os.close(self._blockWrite)
            self._blockWrite = None

    def watch(self, reactor: Any, stop: Callable[[], object], every: float = 0.5) -> None:
        """Call ``stop()`` (which kills the worker) once the kernel has reached its process
        limit: a fork bomb, held to that limit, would otherwise go on forking in the copies
        that an interrupt did not reach. Looked at every ``every`` seconds."""
        if self.cgroup is None:
            return

        def look() -> None:
            self._watch = None
            if self.cgroup is None or not self.cgroup.dirs:
                return
            if self.cgroup.processLimitReached():
                self.processLimitReached = True
                stop()
                return
            self._watch = reactor.callLater(every, look)

        self._watch = reactor.callLater(every, look)

    def closeDescriptors(self) -> None:
        for fd in self._passed + [self._infoRead, self._blockWrite]:
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._passed, self._infoRead, self._blockWrite = [], None, None

    def interrupt(self, pid: int, ptyMaster: int) -> None:
        """SIGINT to the worker and what it started. In the sandbox the worker leads the
        terminal's foreground process group (bubblewrap's processes are not in it), and the
        terminal signals that group at once (kill(2) inside the system, as ``killpg``).
        Outside it the worker is in its keeper's group, and the keeper ignores SIGINT."""
        if self.sandboxed:
            fcntl.ioctl(ptyMaster, TIOCSIG, signal.SIGINT)
        else:
            os.killpg(pid, signal.SIGINT)

    def killAll(self) -> None:
        """SIGKILL every process in the kernel's cgroup, if it has one (at once and for all
        with cgroup v2's ``cgroup.kill``)."""
        if self.cgroup is not None:
            self.cgroup.killAll()

    def exited(self) -> bool:
        """The process has exited: end what is left of the kernel, remove its cgroup if it
        is empty; True if the OOM killer had struck."""
        self.closeDescriptors()
        if self._watch is not None and self._watch.active():
            self._watch.cancel()
        self._watch = None
        if self.cgroup is None:
            return False
        outOfMemory = self.cgroup.outOfMemory()
        self.cgroup.killAll()
        return outOfMemory

    def removeCgroup(self) -> bool:
        """Remove the kernel's cgroup; False while its processes are still being reaped."""
        return self.cgroup is None or self.cgroup.remove()


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _own(directory: str | None, uid: int, gid: int) -> None:
    """Make ``directory`` and what it holds ``uid``'s: a root server's kernel runs as that
    user and must write there."""
    if directory is None:
        return
    os.chown(directory, uid, gid)
    for parent, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = os.path.join(parent, name)
            try:
                if os.lstat(path).st_uid != uid:
                    os.lchown(path, uid, gid)
            except OSError:
                pass


def identity(path: str | None) -> tuple[int, int] | None:
    """(device, inode) of a directory, which stay the same when it is renamed; None if it is
    not there."""
    try:
        st = os.stat(path) if path else None
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if st else None
