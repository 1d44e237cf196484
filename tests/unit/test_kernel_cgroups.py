"""Finding where kernels' cgroups can be made, and making them (athena_nb/kernel/cgroups.py),
on directories that stand in for /sys/fs/cgroup."""

import os
import signal

from athena_nb.kernel.cgroups import SERVER_LEAF, Cgroups, KernelCgroup, findCgroups


def write(path, text=""):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_delegated_v2_group_is_used_after_the_server_moves_into_a_leaf(tmp_path):
    base = tmp_path / "user.slice" / "app.scope"
    write(base / "cgroup.controllers", "cpu memory pids\n")
    write(base / "cgroup.subtree_control", "")
    write(base / "cgroup.procs", "4242\n4243\n")
    write(tmp_path / "cgroup.controllers", "cpu memory pids\n")
    found = findCgroups(str(tmp_path), "0::/user.slice/app.scope\n", pid=4242)
    assert found.kind == "v2" and found.bases == [str(base)]
    assert (base / SERVER_LEAF / "cgroup.procs").read_text() == "4243", "each moved in turn"
    assert (base / "cgroup.subtree_control").read_text() == "+memory +pids"
    group = found.make(256 << 20, 64)
    assert len(group.dirs) == 1 and os.path.dirname(group.dirs[0]) == str(base)
    assert (open(os.path.join(group.dirs[0], "memory.max")).read() == str(256 << 20))
    assert open(os.path.join(group.dirs[0], "pids.max")).read() == "64"


def test_v2_without_the_memory_controller_falls_back_to_v1(tmp_path):
    write(tmp_path / "unified" / "cgroup.controllers", "hugetlb\n")
    (tmp_path / "memory" / "srv").mkdir(parents=True)
    (tmp_path / "pids").mkdir()
    found = findCgroups(str(tmp_path), "4:memory:/srv\n8:pids:/\n0::/\n")
    assert found.kind == "v1"
    assert found.bases == [str(tmp_path / "memory" / "srv"), str(tmp_path / "pids")]
    group = found.make(None, None)
    assert [os.path.basename(d).startswith("athena-nb-kernel-") for d in group.dirs] == [True,
                                                                                         True]
    group.join(99)
    assert [open(os.path.join(d, "cgroup.procs")).read() for d in group.dirs] == ["99", "99"]


def test_without_a_usable_hierarchy_there_are_no_cgroups_and_a_reason(tmp_path):
    write(tmp_path / "cgroup.controllers", "cpu\n")
    found = findCgroups(str(tmp_path), "0::/\n")
    assert found.kind is None and "offers no memory" in found.reason
    assert found.make(1 << 30, 10) is None
    assert Cgroups(None, [], "x").make(1, 1) is None


def test_a_groups_events_tell_an_oom_kill_and_a_reached_process_limit(tmp_path):
    write(tmp_path / "g" / "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 0\n")
    write(tmp_path / "g" / "pids.events", "max 0\n")
    group = KernelCgroup("v2", [str(tmp_path / "g")])
    assert not group.outOfMemory() and not group.processLimitReached()
    write(tmp_path / "g" / "memory.events", "oom 1\noom_kill 1\n")
    write(tmp_path / "g" / "pids.events", "max 12\n")
    assert group.outOfMemory() and group.processLimitReached()
    write(tmp_path / "v1" / "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
    assert KernelCgroup("v1", [str(tmp_path / "v1")]).outOfMemory()


def test_killing_a_group_writes_cgroup_kill_or_signals_each_process(tmp_path, monkeypatch):
    """v2's cgroup.kill ends every process at once; where there is none (v1), each listed
    process gets SIGKILL."""
    killed = []
    monkeypatch.setattr(os, "kill", lambda pid, signum: killed.append((pid, signum)))
    v2, v1 = tmp_path / "v2", tmp_path / "v1"
    write(v2 / "cgroup.kill")
    write(v2 / "cgroup.procs", "7\n")
    write(v1 / "cgroup.procs", "8\n9\n")
    KernelCgroup("v2", [str(v2)]).killAll()
    assert (v2 / "cgroup.kill").read_text() == "1" and killed == []
    KernelCgroup("v1", [str(v1)]).killAll()
    assert killed == [(8, signal.SIGKILL), (9, signal.SIGKILL)]


def test_the_empty_groups_of_a_server_that_is_gone_are_removed(tmp_path, monkeypatch):
    """A server killed outright can leave its kernels' groups behind (their processes ended by
    each keeper or bubblewrap): the next server's start removes the empty ones, and signals
    nobody (a group's name does not prove whose its processes are); groups of a live server,
    and other groups, are left alone."""
    killed = []
    monkeypatch.setattr(os, "kill", lambda pid, signum: killed.append((pid, signum)))
    gone = tmp_path / ("athena-nb-kernel-%d-1" % 999_999_999)  # no such server
    busy = tmp_path / ("athena-nb-kernel-%d-2" % 999_999_999)
    live = tmp_path / ("athena-nb-kernel-%d-1" % os.getpid())
    gone.mkdir()
    write(busy / "cgroup.procs", "31\n")
    live.mkdir()
    (tmp_path / "other").mkdir()
    Cgroups("v1", [str(tmp_path)], "test").removeStale()
    assert not gone.exists() and busy.exists() and live.exists() and (tmp_path / "other").exists()
    assert killed == []
