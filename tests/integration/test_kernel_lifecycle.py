"""Real Python kernels: limits, files, culling, state listeners, shutdown, start failures and
the worker's process (athena_nb.kernel)."""


import os
import sys

import pytest
import pytest_twisted
from twisted.internet import reactor

from athena_nb.kernel import (
    Kernel,
    KernelStartError,
    KernelState,
)
from tests.support.processes import alive
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


@pytest_twisted.ensureDeferred
async def test_wall_clock_limit_interrupts_a_long_cell(makeKernel, kt):
    """A cell past its wall-clock limit is interrupted and reported as a timeout."""
    kernel = await makeKernel(wallSeconds=0.5)
    await kt.run(kernel, "kept = 2")
    result, events = await kt.run(kernel, "import time\ntime.sleep(30)")
    assert result.status == "timeout"
    assert "wall-clock limit of 0.5 s" in result.message
    result, events = await kt.run(kernel, "kept")
    assert kt.results(events) == ["2"]


@pytest_twisted.ensureDeferred
async def test_cpu_limit_stops_a_cell_and_is_renewed_for_the_next(makeKernel, kt):
    """A cell that uses more CPU seconds than allowed is stopped with a timeout; the next
    cell gets a fresh allowance."""
    kernel = await makeKernel(cpuSeconds=1)
    result, events = await kt.run(kernel, "while True:\n    pass")
    assert result.status == "timeout"
    assert "CPU time" in result.message
    result, events = await kt.run(kernel, "sum(range(10**6))")
    assert result.status == "ok"


@pytest_twisted.ensureDeferred
async def test_files_the_cell_creates_or_changes_are_reported(makeKernel, kt):
    """Files created or modified under the working directory are reported as outputs."""
    kernel = await makeKernel()
    result, events = await kt.run(
        kernel, "import os\nos.mkdir('sub')\nopen('sub/a.txt', 'w').write('a')\n"
                "open('b.txt', 'w').write('b')\nNone")
    files = [(e["path"], e["change"]) for e in events if e["type"] == "file"]
    assert files == [("b.txt", "created"), ("sub/a.txt", "created")]
    result, events = await kt.run(kernel, "open('b.txt', 'a').write('more')\nNone")
    assert [(e["path"], e["change"]) for e in events if e["type"] == "file"] == \
        [("b.txt", "modified")]
    result, events = await kt.run(kernel, "1")
    assert not [e for e in events if e["type"] == "file"]


@pytest_twisted.ensureDeferred
async def test_a_figure_saved_and_shown_is_shown_once(makeKernel, kt):
    """plt.savefig in a cell that shows the figure: the file is listed without a picture of its
    own; a figure saved and closed (nothing shown) keeps its file's picture."""
    kernel = await makeKernel()
    result, events = await kt.run(
        kernel, "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.savefig('a.png')")
    assert result.status == "ok", result
    pictures = [e for e in events if e["type"] == "display" and "image/png" in e["data"]]
    assert len(pictures) == 1
    assert [e for e in events if e["type"] == "file"] == [
        {"type": "file", "path": "a.png", "change": "created", "preview": False}]
    result, events = await kt.run(
        kernel, "fig = plt.figure()\nplt.plot([1])\nplt.savefig('b.png')\nplt.close(fig)")
    assert not [e for e in events if e["type"] == "display"]
    assert [e for e in events if e["type"] == "file"] == [
        {"type": "file", "path": "b.png", "change": "created"}]


@pytest_twisted.ensureDeferred
async def test_idle_kernel_is_culled_and_comes_back_on_demand(makeKernel, kt):
    """An idle kernel stops after idleSeconds; the next cell starts a new one."""
    kernel = await makeKernel(idleSeconds=0.3)
    changes = []
    kernel.addStateListener(changes.append)
    await eventually(lambda: kernel.state == KernelState.DEAD, "The idle cull")
    assert "idle" in kernel.stateReason
    result, events = await kt.run(kernel, "1 + 1")
    assert kt.results(events) == ["2"]
    assert [c.new for c in changes] == [KernelState.DEAD, KernelState.STARTING, KernelState.IDLE,
                                       KernelState.BUSY, KernelState.IDLE]


@pytest_twisted.ensureDeferred
async def test_state_listeners_see_every_change(makeKernel, kt):
    """Listeners hear STARTING, IDLE, BUSY, IDLE and DEAD with reasons."""
    kernel = Kernel(reactor, cwd=os.getcwd())
    changes = []
    kernel.addStateListener(changes.append)
    await kt.withTimeout(kernel.start())
    await kt.run(kernel, "1")
    await kt.withTimeout(kernel.shutdown())
    assert [(c.old, c.new) for c in changes] == [
        (KernelState.DEAD, KernelState.STARTING), (KernelState.STARTING, KernelState.IDLE),
        (KernelState.IDLE, KernelState.BUSY), (KernelState.BUSY, KernelState.IDLE),
        (KernelState.IDLE, KernelState.DEAD)]
    assert changes[-1].reason == "The kernel was shut down."


@pytest_twisted.ensureDeferred
async def test_shutdown_of_a_busy_kernel_ends_the_cell(makeKernel, kt):
    """shutdown() while a cell runs stops it and reports that; nothing is left running."""
    kernel = await makeKernel()
    events = []
    request = kernel.execute("print('on', flush=True)\nwhile True:\n    pass", events.append)
    await eventually(lambda: "on" in kt.text(events), "The cell's first output")
    pid = kernel.info["pid"]
    await kt.withTimeout(kernel.shutdown())
    result = await request.deferred
    assert result.status == "interrupted" and "shut down" in result.message
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest_twisted.ensureDeferred
async def test_output_from_a_background_thread_after_the_cell_goes_to_that_cell(makeKernel, kt):
    """Late output (a thread printing after the cell ended) is delivered to the last cell."""
    kernel = await makeKernel()
    events = []
    request = kernel.execute(
        "import threading, time\n"
        "def later():\n    time.sleep(0.2)\n    print('late', flush=True)\n"
        "threading.Thread(target=later).start()", events.append)
    assert (await kt.withTimeout(request.deferred)).status == "ok"
    await eventually(lambda: "late" in kt.text(events), "The late output")


@pytest_twisted.ensureDeferred
async def test_a_kernel_that_cannot_start_says_why(tmp_path, kt):
    """A missing interpreter, or one that cannot run the worker, fails start() clearly."""
    kernel = Kernel(reactor, python=str(tmp_path / "no-python"), cwd=str(tmp_path))
    with pytest.raises(KernelStartError, match="could not start"):
        await kernel.start()
    assert kernel.state == KernelState.DEAD
    script = tmp_path / "fake-python"
    script.write_text("#!/bin/sh\necho 'this is not python' >&2\nexit 7\n")
    script.chmod(0o755)
    kernel = Kernel(reactor, python=str(script), cwd=str(tmp_path))
    with pytest.raises(KernelStartError, match="exited with status 7"):
        await kt.withTimeout(kernel.start())
    failed = kernel.execute("1")
    result = await kt.withTimeout(failed.deferred)
    assert result.status == "died" and "could not start" in result.message


@pytest_twisted.ensureDeferred
async def test_sage_system_fails_clearly_where_sage_is_missing(tmp_path, kt):
    """Asking for Sage under an interpreter without it fails start() with the import error;
    the same interpreter still runs Python kernels (the worker needs only the stdlib)."""
    bare = tmp_path / "bare-python"  # our Python without site-packages, hence without Sage
    bare.write_text('#!/bin/sh\nexec "%s" -S "$@"\n' % sys.executable)
    bare.chmod(0o755)
    kernel = Kernel(reactor, system="sage", python=str(bare), cwd=str(tmp_path))
    with pytest.raises(KernelStartError, match="could not start.*sage"):
        await kt.withTimeout(kernel.start())
    kernel = Kernel(reactor, system="python", python=str(bare), cwd=str(tmp_path))
    await kt.withTimeout(kernel.start())
    try:
        result, events = await kt.run(kernel, "import sys; 'site' in sys.modules")
        assert kt.results(events) == ["False"]
    finally:
        await kernel.shutdown()


@pytest_twisted.ensureDeferred
async def test_subprocesses_of_a_dead_kernel_do_not_linger(makeKernel, kt, tmp_path):
    """A child process the cell started (holding the output pipes, deaf to the terminal's
    hangup) is ended with the kernel."""
    kernel = await makeKernel()
    result, events = await kt.run(
        kernel, "import signal, subprocess\n"
                "ignoreHangup = lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
                "p = subprocess.Popen(['sleep', '300'], preexec_fn=ignoreHangup)\np.pid")
    child = int(kt.results(events)[0])
    result, events = await kt.run(kernel, "import os; os._exit(0)")
    assert result.status == "died"
    await eventually(lambda: not alive(child), "The subprocess's end")


@pytest_twisted.ensureDeferred
async def test_the_worker_is_in_its_keepers_session_on_the_pty_in_its_directory_with_its_fds(
        makeKernel, kt, tmp_path):
    """The worker's keeper (posix_spawned, no fork of the server) is its parent and leads the
    session and process group whose controlling terminal is the pty (the foreground group, so
    an interrupt reaches the worker); the worker works in its directory and holds no
    descriptor of the server's: only fds 0-2, its control socket and its private copy of the
    terminal."""
    stray = os.open(os.devnull, os.O_RDONLY)  # an inheritable descriptor of the server
    os.set_inheritable(stray, True)
    try:
        kernel = await makeKernel()
    finally:
        os.close(stray)
    result, events = await kt.run(kernel, (
        f"import os, signal\nkernelPid = {kernel.processId}\n"
        "def kind(f):\n"
        "    try:\n"
        "        return os.readlink('/proc/self/fd/%d' % f)\n"
        "    except FileNotFoundError:  # the descriptor that listed the directory\n"
        "        return None\n"
        "kinds = {int(f): kind(int(f)) for f in os.listdir('/proc/self/fd')}\n"
        "kinds = {f: k for f, k in kinds.items() if k is not None}\n"
        "fds = sorted(kinds)\n"
        "tty = [f for f, k in kinds.items() if k.startswith('/dev/pts/')]\n"
        "(os.getsid(0) == os.getpgrp() == os.getppid() == kernelPid,\n"
        " os.tcgetpgrp(tty[0]) == os.getpgrp(), os.getcwd(),\n"
        " [f for f in fds if f > 2 and f not in tty and not kinds[f].startswith('socket:')], kinds,\n"
        " signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN)"))
    assert result.ok, events
    leader, foreground, cwd, others, kinds, pipeIgnored = eval(kt.results(events)[0])
    assert leader and foreground and cwd == kernel.cwd
    assert others == [], kinds
    assert pipeIgnored  # Python's own setting again, not one inherited
