"""The kernel's sandbox: the bubblewrap command line that runs one worker in a box of its own
(tests: tests/unit/test_kernel_sandbox.py, tests/integration/test_kernel_sandbox.py).

A sandboxed worker sees the system read-only (``/usr``, ``/etc``, ``/opt`` and the interpreter's
own directories, each bound where it is), its worksheet's directory at ``/worksheet`` (the one
place it may write besides a private ``/tmp``), a ``/proc`` of its own PID namespace (itself and
what it started, nothing else), and none of the server's files: not the data directory, the
store, ``server.json``, nor the server's environment (it gets a short clean one) or command line.
Its network is the host's, or none (``network=False``). ``--die-with-parent`` and the PID
namespace end every process of the kernel with it, including one that called ``setsid()``: when
the namespace's first process dies, the system kills all the others.

Run by root, bubblewrap makes the namespaces itself and the worker is started through
``setpriv`` as an unprivileged user (``dropTo``, by default nobody): it has no capabilities and
rlimits such as RLIMIT_NPROC apply to it. Run by anybody else, bubblewrap uses a user namespace
and the worker keeps the server's user id (a user namespace of its own per kernel, so its
RLIMIT_NPROC counts that kernel's processes only).

``bwrapArgv`` is a pure function of a ``Sandbox`` (what was found on this machine, by
``findSandbox``) and the worker's command; docs/security.md says what each part protects.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tempfile
from dataclasses import dataclass

#: Where the worksheet's directory is inside the sandbox; the worker works there.
INSIDE = "/worksheet"
#: The worker's HOME: on the private /tmp (caches made there go with the kernel).
HOME = "/tmp"
#: The system, bound read-only where it is (symbolic links such as /bin -> usr/bin stay links).
SYSTEM_PATHS = ("/usr", "/etc", "/opt", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
#: Read so that threaded libraries (OpenBLAS, numpy) find the number of processors.
CPU_INFO = "/sys/devices/system/cpu"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#: The server's environment variables a kernel gets (nothing else of it: no token, no paths).
PASSED_ENVIRONMENT = ("LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_MESSAGES",
                      "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                      "OMP_NUM_THREADS", "MKL_NUM_THREADS", "SAGE_ROOT", "SAGE_LOCAL")
#: nobody/nogroup: the user a root server's kernels run as.
NOBODY = (65534, 65534)


@dataclass(frozen=True)
class Sandbox:
    """What a sandboxed kernel is started with on this machine.

    - bwrap: the bubblewrap program.
    - network: the kernel shares the host's network (False: it has none, only its own loopback).
    - system: ``("bind", path, path)`` or ``("symlink", target, path)`` for each system path.
    - readOnly: more host paths bound read-only where they are (the interpreter, the worker).
    - hidden: host paths covered by an empty directory (the data directory, if it lies under
      a path bound read-only), or, those in ``hiddenFiles``, by an empty file (a token file).
    - dropTo: (uid, gid) the worker runs as when the server is root, through ``setpriv``.
    - setpriv: the setpriv program (needed with ``dropTo``).
    """

    bwrap: str
    network: bool = True
    system: tuple[tuple[str, str, str], ...] = ()
    readOnly: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    dropTo: tuple[int, int] | None = None
    setpriv: str | None = None
    hiddenFiles: frozenset[str] = frozenset()


def bwrapArgv(sandbox: Sandbox, command: list[str], *, directory: str,
              tmpBytes: int | None = None, infoFd: int | None = None,
              blockFd: int | None = None) -> list[str]:
    """The command line that runs ``command`` in the sandbox, working in ``directory`` (seen
    as ``INSIDE``). ``tmpBytes`` caps the private /tmp; ``infoFd`` and ``blockFd`` are
    bubblewrap's: it writes the sandbox's first process id to ``infoFd`` and waits, before it
    runs ``command``, until ``blockFd`` can be read (the server joins that process to the
    kernel's cgroup in between)."""
    argv = [sandbox.bwrap, "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--hostname", "athena-nb-kernel"]
    if sandbox.dropTo is None:
        argv.append("--unshare-user")
    if not sandbox.network:
        argv.append("--unshare-net")
    for kind, source, path in sandbox.system:
        if kind == "symlink":
            argv += ["--symlink", source, path]
        else:
            argv += ["--ro-bind", source, path]
    argv += ["--ro-bind-try", CPU_INFO, CPU_INFO, "--proc", "/proc", "--dev", "/dev"]
    if tmpBytes:
        argv += ["--size", str(int(tmpBytes))]
    argv += ["--perms", "1777", "--tmpfs", "/tmp"]
    made = {"/tmp"}
    for path in sandbox.readOnly:
        # The directories above a bound path are made by bubblewrap (mode 0700 as root):
        # let the worker through them.
        parents = []
        parent = os.path.dirname(path)
        while parent not in ("/", "") and parent not in made:
            parents.append(parent)
            made.add(parent)
            parent = os.path.dirname(parent)
        for parent in reversed(parents):
            argv += ["--perms", "0755", "--dir", parent]
        argv += ["--ro-bind", path, path]
    for path in sandbox.hidden:  # a directory covered by an empty one, a file by /dev/null
        argv += ["--ro-bind", "/dev/null", path] if path in sandbox.hiddenFiles else [
            "--tmpfs", path]
    argv += ["--bind", directory, INSIDE, "--chdir", INSIDE]
    if infoFd is not None:
        argv += ["--info-fd", str(infoFd)]
    if blockFd is not None:
        argv += ["--block-fd", str(blockFd)]
    argv.append("--")
    if sandbox.dropTo is not None:
        uid, gid = sandbox.dropTo
        argv += [sandbox.setpriv or "setpriv", f"--reuid={uid}", f"--regid={gid}",
                 "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
                 "--"]
    return argv + list(command)


def kernelEnvironment(serverEnvironment: dict[str, str], python: str,
                      extra: dict[str, str] | None = None) -> dict[str, str]:
    """The clean environment of a sandboxed kernel: PATH (the interpreter's directory first),
    HOME, the locale and the few numeric libraries' settings of ``PASSED_ENVIRONMENT``, then
    ``extra`` (the Kernel's own ``env``)."""
    env = {name: serverEnvironment[name] for name in PASSED_ENVIRONMENT
           if name in serverEnvironment}
    env.setdefault("LANG", "C.UTF-8")
    binDir = os.path.dirname(python)
    path = DEFAULT_PATH if binDir in DEFAULT_PATH.split(":") else binDir + ":" + DEFAULT_PATH
    env.update({"PATH": path, "HOME": HOME, "TMPDIR": "/tmp", "USER": "kernel"})
    env.update(extra or {})
    return env


# -- what this machine has --------------------------------------------------------------------


def systemLayout(network: bool, root: str = "/") -> tuple[tuple[str, str, str], ...]:
    """The system paths of this machine as ``Sandbox.system`` wants them."""
    layout = []
    for path in SYSTEM_PATHS:
        host = os.path.join(root, path.lstrip("/"))
        if os.path.islink(host):
            layout.append(("symlink", os.readlink(host), path))
        elif os.path.isdir(host):
            layout.append(("bind", path, path))
    if network:  # /etc/resolv.conf is often a link into /run
        resolv = os.path.realpath(os.path.join(root, "etc/resolv.conf"))
        if not resolv.startswith(("/etc/", "/usr/")) and os.path.exists(resolv):
            layout.append(("bind", os.path.dirname(resolv), os.path.dirname(resolv)))
    return tuple(layout)


def interpreterPaths(python: str, workerDir: str) -> tuple[str, ...]:
    """Host paths a kernel must read besides the system: the interpreter's prefixes and
    site-packages (the server's own interpreter), or its installation (another one), and the
    worker's directory. Paths under a system path, or under another in the list, are left out."""
    paths = {workerDir}
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        paths.update((sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix))
        paths.update(p for p in site.getsitepackages() if os.path.isdir(p))
    else:
        paths.add(os.path.dirname(os.path.dirname(os.path.abspath(python))))
    paths.add(os.path.dirname(os.path.dirname(os.path.realpath(python))))
    paths = {os.path.realpath(p) for p in paths} | {os.path.abspath(p) for p in paths}
    return _outermost(p for p in paths if p != "/" and not _under(p, SYSTEM_PATHS))


def _under(path: str, parents) -> bool:
    return any(path == parent or path.startswith(parent.rstrip("/") + "/") for parent in parents)


def _outermost(paths) -> tuple[str, ...]:
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not _under(path, kept):
            kept.append(path)
    return tuple(kept)


def hiddenPaths(secrets: list[str], bound: tuple[str, ...]) -> tuple[str, ...]:
    """The paths of ``secrets`` (the data directory) that would be visible under ``bound``."""
    return tuple(sorted({os.path.abspath(s) for s in secrets if _under(os.path.abspath(s), bound)}))


def findSandbox(*, network: bool, python: str, workerDir: str, secrets: list[str],
                bwrap: str | None = None) -> tuple[Sandbox | None, str]:
    """A ``Sandbox`` for this machine and a sentence saying what it is, or None and why not.
    ``secrets`` (the data directory, a token file) are hidden where a bound path holds them.

    The sandbox is tried once (``true`` run in it), so that a bubblewrap that cannot make
    namespaces here (user namespaces switched off, a container without the rights) is found now
    and said, not at the first cell."""
    bwrap = bwrap or shutil.which("bwrap")
    if bwrap is None:
        return None, ("bubblewrap (bwrap) is not installed, so kernels are not sandboxed: code "
                      "in a cell can read and change what this server's user can "
                      "(apt-get install bubblewrap)")
    dropTo, setpriv = None, None
    if os.geteuid() == 0:
        dropTo, setpriv = NOBODY, shutil.which("setpriv")
        if setpriv is None:
            return None, ("the server runs as root and setpriv (util-linux) is missing, so "
                          "kernels cannot be made to run as an unprivileged user")
    readOnly = interpreterPaths(python, workerDir)
    system = systemLayout(network)
    bound = readOnly + tuple(path for kind, path, _ in system if kind == "bind")
    hidden = hiddenPaths(secrets, bound)
    sandbox = Sandbox(bwrap=bwrap, network=network, system=system, readOnly=readOnly,
                      hidden=hidden, dropTo=dropTo, setpriv=setpriv,
                      hiddenFiles=frozenset(p for p in hidden if os.path.isfile(p)))
    problem = trySandbox(sandbox)
    if problem is not None:
        return None, "bubblewrap cannot make a sandbox here (%s), so kernels are not sandboxed" % (
            problem,)
    who = ("as user %d (nobody), without capabilities" % dropTo[0] if dropTo
           else "in a user namespace of its own")
    return sandbox, ("each kernel runs under bubblewrap %s: the system read-only, only its "
                     "worksheet's directory and a private /tmp writable, its own process "
                     "namespace, none of the server's files or environment, network %s"
                     % (who, "on" if network else "off"))


def trySandbox(sandbox: Sandbox) -> str | None:
    """Run ``true`` in the sandbox; None if it worked, else what went wrong."""
    directory = tempfile.mkdtemp(prefix="athena-nb-probe-")
    try:
        if sandbox.dropTo is not None:
            os.chown(directory, *sandbox.dropTo)
        argv = bwrapArgv(sandbox, ["true"], directory=directory)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                              env={"PATH": DEFAULT_PATH})
    except (OSError, subprocess.SubprocessError) as e:
        return str(e)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    if done.returncode != 0:
        return (done.stderr.strip() or "exit status %d" % done.returncode).splitlines()[-1]
    return None
