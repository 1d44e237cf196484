"""The sandbox's command line and environment, the page's and Share panel's words for it
(athena_nb/kernel/sandbox.py, isolation.py, web/home.py, web/fragments.py): pure functions, no
bubblewrap needed."""

import pytest

from athena_nb.kernel.cgroups import Cgroups
from athena_nb.kernel.endings import ExitStatus
from athena_nb.kernel.isolation import Isolation
from athena_nb.kernel.sandbox import (
    INSIDE,
    Sandbox,
    bwrapArgv,
    hiddenPaths,
    interpreterPaths,
    kernelEnvironment,
    systemLayout,
)
from athena_nb.web.fragments import kernelNote
from athena_nb.web.home import editLinkNote

SYSTEM = (("bind", "/usr", "/usr"), ("bind", "/etc", "/etc"), ("symlink", "usr/bin", "/bin"))


def pairs(argv, flag):
    """The arguments that follow each ``flag``, as tuples of ``width``."""
    return [tuple(argv[i + 1:i + 3]) for i, a in enumerate(argv) if a == flag]


def test_an_ordinary_users_sandbox_uses_a_user_namespace_and_hides_the_network_when_told():
    sandbox = Sandbox(bwrap="/usr/bin/bwrap", network=False, system=SYSTEM,
                      readOnly=("/home/ann/venv",), hidden=("/home/ann/venv/data",))
    argv = bwrapArgv(sandbox, ["/home/ann/venv/bin/python", "worker.py", "{}"],
                     directory="/home/ann/.athena-nb/worksheets/w1")
    assert argv[0] == "/usr/bin/bwrap"
    for flag in ("--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-net",
                 "--die-with-parent"):
        assert flag in argv
    assert argv[argv.index("--") + 1:] == ["/home/ann/venv/bin/python", "worker.py", "{}"]
    assert pairs(argv, "--ro-bind") == [("/usr", "/usr"), ("/etc", "/etc"),
                                        ("/home/ann/venv", "/home/ann/venv")]
    assert pairs(argv, "--symlink") == [("usr/bin", "/bin")]
    # the parents of a bound path are made passable, outermost first, once
    dirs = [argv[i + 1] for i, a in enumerate(argv) if a == "--dir"]
    assert dirs == ["/home", "/home/ann"]
    assert pairs(argv, "--bind") == [("/home/ann/.athena-nb/worksheets/w1", INSIDE)]
    assert argv[argv.index("--chdir") + 1] == INSIDE
    tmpfs = [argv[i + 1] for i, a in enumerate(argv) if a == "--tmpfs"]
    assert tmpfs == ["/tmp", "/home/ann/venv/data"], "the data directory is covered"
    assert argv.index("--proc") < argv.index("--bind")
    assert "setpriv" not in " ".join(argv)


def test_a_root_servers_sandbox_drops_to_an_unprivileged_user_without_capabilities():
    sandbox = Sandbox(bwrap="/usr/bin/bwrap", network=True, system=SYSTEM, dropTo=(65534, 65534),
                      setpriv="/usr/bin/setpriv")
    argv = bwrapArgv(sandbox, ["python3", "w.py"], directory="/srv/w", tmpBytes=1 << 20,
                     infoFd=7, blockFd=8)
    assert "--unshare-user" not in argv, "root makes the namespaces itself"
    assert "--unshare-net" not in argv
    assert argv[argv.index("--info-fd") + 1] == "7" and argv[argv.index("--block-fd") + 1] == "8"
    assert argv[argv.index("--size") + 1] == str(1 << 20)
    size = argv.index("--size")
    assert argv[size + 2:size + 6] == ["--perms", "1777", "--tmpfs", "/tmp"]
    tail = argv[argv.index("--") + 1:]
    assert tail == ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
                    "python3", "w.py"]


def test_a_kernels_environment_is_clean():
    server = {"ATHENA_NB_TOKEN": "secret", "PATH": "/root/bin:/usr/bin", "HOME": "/root",
              "LANG": "fr_FR.UTF-8", "OPENBLAS_CORETYPE": "Haswell", "SSH_AUTH_SOCK": "/x",
              "PYTHONPATH": "/somewhere"}
    env = kernelEnvironment(server, "/opt/venv/bin/python", {"EXTRA": "1"})
    assert env == {"LANG": "fr_FR.UTF-8", "OPENBLAS_CORETYPE": "Haswell",
                   "PATH": "/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                           "/sbin:/bin",
                   "HOME": "/tmp", "TMPDIR": "/tmp", "USER": "kernel", "EXTRA": "1"}
    assert kernelEnvironment({}, "/usr/bin/python3")["PATH"].startswith("/usr/local/sbin")
    assert kernelEnvironment({}, "/usr/bin/python3")["LANG"] == "C.UTF-8"


def test_the_interpreters_paths_leave_out_the_system_and_nested_paths(tmp_path):
    paths = interpreterPaths("/usr/bin/python3", "/usr/lib/python3/dist-packages/x")
    assert paths == (), "the system's own interpreter needs nothing more"
    venv = tmp_path / "venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").symlink_to("/usr/bin/python3")
    worker = tmp_path / "src" / "athena_nb" / "kernel"
    assert interpreterPaths(str(venv / "python"), str(worker)) == (
        str(tmp_path / "src" / "athena_nb" / "kernel"), str(tmp_path / "venv"))
    assert hiddenPaths([str(tmp_path / "venv" / "data"), "/elsewhere"],
                       (str(tmp_path / "venv"),)) == (str(tmp_path / "venv" / "data"),)


def test_a_token_file_under_a_bound_path_is_covered_by_an_empty_one():
    sandbox = Sandbox(bwrap="bwrap", system=(("bind", "/etc", "/etc"),),
                      hidden=("/etc/athena-nb", "/etc/athena-token"),
                      hiddenFiles=frozenset({"/etc/athena-token"}))
    argv = bwrapArgv(sandbox, ["python3"], directory="/srv/w")
    assert pairs(argv, "--ro-bind")[-1] == ("/dev/null", "/etc/athena-token")
    assert argv[argv.index("/etc/athena-nb") - 1] == "--tmpfs"


def test_the_system_layout_keeps_links_as_links(tmp_path):
    for name in ("usr/bin", "etc"):
        (tmp_path / name).mkdir(parents=True)
    (tmp_path / "bin").symlink_to("usr/bin")
    assert systemLayout(False, str(tmp_path)) == (
        ("bind", "/usr", "/usr"), ("bind", "/etc", "/etc"), ("symlink", "usr/bin", "/bin"))


def test_bubblewraps_status_for_a_killed_worker_reads_as_the_signal():
    killed = ExitStatus(137 << 8, wrapped=True)
    assert (killed.code, killed.signal) == (None, 9)
    assert "SIGKILL" in killed.describe()
    assert ExitStatus(137 << 8).code == 137, "only a wrapper's status is read so"
    assert ExitStatus(3 << 8, wrapped=True).describe() == "exited with status 3"
    assert "memory limit of 256 MiB" in ExitStatus(137 << 8, wrapped=True, outOfMemory=True,
                                                   memoryBytes=256 << 20).describe()
    assert "limit of 64 processes" in ExitStatus(9, processLimit=64).describe()


def summary(sandboxed, network=True, cgroups="v1"):
    sandbox = Sandbox(bwrap="bwrap", network=network) if sandboxed else None
    text = "each kernel runs under bubblewrap" if sandboxed else "bubblewrap is not installed"
    return Isolation(sandbox, text, Cgroups(cgroups, [], "cgroup v1 here" if cgroups else
                                            "none here")).summary()


def test_the_summary_says_what_is_in_force_and_what_is_not():
    full = summary(True)
    assert full["sandboxed"] and full["limits"] == "cgroup v1" and not full["warnings"]
    assert full["lines"][0] == "Each kernel runs under bubblewrap."
    bare = summary(False, cgroups=None)
    assert not bare["sandboxed"] and bare["limits"] == "rlimits" and not bare["lines"]
    assert bare["warnings"][0] == "Bubblewrap is not installed."
    assert "not for the kernel as a whole: none here." in bare["warnings"][1]


@pytest.mark.parametrize("case, words", [
    ((True, True), ["The kernel is sandboxed", "services on this machine included",
                    "limited for the kernel as a whole"]),
    ((True, False), ["The kernel is sandboxed", "It has no network."]),
    ((False, True), ["not sandboxed", "read its token", "install bubblewrap"]),
])
def test_the_share_panel_says_what_an_edit_link_allows(case, words):
    note = editLinkNote(summary(*case))
    for word in words:
        assert word in note
    assert "A view-only link shows the worksheet and runs nothing." in note


def test_the_page_shows_a_quiet_word_that_opens_the_list():
    markup = kernelNote(summary(True, network=False), None)
    assert markup.startswith('<details class="nb-protection" data-sandboxed="true">')
    assert ">Sandboxed, no network</summary>" in markup
    assert "<li>Each kernel runs under bubblewrap.</li>" in markup
    bare = kernelNote(summary(False), None)
    assert 'data-sandboxed="false"' in bare and ">Not sandboxed</summary>" in bare
    assert '<li class="nb-protection-missing">Bubblewrap is not installed.</li>' in bare
    assert "Kernels kept started" not in markup
    assert kernelNote(None, None) == ""



def test_without_bubblewrap_the_reason_is_a_sentence(monkeypatch):
    from athena_nb.kernel import sandbox as module

    monkeypatch.setattr(module.shutil, "which", lambda name: None)
    sandbox, text = module.findSandbox(network=True, python="/usr/bin/python3",
                                       workerDir="/x", secrets=[])
    assert sandbox is None
    assert text.startswith("bubblewrap (bwrap) is not installed, so kernels are not sandboxed")


def test_a_bubblewrap_that_fails_here_is_found_at_start(tmp_path):
    from athena_nb.kernel import sandbox as module

    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\n"
                    "exit 1\n")
    fake.chmod(0o755)
    sandbox, text = module.findSandbox(network=True, python="/usr/bin/python3",
                                       workerDir="/x", secrets=[], bwrap=str(fake))
    assert sandbox is None
    assert text == ("bubblewrap cannot make a sandbox here (bwrap: No permissions to create new "
                    "namespace), so kernels are not sandboxed")
