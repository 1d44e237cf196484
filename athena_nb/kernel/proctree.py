"""A process's descendants, read from /proc, and a signal to all of them (tests:
tests/unit/test_kernel_proctree.py, tests/integration/test_kernel_descendants.py).

Stdlib only, and it imports nothing else from athena_nb: the kernel's keeper (keeper.py), run by
file path under the kernel's own interpreter, uses it as well as the server.

Descent is the one tie that holds between a kernel's worker and every process its cells started:
a child in a session of its own (``setsid``, ``start_new_session``, the pty of a
``pexpect.spawn``, so GAP, Maxima and Singular under Sage) has left the worker's process group,
but it is still the worker's descendant, until its parent dies and the system hands it to the
nearest subreaper (the keeper) or to init. ``descendants`` follows the tree down from one process,
through ``/proc/<pid>/task/<tid>/children`` where the system has these files (every thread's
children), or else through one pass over every ``/proc/<pid>/stat`` (the parent's pid), and stops
after ``MAX_PROCESSES``: the cost is bounded by the tree (or, without the children files, by the
number of processes on the machine), never a wait.
"""

from __future__ import annotations

import os

PROC = "/proc"
#: The most processes ``descendants`` returns: a kernel holds far fewer (1024 by default).
MAX_PROCESSES = 4096


def parseStat(stat: bytes) -> tuple[str, int]:
    """(state letter, parent's pid) of one ``/proc/<pid>/stat``: ``pid (comm) S ppid ...``.
    The command name may hold spaces and parentheses, so the fields are read after the last
    ``)``. Raises ValueError for text that is not such a line."""
    fields = stat[stat.rfind(b")") + 2:].split()
    if stat.rfind(b")") < 0 or len(fields) < 2:
        raise ValueError("Not a /proc/<pid>/stat line: %r." % stat[:100])
    return fields[0].decode("ascii", "replace"), int(fields[1])


def childrenByParent(proc: str = PROC) -> dict[int, list[int]]:
    """Each running process's children, by parent pid, from one pass over ``proc``."""
    tree: dict[int, list[int]] = {}
    try:
        names = os.listdir(proc)
    except OSError:
        return tree
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(os.path.join(proc, name, "stat"), "rb") as f:
                _, parent = parseStat(f.read())
        except (OSError, ValueError):
            continue  # it ended meanwhile
        tree.setdefault(parent, []).append(int(name))
    return tree


def taskChildren(pid: int, proc: str = PROC) -> list[int] | None:
    """The children of ``pid``, every thread's (``/proc/<pid>/task/*/children``); ``[]`` for a
    process that is gone, None where the system has no such files (CONFIG_PROC_CHILDREN)."""
    tasks = os.path.join(proc, str(pid), "task")
    try:
        tids = os.listdir(tasks)
    except OSError:
        return []
    if not os.path.exists(os.path.join(tasks, str(pid), "children")):
        return None if os.path.isdir(os.path.join(tasks, str(pid))) else []
    found: list[int] = []
    for tid in tids:
        try:
            with open(os.path.join(tasks, tid, "children"), "rb") as f:
                found.extend(int(word) for word in f.read().split())
        except (OSError, ValueError):
            continue  # that thread ended meanwhile
    return found


def descendants(pid: int, proc: str = PROC, limit: int = MAX_PROCESSES) -> list[int]:
    """Every descendant of ``pid`` (not ``pid`` itself), parents before their children, at most
    ``limit`` of them. Zombies are listed too (a signal to one does nothing)."""
    tree: dict[int, list[int]] | None = None
    found: list[int] = []
    seen = {pid}
    todo = [pid]
    while todo and len(found) < limit:
        parent = todo.pop(0)
        children = taskChildren(parent, proc) if tree is None else tree.get(parent, [])
        if children is None:  # no children files here: read every process's parent once
            tree = childrenByParent(proc)
            children = tree.get(parent, [])
        for child in children:
            if child not in seen and len(found) < limit:
                seen.add(child)
                found.append(child)
                todo.append(child)
    return found


def signalAll(pids: list[int], signum: int) -> None:
    """Send ``signum`` to each of ``pids``; those gone, or not ours to signal, are passed over."""
    for pid in pids:
        try:
            os.kill(pid, signum)
        except (ProcessLookupError, PermissionError):
            pass
