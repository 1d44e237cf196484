"""Sandboxed kernels for real (athena_nb/kernel/sandbox.py, cgroups.py, isolation.py): what code
in a cell can no longer see or do, and that everything it starts ends with its kernel.

Each test needs bubblewrap; where it cannot make a sandbox the test skips saying why, except
under CI=true, where that fails (conftest.sandboxOrSkip). The tests through the whole server
(token, store, fork bomb, memory, the pool) are in test_service_sandbox.py.
"""

import json
import os

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.task import deferLater

from tests.support.processes import processesRunning
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


@pytest_twisted.ensureDeferred
async def test_a_cell_sees_its_own_processes_its_directory_and_none_of_the_servers_files(
        makeSandboxed, kt, monkeypatch):
    monkeypatch.setenv("ATHENA_NB_TOKEN", "secret-token-in-the-servers-environment")
    kernel = await makeSandboxed()
    data = makeSandboxed.data
    (data / "server.json").write_text('{"url": "http://127.0.0.1:1/?token=secret"}')
    (data / "athena.sqlite").write_text("the store")
    other = data / "worksheets" / "other"
    other.mkdir()
    (other / "theirs.txt").write_text("another worksheet's file")
    code = f"""
import json, os
report = {{"cwd": os.getcwd(), "uid": os.getuid(),
          "procs": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
          "env": sorted(os.environ)}}
for path in {[str(data / "server.json"), str(data / "athena.sqlite"),
              str(other / "theirs.txt"), f"/proc/{os.getpid()}/cmdline",
              f"/proc/{os.getpid()}/environ"]!r}:
    try:
        open(path, "rb").read(1)
        report[path] = "read"
    except OSError as e:
        report[path] = type(e).__name__
try:
    os.kill({os.getpid()}, 0)
    report["signal"] = "delivered"
except OSError as e:
    report["signal"] = type(e).__name__
open("mine.txt", "w").write("written")
print(json.dumps(report))
"""
    result, events = await kt.run(kernel, code)
    assert result.status == "ok", (result, events)
    report = json.loads(kt.text(events))
    assert report["cwd"] == "/worksheet"
    assert (data / "worksheets" / "ws0" / "mine.txt").read_text() == "written"
    for path, outcome in report.items():
        if path.startswith("/"):
            assert outcome in ("FileNotFoundError", "PermissionError"), (path, outcome)
    assert report["signal"] in ("ProcessLookupError", "PermissionError")
    assert report["procs"] == [1, 2], "a kernel's /proc shows bubblewrap's init and the worker"
    assert "ATHENA_NB_TOKEN" not in report["env"]
    assert set(report["env"]) <= {"HOME", "LANG", "PATH", "PYTHONIOENCODING", "TERM", "TMPDIR",
                                  "USER", "PWD", "MPLBACKEND", "OPENBLAS_CORETYPE",
                                  "OPENBLAS_L2_SIZE", "LC_ALL", "LC_CTYPE", "TZ"}
    if os.geteuid() == 0:
        assert report["uid"] != 0, "a root server's kernel runs as an unprivileged user"


@pytest_twisted.ensureDeferred
async def test_a_setsid_child_dies_when_its_kernel_restarts_and_when_it_shuts_down(
        makeSandboxed, kt):
    kernel = await makeSandboxed()
    for marker, stop in ((b"4321.25", kernel.restart), (b"4321.75", kernel.shutdown)):
        code = ("import subprocess\n"
                f"subprocess.Popen(['sleep', '{marker.decode()}'], start_new_session=True)")
        result, _ = await kt.run(kernel, code)
        assert result.status == "ok"
        await eventually(lambda m=marker: processesRunning(m), "the child running")
        await kt.withTimeout(stop())
        await eventually(lambda m=marker: not processesRunning(m),
                         "the setsid child ending with its kernel", timeout=10)


@pytest_twisted.ensureDeferred
async def test_an_interrupt_reaches_a_sandboxed_cell_and_keeps_its_variables(makeSandboxed, kt):
    kernel = await makeSandboxed()
    await kt.run(kernel, "x = 41")
    request = kernel.execute("import time\ntime.sleep(30)")
    await deferLater(reactor, 0.3)
    assert await kt.withTimeout(kernel.interrupt(), 10) == "interrupted"
    assert (await request.deferred).status == "interrupted"
    result, events = await kt.run(kernel, "x + 1")
    assert kt.results(events) == ["42"]


@pytest_twisted.ensureDeferred
async def test_a_sandboxed_kernel_exits_with_its_workers_status_and_can_start_again(
        makeSandboxed, kt):
    kernel = await makeSandboxed()
    result, _ = await kt.run(kernel, "import os\nos._exit(3)")
    assert result.status == "died"
    assert "exited with status 3" in result.message
    result, events = await kt.run(kernel, "1 + 1")
    assert kt.results(events) == ["2"]


@pytest_twisted.ensureDeferred
async def test_a_big_allocation_fails_in_its_cell_and_the_kernel_lives(makeSandboxed, kt):
    kernel = await makeSandboxed(memoryBytes=256 << 20)
    result, events = await kt.run(kernel, "x = bytearray(10 << 30)")
    assert result.status == "error" and "MemoryError" in result.message
    result, events = await kt.run(kernel, "len(bytearray(10 << 20))")
    assert kt.results(events) == [str(10 << 20)]


@pytest_twisted.ensureDeferred
async def test_processes_together_over_the_memory_limit_end_the_kernel_with_a_clear_message(
        makeSandboxed, kt):
    kernel = await makeSandboxed(memoryBytes=256 << 20)
    if kernel.isolation.cgroups.kind is None:
        pytest.skip("No cgroup can be made here: " + kernel.isolation.cgroups.reason)
    code = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", "b = bytearray(150 << 20)\\n"
                          "for i in range(0, len(b), 4096): b[i] = 1\\n"
                          "print('ready', flush=True)\\nimport time; time.sleep(600)"],
                         stdout=subprocess.PIPE)
child.stdout.readline()
with open("/proc/self/oom_score_adj", "w") as f:
    f.write("1000")  # the OOM killer's choice: this process, not the child
mine = bytearray(200 << 20)
for i in range(0, len(mine), 4096):
    mine[i] = 1
print("both fit")
"""
    result, events = await kt.run(kernel, code)
    assert result.status == "died", (result, events)
    assert "memory limit of 256 MiB" in result.message
    result, events = await kt.run(kernel, "6 * 7")
    assert kt.results(events) == ["42"]


@pytest_twisted.ensureDeferred
async def test_a_fork_bomb_ends_its_kernel_and_only_its_kernel(makeSandboxed, kt):
    kernel = await makeSandboxed(processes=64, wallSeconds=3, interruptGraceSeconds=1)
    if kernel.isolation.cgroups.kind is None:
        pytest.skip("No cgroup can be made here: " + kernel.isolation.cgroups.reason)
    other = await makeSandboxed()
    bomb = kernel.execute("import os\nwhile True:\n    try:\n        os.fork()\n"
                          "    except OSError:\n        pass")
    result, events = await kt.run(other, "6 * 7", timeout=20)
    assert kt.results(events) == ["42"], "another kernel works while one runs a fork bomb"
    cgroup = list(kernel._process.launch.cgroup.dirs)
    outcome = await kt.withTimeout(bomb.deferred, 30)
    assert outcome.status == "died", outcome
    assert "reached its limit of 64 processes and threads" in outcome.message
    await eventually(lambda: not _members(cgroup), "the bomb's processes gone", timeout=15)
    result, events = await kt.run(kernel, "1 + 1", timeout=30)
    assert kt.results(events) == ["2"]


def _members(dirs):
    """The processes in a cgroup (its directories gone: none)."""
    pids = set()
    for directory in dirs:
        try:
            with open(os.path.join(directory, "cgroup.procs")) as f:
                pids.update(int(line) for line in f if line.strip())
        except OSError:
            pass
    return pids


class _Hello(Protocol):
    def connectionMade(self):
        self.transport.write(b"hello")
        self.transport.loseConnection()


@pytest.mark.parametrize("network", [False, True])
@pytest_twisted.ensureDeferred
async def test_the_network_option(makeSandboxed, kt, network):
    port = reactor.listenTCP(0, Factory.forProtocol(_Hello), interface="127.0.0.1")
    try:
        kernel = await makeSandboxed(network=network)
        code = f"""
import socket
try:
    with socket.create_connection(("127.0.0.1", {port.getHost().port}), timeout=5) as s:
        print(s.recv(5).decode())
except OSError as e:
    print(type(e).__name__)
"""
        result, events = await kt.run(kernel, code)
        answer = kt.text(events).strip()
        if network:
            assert answer == "hello"
        else:
            assert answer in ("ConnectionRefusedError", "OSError"), answer
    finally:
        await port.stopListening()


@pytest_twisted.ensureDeferred
async def test_a_sandboxed_kernel_cannot_move_to_another_directory(makeSandboxed, tmp_path):
    kernel = await makeSandboxed()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with pytest.raises(Exception, match="sees only its own directory"):
        await kernel.chdir(str(elsewhere))


@pytest.mark.sage
@pytest_twisted.ensureDeferred
async def test_a_sandboxed_sage_kernel_computes_plots_and_writes_its_files(makeSandboxed, kt):
    kernel = await makeSandboxed(system="sage", memoryBytes=2 << 30)
    result, events = await kt.run(kernel, "factor(2^20 - 1)", timeout=120)
    assert result.status == "ok", (result, events)
    assert kt.results(events) == ["3 * 5^2 * 11 * 31 * 41"]
    result, events = await kt.run(kernel, "plot(sin(x), (x, 0, 3)).save('sine.png')\n"
                                          "show(plot(cos(x), (x, 0, 1)))", timeout=120)
    assert result.status == "ok", (result, events)
    assert any(e["type"] == "display" and "image/png" in e["data"] for e in events)
    assert (makeSandboxed.data / "worksheets" / "ws0" / "sine.png").stat().st_size > 1000

