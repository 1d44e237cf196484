"""A process's descendants read from a /proc (athena_nb.kernel.proctree), on made-up /proc
directories: with the per-thread children files and without them."""

import os
import signal
import subprocess

import pytest

from athena_nb.kernel import proctree
from athena_nb.kernel.proctree import childrenByParent, descendants, parseStat, taskChildren


def fakeProc(root, processes, childrenFiles=True):
    """``processes``: pid -> (ppid, comm, state); with ``childrenFiles`` each process's main
    thread lists all its children."""
    for pid, (ppid, comm, state) in processes.items():
        d = root / str(pid)
        (d / "task" / str(pid)).mkdir(parents=True)
        (d / "stat").write_text(f"{pid} ({comm}) {state} {ppid} {pid} {pid} 0 -1 4194560 1 0\n")
    if childrenFiles:
        for pid in processes:
            kids = [str(c) for c, (p, _, _) in processes.items() if p == pid]
            (root / str(pid) / "task" / str(pid) / "children").write_text(
                " ".join(kids) + (" " if kids else ""))
    (root / "self").mkdir()  # not a pid: skipped
    return str(root)


#: server(1) -> keeper(10) -> worker(11) -> a setsid child (12, a zombie) and pexpect's
#: child (13) -> gap (14); a sibling of the kernel (20) is not its descendant.
TREE = {
    1: (0, "init", "S"),
    10: (1, "python3 keeper.py", "S"),
    11: (10, "python (worker) x", "S"),
    12: (11, "sleep", "Z"),
    13: (11, "sh", "S"),
    14: (13, "gap) (", "R"),
    20: (1, "other", "S"),
}


@pytest.mark.parametrize("childrenFiles", [True, False])
def test_the_descendants_of_a_process_parents_first_and_nothing_else(tmp_path, childrenFiles):
    proc = fakeProc(tmp_path, TREE, childrenFiles)
    found = descendants(10, proc)
    assert sorted(found) == [11, 12, 13, 14]
    assert found.index(11) < found.index(13) < found.index(14)
    assert descendants(13, proc) == [14]
    assert descendants(14, proc) == []
    assert descendants(99, proc) == [], "a process that is gone has none"


def test_the_walk_stops_at_its_limit(tmp_path):
    proc = fakeProc(tmp_path, TREE)
    assert descendants(10, proc, limit=2) == [11, 12]
    assert len(descendants(1, proc, limit=3)) == 3


def test_every_threads_children_count_and_a_child_listed_twice_once(tmp_path):
    proc = fakeProc(tmp_path, {5: (1, "worker", "S"), 6: (5, "a", "S"), 7: (5, "b", "S")})
    thread = tmp_path / "5" / "task" / "9"
    thread.mkdir()
    (thread / "children").write_text("7 8 ")  # a child made by another thread of 5
    (tmp_path / "5" / "task" / "5" / "children").write_text("6 7 ")
    assert sorted(taskChildren(5, proc)) == [6, 7, 7, 8]
    assert sorted(descendants(5, proc)) == [6, 7, 8]


def test_without_children_files_the_stat_files_are_read(tmp_path):
    proc = fakeProc(tmp_path, TREE, childrenFiles=False)
    assert taskChildren(10, proc) is None
    assert taskChildren(99, proc) == []
    tree = {parent: sorted(children) for parent, children in childrenByParent(proc).items()}
    assert tree == {0: [1], 1: [10, 20], 10: [11], 11: [12, 13], 13: [14]}


def test_a_stat_line_is_read_past_the_last_parenthesis():
    assert parseStat(b"14 (gap) ( R) R 13 14 14 0 -1\n") == ("R", 13)
    assert parseStat(b"12 (sleep) Z 11 12") == ("Z", 11)
    with pytest.raises(ValueError):
        parseStat(b"garbage")
    with pytest.raises(ValueError):
        parseStat(b"1 (x)")


def test_a_broken_stat_file_is_passed_over(tmp_path):
    proc = fakeProc(tmp_path, TREE, childrenFiles=False)
    (tmp_path / "14" / "stat").write_text("not a stat line")
    assert 14 not in descendants(10, proc)


def test_signals_go_to_each_process_and_those_gone_or_not_ours_are_passed_over(monkeypatch):
    sent = []

    def kill(pid, signum):
        sent.append((pid, signum))
        if pid == 2:
            raise ProcessLookupError
        if pid == 3:
            raise PermissionError

    monkeypatch.setattr(os, "kill", kill)
    proctree.signalAll([1, 2, 3, 4], signal.SIGKILL)
    assert sent == [(p, signal.SIGKILL) for p in (1, 2, 3, 4)]


def test_this_machine_shows_a_child_of_this_process():
    """The real /proc, either way it offers: a child of ours is found."""
    child = subprocess.Popen(["cat"], stdin=subprocess.PIPE)
    try:
        assert child.pid in descendants(os.getpid())
    finally:
        child.stdin.close()
        child.wait()
