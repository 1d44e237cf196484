"""Real Python kernels: output, faults, interrupts, limits, completion (athena_nb.kernel)."""

import base64
import signal
import struct

import pytest
import pytest_twisted
from twisted.internet import defer

from athena_nb.kernel import (
    KernelBusyError,
    KernelState,
)
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


@pytest_twisted.ensureDeferred
async def test_output_arrives_in_the_order_it_was_produced(makeKernel, kt):
    """stdout, stderr, displays and the last expression's value arrive in program order."""
    kernel = await makeKernel()
    code = (
        "import sys\n"
        "print('one')\n"
        "print('two', file=sys.stderr)\n"
        "class Rich:\n"
        "    def _repr_html_(self): return '<b>rich</b>'\n"
        "display(Rich())\n"
        "print('three')\n"
        "6 * 7\n"
    )
    result, events = await kt.run(kernel, code)
    assert result.status == "ok"
    kinds = [(e["type"], e.get("name") or e.get("text") or "") for e in events]
    assert kinds[0] == ("stream", "stdout") and events[0]["text"] == "one\n"
    assert events[1] == {"type": "stream", "name": "stderr", "text": "two\n"}
    assert events[2]["type"] == "display" and events[2]["data"]["text/html"] == "<b>rich</b>"
    assert events[3] == {"type": "stream", "name": "stdout", "text": "three\n"}
    assert events[4] == {"type": "result", "data": {"text/plain": "42"}}


@pytest_twisted.ensureDeferred
async def test_output_streams_while_the_cell_runs(makeKernel, kt, tmp_path):
    """A cell that waits for a file the test makes only after seeing the cell's first line
    can finish only if that line was delivered while the cell still ran."""
    kernel = await makeKernel()
    gate = tmp_path / "gate"
    seen = []

    def onOutput(event):
        seen.append(event)
        if event["type"] == "stream" and "waiting" in event["text"]:
            gate.write_text("open")

    code = (
        "import os, time\n"
        "print('waiting', flush=True)\n"
        "while not os.path.exists(%r):\n"
        "    time.sleep(0.005)\n"
        "print('through')\n" % str(gate)
    )
    result = await kt.withTimeout(kernel.execute(code, onOutput).deferred, 30)
    assert result.status == "ok"
    assert kt.text(seen) == "waiting\nthrough\n"


@pytest_twisted.ensureDeferred
async def test_100k_lines_arrive_whole_without_deadlock(makeKernel, kt):
    """100 000 lines printed as fast as possible all arrive, in order, and the cell ends."""
    kernel = await makeKernel(outputChars=None)
    result, events = await kt.run(kernel, "for i in range(100000):\n    print(i)")
    assert result.status == "ok"
    lines = kt.text(events).splitlines()
    assert lines == [str(i) for i in range(100000)]


@pytest_twisted.ensureDeferred
async def test_output_cap_drops_the_rest_with_a_marker_and_the_kernel_lives(makeKernel, kt):
    """Past the per-cell cap output is dropped with a notice, but for its end, shown when the
    cell ends with the cell's result; the cell still completes and the kernel answers the
    next cell."""
    kernel = await makeKernel(outputChars=50_000)
    result, events = await kt.run(kernel, "for i in range(100000):\n    print(i)\n'end'")
    assert result.status == "ok"
    assert len(kt.text(events)) == 50_000 + 10_000
    assert kt.text(events).endswith("99998\n99999\n")
    notices = [e for e in events if e["type"] == "notice"]
    assert len(notices) == 2 and "50,000 characters" in notices[0]["text"]
    assert "characters of output were dropped here; the last 10,000 follow" in notices[1]["text"]
    assert kt.results(events) == ["'end'"]
    after, events = await kt.run(kernel, "1 + 1")
    assert kt.results(events) == ["2"]


@pytest_twisted.ensureDeferred
async def test_unicode_and_arbitrary_bytes_from_c_level_writes(makeKernel, kt):
    """Text is UTF-8; invalid bytes written straight to fd 1 become U+FFFD, never an error;
    C stdio and subprocess output are captured too."""
    kernel = await makeKernel()
    code = (
        "import os, ctypes\n"
        "print('héllo ✓ 🎉')\n"
        "os.write(1, b'raw \\xff\\xfe \\xe2\\x82\\xac\\n')\n"
        "os.write(2, b'\\x00nul\\n')\n"
        "ctypes.CDLL(None).printf(b'from C %d\\n', 42)\n"
        "os.system('echo from a subprocess')\n"
        "None\n"
    )
    result, events = await kt.run(kernel, code)
    assert result.status == "ok"
    out = kt.text(events)
    assert "héllo ✓ 🎉\n" in out
    assert "raw \ufffd\ufffd €\n" in out
    assert "from C 42\n" in out
    assert "from a subprocess\n" in out
    assert kt.text(events, "stderr") == "\x00nul\n"


@pytest_twisted.ensureDeferred
async def test_output_that_imitates_frames_is_just_text(makeKernel, kt):
    """Bytes shaped like control frames, printed or written to fd 1, arrive verbatim and the
    real framing is untouched."""
    kernel = await makeKernel()
    fake = b'{"op":"done","id":1,"status":"ok","message":""}'
    frame = struct.pack(">I", len(fake)) + fake
    code = (
        "import os, sys\n"
        "os.write(1, %r)\n"
        "print(%r)\n"
        "sys.stdout.write('\\x00\\x00\\x00\\x05hello\\n')\n"
        "'still framed'\n" % (frame, fake.decode())
    )
    result, events = await kt.run(kernel, code)
    assert result.status == "ok"
    assert kt.text(events) == frame.decode("latin-1") + fake.decode() + "\n" + \
        "\x00\x00\x00\x05hello\n"
    assert kt.results(events) == ["'still framed'"]


@pytest_twisted.ensureDeferred
async def test_input_waits_for_its_answer_and_stdin_fails_at_once(makeKernel, kt):
    """input() shows its prompt and returns the answer it is given; getpass asks the same way;
    an interrupt stops the wait and a late answer is dropped; sys.stdin raises a clear error;
    a C-level read of fd 0 sees end of file."""
    kernel = await makeKernel()
    events = []
    request = kernel.execute("name = input('your name? ')\nprint('hello', name)", events.append)
    await eventually(lambda: any(e["type"] == "input" for e in events), "The prompt", 30)
    assert [e for e in events if e["type"] == "input"] == [
        {"type": "input", "prompt": "your name? ", "password": False}]
    assert kernel.answerInput(request, "Ann") is True
    assert kernel.answerInput(request, "again") is False, "answered once"
    result = await kt.withTimeout(request.deferred, 30)
    assert result.status == "ok" and kt.text(events) == "hello Ann\n"
    events = []
    request = kernel.execute("import getpass\nsecret = getpass.getpass()", events.append)
    await eventually(lambda: any(e["type"] == "input" for e in events), "The prompt", 30)
    assert events[-1]["password"] is True
    await kt.withTimeout(kernel.interrupt(), 30)
    result = await kt.withTimeout(request.deferred, 30)
    assert result.status == "interrupted"
    assert kernel.answerInput(request, "too late") is False
    result, events = await kt.run(kernel, "'secret' in dir()")
    assert kt.results(events) == ["False"]
    result, events = await kt.run(kernel, "import sys; sys.stdin.readline()")
    assert result.status == "error" and "no standard input" in result.message
    result, events = await kt.run(kernel, "import os; os.read(0, 10)")
    assert kt.results(events) == ["b''"]


@pytest_twisted.ensureDeferred
async def test_errors_have_clean_tracebacks_and_the_namespace_persists(makeKernel, kt):
    """An exception is reported with the cell's own lines; variables survive it."""
    kernel = await makeKernel()
    await kt.run(kernel, "x = 41")
    result, events = await kt.run(kernel, "def f():\n    return 1 / 0\nf()")
    assert result.status == "error"
    assert result.message == "The cell raised ZeroDivisionError: division by zero"
    [error] = [e for e in events if e["type"] == "error"]
    assert 'line 2, in f\n    return 1 / 0' in error["traceback"]
    assert "worker.py" not in error["traceback"]
    result, events = await kt.run(kernel, "x + 1")
    assert kt.results(events) == ["42"]
    result, events = await kt.run(kernel, "raise SystemExit(3)")
    assert result.status == "error" and kernel.state == KernelState.IDLE


@pytest_twisted.ensureDeferred
async def test_interrupt_stops_a_busy_loop_and_keeps_the_namespace(makeKernel, kt):
    """SIGINT through the pty stops ``while True: pass``; earlier variables remain."""
    kernel = await makeKernel()
    await kt.run(kernel, "kept = 'yes'")
    events = []
    request = kernel.execute("print('looping', flush=True)\nwhile True:\n    pass", events.append)
    await eventually(lambda: "looping" in kt.text(events), "The cell's first output")
    outcome = await kt.withTimeout(kernel.interrupt(), 30)
    result = await kt.withTimeout(request.deferred)
    assert outcome == "interrupted"
    assert result.status == "interrupted"
    assert any(e["type"] == "error" and e["ename"] == "KeyboardInterrupt" for e in events)
    result, events = await kt.run(kernel, "kept")
    assert kt.results(events) == ["'yes'"]


@pytest_twisted.ensureDeferred
async def test_interrupt_stops_a_sleep(makeKernel, kt):
    """An interrupt ends ``time.sleep(100)`` long before the hundred seconds."""
    kernel = await makeKernel()
    events = []
    request = kernel.execute("import time\nprint('sleeping', flush=True)\ntime.sleep(100)",
                             events.append)
    await eventually(lambda: "sleeping" in kt.text(events), "The cell's first output")
    await kt.withTimeout(kernel.interrupt(), 30)
    result = await kt.withTimeout(request.deferred, 30)
    assert result.status == "interrupted"
    assert kernel.state == KernelState.IDLE


@pytest_twisted.ensureDeferred
async def test_an_interrupt_sent_before_the_cell_starts_still_stops_it(makeKernel, kt):
    """Interrupt pressed in the instant after Run: the SIGINT reaches the worker before it has
    read the request, and must stop that cell rather than be dropped (which would mean a
    restart after the grace period and a lost namespace)."""
    kernel = await makeKernel(interruptGraceSeconds=30)
    await kt.run(kernel, "kept = 'yes'")
    pid = kernel.info["pid"]
    request = kernel.execute("import time\ntime.sleep(100)")
    outcome = await kt.withTimeout(kernel.interrupt(), 20)
    result = await kt.withTimeout(request.deferred, 20)
    assert (outcome, result.status) == ("interrupted", "interrupted")
    assert kernel.info["pid"] == pid
    result, events = await kt.run(kernel, "kept")
    assert kt.results(events) == ["'yes'"]


@pytest_twisted.ensureDeferred
async def test_an_interrupt_works_when_the_server_was_started_with_sigint_ignored(makeKernel, kt):
    """A server started from a script with ``&`` has SIGINT ignored, and its children inherit
    that: the worker must still take an interrupt as KeyboardInterrupt and keep its variables,
    not sit out the grace period and restart."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        kernel = await makeKernel(interruptGraceSeconds=30)
    finally:
        signal.signal(signal.SIGINT, previous)
    await kt.run(kernel, "kept = 'yes'")
    events = []
    request = kernel.execute("print('looping', flush=True)\nwhile True:\n    pass", events.append)
    await eventually(lambda: "looping" in kt.text(events), "The cell's first output")
    outcome = await kt.withTimeout(kernel.interrupt(), 20)
    result = await kt.withTimeout(request.deferred, 20)
    assert (outcome, result.status) == ("interrupted", "interrupted")
    result, events = await kt.run(kernel, "kept")
    assert kt.results(events) == ["'yes'"]


@pytest_twisted.ensureDeferred
async def test_a_caller_that_gives_up_on_a_running_cell_leaves_the_kernel_whole(makeKernel, kt):
    """Cancelling a running cell's Deferred (as a timeout does) only lets the caller go: the
    cell's end later finds the Deferred already fired, and the kernel runs the next cell."""
    kernel = await makeKernel()
    request = kernel.execute("import time\ntime.sleep(0.3)\n'slept'")
    request.deferred.addErrback(lambda f: f.trap(defer.CancelledError))
    request.deferred.cancel()
    result, events = await kt.run(kernel, "2 + 2")
    assert result.status == "ok" and kt.results(events) == ["4"]
    assert request.status == "done" and request.result.status == "ok"


@pytest_twisted.ensureDeferred
async def test_an_interrupt_that_lands_after_its_cell_ended_spares_the_next_cell(makeKernel, kt):
    """A SIGINT sent while a cell runs may find it unable to take it (here the cell blocks the
    signal itself, which stands deterministically for one that ends just as the signal comes):
    the signal is still pending when the cell ends, and the next cell runs undisturbed."""
    kernel = await makeKernel()
    events = []
    request = kernel.execute(
        "import signal, time\nsignal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})\n"
        "print('deaf', flush=True)\ntime.sleep(0.3)\n'finished'", events.append)
    await eventually(lambda: "deaf" in kt.text(events), "The cell's first output")
    interrupted = kernel.interrupt()
    result = await kt.withTimeout(request.deferred, 20)
    assert result.status == "ok" and kt.results(events) == ["'finished'"]
    await kt.withTimeout(interrupted, 20)
    result, events = await kt.run(kernel, "import time\ntime.sleep(0.2)\n2 + 2")
    assert result.status == "ok" and kt.results(events) == ["4"]
    result, events = await kt.run(kernel, "2 + 2")
    assert result.status == "ok" and kt.results(events) == ["4"]


@pytest_twisted.ensureDeferred
async def test_code_that_ignores_sigint_runs_on_until_a_second_interrupt_restarts(makeKernel, kt):
    """If the code ignores SIGINT, after the grace period it runs on and the cell says that
    another interrupt restarts the kernel (its variables may be hours of work); the second
    does, the cell says so, and the new kernel starts with an empty namespace."""
    kernel = await makeKernel(interruptGraceSeconds=0.5)
    oldPid = kernel.info["pid"]
    await kt.run(kernel, "kept = 1")
    events = []
    request = kernel.execute(
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "print('deaf', flush=True)\nwhile True:\n    pass", events.append)
    await eventually(lambda: "deaf" in kt.text(events), "The cell's first output")
    assert await kt.withTimeout(kernel.interrupt(), 30) == "running"
    [notice] = [e for e in events if e["type"] == "notice"]
    assert "Interrupt again to stop it by restarting the kernel" in notice["text"]
    assert kernel.state == KernelState.BUSY and kernel.info["pid"] == oldPid
    assert await kt.withTimeout(kernel.interrupt(), 30) == "restarted"
    result = await kt.withTimeout(request.deferred)
    assert result.status == "interrupted"
    assert "a second interrupt restarted the kernel" in result.message
    assert len([e for e in events if e["type"] == "notice"]) == 1, "the restart said once"
    assert kernel.state == KernelState.IDLE and kernel.info["pid"] != oldPid
    result, events = await kt.run(kernel, "kept")
    assert result.status == "error" and "NameError" in result.message


@pytest.mark.parametrize("code, described", [
    ("import os; os._exit(1)", "exited with status 1"),
    ("import os; os.kill(os.getpid(), 9)", "killed by SIGKILL"),
    ("import ctypes; ctypes.string_at(0)", "killed by SIGSEGV"),
])
@pytest_twisted.ensureDeferred
async def test_a_dying_kernel_fails_the_cell_clearly_and_a_new_one_starts(
        makeKernel, kt, code, described):
    """A child that dies fails the running cell with status "died", cancels the queue, and
    the next cell gets a fresh kernel with a notice."""
    kernel = await makeKernel()
    await kt.run(kernel, "kept = 1")
    running = kernel.execute(code)
    queued = kernel.execute("'never'")
    result = await kt.withTimeout(running.deferred)
    assert result.status == "died"
    assert described in result.message
    assert (await kt.withTimeout(queued.deferred)).status == "cancelled"
    assert kernel.state == KernelState.DEAD
    result, events = await kt.run(kernel, "kept")
    assert events[0]["type"] == "notice" and "new kernel" in events[0]["text"]
    assert result.status == "error" and "NameError" in result.message
    assert kernel.state == KernelState.IDLE


@pytest_twisted.ensureDeferred
async def test_memory_limit_gives_memory_error_and_the_kernel_lives(makeKernel, kt):
    """Allocating past RLIMIT_DATA raises MemoryError in the cell; the kernel goes on."""
    kernel = await makeKernel(memoryBytes=256 * 1024 * 1024)
    result, events = await kt.run(kernel, "big = bytearray(1024 * 1024 * 1024)")
    assert result.status == "error"
    assert "MemoryError" in result.message
    result, events = await kt.run(kernel, "small = bytearray(10 * 1024 * 1024); len(small)")
    assert kt.results(events) == [str(10 * 1024 * 1024)]


@pytest_twisted.ensureDeferred
async def test_restart_keeps_nothing_of_the_old_namespace(makeKernel, kt):
    """After restart() the kernel is a new process with an empty namespace."""
    kernel = await makeKernel()
    oldPid = kernel.info["pid"]
    await kt.run(kernel, "secret = 123")
    await kt.withTimeout(kernel.restart())
    assert kernel.state == KernelState.IDLE and kernel.info["pid"] != oldPid
    result, events = await kt.run(kernel, "secret")
    assert "NameError" in result.message
    result, events = await kt.run(kernel, "'secret' in globals()")
    assert kt.results(events) == ["False"]


@pytest_twisted.ensureDeferred
async def test_completion_and_introspection(makeKernel, kt):
    """complete() finds names and attributes; introspect gives docstrings (?) and source (??);
    while a cell runs they fail at once with a clear busy error."""
    kernel = await makeKernel()
    await kt.run(kernel, "import os\ndef frobnicate(a, b=2):\n    'Frob the a.'\n    return a")
    reply = await kt.withTimeout(kernel.complete("x = frob", 8))
    assert reply == {"matches": ["frobnicate"], "types": ["function"], "start": 4, "end": 8}
    reply = await kt.withTimeout(kernel.complete("os.pat", 6))
    assert "os.path" in reply["matches"] and reply["start"] == 0
    doc = await kt.withTimeout(kernel.introspect("frobnicate", 0))
    assert doc["found"] and "Frob the a." in doc["text"] and "(a, b=2)" in doc["text"]
    assert "return a" not in doc["text"]
    source = await kt.withTimeout(kernel.introspect("frobnicate", 1))
    assert "def frobnicate(a, b=2):" in source["text"]
    missing = await kt.withTimeout(kernel.introspect("nothing_here", 0))
    assert missing == {"found": False, "text": "Object 'nothing_here' not found."}
    result, events = await kt.run(kernel, "frobnicate?")
    assert "Frob the a." in kt.text(events)

    events = []
    request = kernel.execute("print('busy', flush=True)\nimport time\ntime.sleep(30)",
                             events.append)
    await eventually(lambda: "busy" in kt.text(events), "The cell's first output")
    with pytest.raises(KernelBusyError, match="busy running a cell"):
        await kernel.complete("fro", 3)
    with pytest.raises(KernelBusyError):
        await kernel.introspect("frobnicate")
    await kt.withTimeout(kernel.interrupt())
    assert (await request.deferred).status == "interrupted"


@pytest_twisted.ensureDeferred
async def test_matplotlib_figures_show_as_png(makeKernel, kt):
    """A pyplot figure is shown as a PNG at the end of the cell (and at plt.show())."""
    kernel = await makeKernel()
    code = (
        "import matplotlib.pyplot as plt\n"
        "plt.plot([1, 3, 2])\n"
        "plt.show()\n"
        "plt.figure(); plt.plot([0, 1])\n"
        "None\n"
    )
    result, events = await kt.run(kernel, code, timeout=120)
    assert result.status == "ok"
    images = [e for e in events if e["type"] == "display" and "image/png" in e["data"]]
    assert len(images) == 2
    for image in images:
        assert base64.b64decode(image["data"]["image/png"]).startswith(b"\x89PNG\r\n\x1a\n")


@pytest_twisted.ensureDeferred
async def test_cancelling_a_queued_request_leaves_the_running_one_alone(makeKernel, kt, tmp_path):
    """Requests run one at a time in order; a queued one can be cancelled, the running one
    cannot be cancelled that way and finishes normally."""
    kernel = await makeKernel()
    gate = tmp_path / "gate"
    events = []
    first = kernel.execute("import os, time\nwhile not os.path.exists(%r):\n    time.sleep(0.005)\n"
                           "'first'" % str(gate), events.append)
    second = kernel.execute("'second'", events.append)
    third = kernel.execute("'third'", events.append)
    assert kernel.state == KernelState.BUSY
    assert first.cancel() is False
    assert second.cancel() is True
    assert (await second.deferred).status == "cancelled"
    gate.write_text("go")
    assert (await kt.withTimeout(first.deferred)).status == "ok"
    assert (await kt.withTimeout(third.deferred)).status == "ok"
    assert kt.results(events) == ["'first'", "'third'"]
