"""Control groups: limits on a kernel as a whole, all its processes together (tests:
tests/unit/test_kernel_cgroups.py, tests/integration/test_kernel_sandbox.py).

RLIMIT_DATA bounds one process; a kernel that starts ten processes, or fills its /tmp (memory,
too), escapes it. A cgroup bounds the kernel: its memory (the processes' memory and its /tmp,
over the limit the system's OOM killer ends one of them) and its number of processes and
threads (a fork bomb gets EAGAIN). The server makes one cgroup per kernel where it may:

- ``v2``: the unified hierarchy, where our own cgroup is writable and offers the memory and pids
  controllers (root, or a delegated subtree such as ``systemd-run --user --scope -p
  Delegate=yes``). The server moves itself into a leaf ``athena-nb-server`` first (a cgroup
  with processes cannot hand controllers to its children) and makes the kernels' groups beside it.
- ``v1``: the legacy memory and pids hierarchies, where our cgroup in each is writable (root).
- none: each process of the kernel keeps its rlimits only (RLIMIT_DATA, RLIMIT_NPROC).

``findCgroups`` reads a root (``/sys/fs/cgroup``) and the text of ``/proc/self/cgroup``, so the
tests run it on a directory of their own.
"""

from __future__ import annotations

import errno
import itertools
import os
import signal

ROOT = "/sys/fs/cgroup"
SERVER_LEAF = "athena-nb-server"
_names = itertools.count(1)


class KernelCgroup:
    """The cgroup (one directory per hierarchy) of one kernel."""

    def __init__(self, kind: str, dirs: list[str]) -> None:
        self.kind = kind
        self.dirs = dirs

    def join(self, pid: int) -> None:
        """Put process ``pid`` in the group (its later children are born there)."""
        for directory in self.dirs:
            _write(os.path.join(directory, "cgroup.procs"), str(pid))

    def outOfMemory(self) -> bool:
        """Did the system's OOM killer end one of the group's processes?"""
        return self._counted(("memory.events", "memory.oom_control"), "oom_kill")

    def processLimitReached(self) -> bool:
        """Has a fork failed for the group's process limit (pids.events' "max" count)?"""
        return self._counted(("pids.events",), "max")

    def _counted(self, files: tuple[str, ...], key: str) -> bool:
        """Does one of ``files`` of the group count ``key`` more than zero times?"""
        for directory in self.dirs:
            for name in files:
                try:
                    with open(os.path.join(directory, name)) as f:
                        for line in f:
                            word, _, value = line.partition(" ")
                            if word == key and value.strip() not in ("", "0"):
                                return True
                except OSError:
                    continue
        return False

    def killAll(self) -> None:
        """SIGKILL every process left in the group."""
        for directory in self.dirs:
            kill = os.path.join(directory, "cgroup.kill")
            if os.path.exists(kill):
                try:
                    _write(kill, "1")
                    continue
                except OSError:
                    pass
            for pid in _pids(directory):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    def remove(self) -> bool:
        """Remove the group; False while processes are still leaving it (try again later)."""
        left = []
        for directory in self.dirs:
            try:
                os.rmdir(directory)
            except FileNotFoundError:
                pass
            except OSError as e:
                if e.errno not in (errno.EBUSY, errno.ENOTEMPTY):
                    raise
                left.append(directory)
        self.dirs = left
        return not left


class Cgroups:
    """Where kernels' cgroups are made: ``kind`` is "v2", "v1" or None (``reason`` says why)."""

    def __init__(self, kind: str | None, bases: list[str], reason: str) -> None:
        self.kind = kind
        self.bases = bases
        self.reason = reason

    def removeStale(self) -> None:
        """Remove the empty groups of kernels of servers that are no longer running (a
        server killed before it could remove them)."""
        for base in self.bases:
            try:
                names = os.listdir(base)
            except OSError:
                continue
            for name in names:
                parts = name.split("-")
                if name.startswith("athena-nb-kernel-") and len(parts) == 5 and parts[3].isdigit():
                    if not os.path.exists("/proc/%s" % parts[3]):
                        KernelCgroup(self.kind or "", [os.path.join(base, name)]).remove()

    def make(self, memoryBytes: int | None, processes: int | None) -> KernelCgroup | None:
        """A new cgroup with these limits (None: that limit off), or None without cgroups."""
        if self.kind is None:
            return None
        name = "athena-nb-kernel-%d-%d" % (os.getpid(), next(_names))
        dirs = []
        try:
            for base in self.bases:
                directory = os.path.join(base, name)
                os.mkdir(directory)
                dirs.append(directory)
                _limit(self.kind, directory, memoryBytes, processes)
        except OSError:
            KernelCgroup(self.kind, dirs).remove()
            raise
        return KernelCgroup(self.kind, dirs)


def findCgroups(root: str = ROOT, selfCgroup: str | None = None,
                pid: int | None = None) -> Cgroups:
    """Find where this server may make cgroups with the memory and pids controllers."""
    if selfCgroup is None:
        try:
            with open("/proc/self/cgroup") as f:
                selfCgroup = f.read()
        except OSError as e:
            return Cgroups(None, [], "/proc/self/cgroup cannot be read (%s)" % e.strerror)
    paths: dict[str, str] = {}
    for line in selfCgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                paths[controller] = parts[2]
    reasons = []
    if "" in paths:
        found = _v2(root, paths[""], pid or os.getpid(), reasons)
        if found is not None:
            return found
    if "memory" in paths and "pids" in paths:
        bases = [os.path.normpath(os.path.join(root, c, paths[c].lstrip("/")))
                 for c in ("memory", "pids")]
        if all(os.access(b, os.W_OK) for b in bases):
            return Cgroups("v1", bases, "cgroup v1 memory and pids under %s" % ", ".join(bases))
        reasons.append("the cgroup v1 memory and pids groups are not writable")
    return Cgroups(None, [], "; ".join(reasons) or "no cgroup hierarchy was found")


def _v2(root: str, path: str, pid: int, reasons: list[str]) -> Cgroups | None:
    mount = root if os.path.exists(os.path.join(root, "cgroup.controllers")) else os.path.join(
        root, "unified")
    base = os.path.normpath(os.path.join(mount, path.lstrip("/")))
    if os.path.basename(base) == SERVER_LEAF:  # moved there by an earlier call
        base = os.path.dirname(base)
    try:
        with open(os.path.join(base, "cgroup.controllers")) as f:
            controllers = f.read().split()
    except OSError:
        reasons.append("cgroup v2 is not mounted")
        return None
    missing = [c for c in ("memory", "pids") if c not in controllers]
    if missing:
        reasons.append("cgroup v2 offers no %s controller here" % " or ".join(missing))
        return None
    if not os.access(base, os.W_OK):
        reasons.append("our cgroup v2 group %s is not writable (not delegated)" % base)
        return None
    try:
        with open(os.path.join(base, "cgroup.subtree_control")) as f:
            enabled = f.read().split()
        if not {"memory", "pids"} <= set(enabled):
            leaf = os.path.join(base, SERVER_LEAF)
            os.makedirs(leaf, exist_ok=True)
            for other in _pids(base):  # every process of ours: the server, maybe a wrapper
                _write(os.path.join(leaf, "cgroup.procs"), str(other))
            _write(os.path.join(base, "cgroup.subtree_control"), "+memory +pids")
    except OSError as e:
        reasons.append("cannot enable memory and pids in %s: %s" % (base, e.strerror))
        return None
    return Cgroups("v2", [base], "cgroup v2 memory and pids under %s" % base)


def _limit(kind: str, directory: str, memoryBytes: int | None, processes: int | None) -> None:
    if kind == "v2":
        if memoryBytes:
            _write(os.path.join(directory, "memory.max"), str(memoryBytes))
            _writeIfThere(os.path.join(directory, "memory.swap.max"), "0")
        if processes:
            _write(os.path.join(directory, "pids.max"), str(processes))
        return
    if memoryBytes and os.path.exists(os.path.join(directory, "memory.limit_in_bytes")):
        _write(os.path.join(directory, "memory.limit_in_bytes"), str(memoryBytes))
        _writeIfThere(os.path.join(directory, "memory.memsw.limit_in_bytes"), str(memoryBytes))
    if processes and os.path.exists(os.path.join(directory, "pids.max")):
        _write(os.path.join(directory, "pids.max"), str(processes))


def _pids(directory: str) -> list[int]:
    try:
        with open(os.path.join(directory, "cgroup.procs")) as f:
            return [int(line) for line in f if line.strip()]
    except OSError:
        return []


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _writeIfThere(path: str, text: str) -> None:
    if os.path.exists(path):
        try:
            _write(path, text)
        except OSError:
            pass
