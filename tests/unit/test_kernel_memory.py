"""A kernel's memory, added up over its process tree from /proc (athena_nb.kernel.memory)."""

import os

from athena_nb.kernel.memory import Memory, processMemory, treeMemory


def fakeProc(root, processes):
    """``processes``: pid -> (ppid, comm, rss kB, pss kB or None for no smaps_rollup)."""
    for pid, (ppid, comm, rss, pss) in processes.items():
        d = root / str(pid)
        d.mkdir()
        (d / "stat").write_text(f"{pid} ({comm}) S {ppid} {pid} {pid} 0 -1 4194560 1 0 0\n")
        if pss is not None:
            (d / "smaps_rollup").write_text(
                "55d0-7ffe ---p 00000000 00:00 0 [rollup]\n"
                f"Rss:              {rss} kB\nPss:              {pss} kB\n"
                "Pss_Anon:           100 kB\nShared_Clean:      50 kB\n")
    (root / "self").mkdir()  # not a pid: skipped
    return str(root)


def test_a_tree_adds_up_the_process_and_all_its_descendants_only(tmp_path):
    """bwrap -> worker -> gap, with odd names; a sibling of the kernel is not counted, and a
    process whose smaps cannot be read (it ended) counts as nothing."""
    proc = fakeProc(tmp_path, {
        10: (1, "bwrap", 1000, 400),
        11: (10, "python (worker) x", 300_000, 200_000),
        12: (11, "gap", 50_000, 40_000),
        13: (11, "ended", 0, None),
        20: (1, "other", 9_999_999, 9_999_999),
    })
    memory = treeMemory([10], proc)
    assert memory == Memory(rss=351_000 * 1024, pss=240_400 * 1024, processes=3)
    assert treeMemory([11, 12], proc).pss == 240_000 * 1024  # a descendant is counted once
    assert treeMemory([99], proc) == Memory()
    assert memory.describe() == "235 MiB (PSS; RSS 343 MiB)"


def test_this_process_has_resident_memory():
    """Read from the real /proc: PSS is at most RSS, and both are more than nothing."""
    mine = processMemory(os.getpid())
    assert 0 < mine.pss <= mine.rss
    assert treeMemory([os.getpid()]).rss >= mine.rss
