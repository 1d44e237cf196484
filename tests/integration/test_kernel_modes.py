"""Cell modes in a real kernel process: %sh and !cmd in the worksheet's directory under the
kernel's interrupt, %md / %html / %latex, %timeit (athena_nb.kernel.cellmodes)."""

import os

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import deferLater

from athena_nb.kernel import KernelState
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


@pytest_twisted.ensureDeferred
async def test_a_sh_cell_and_bang_lines_run_in_the_worksheet_directory(makeKernel, kt):
    kernel = await makeKernel()
    await kt.run(kernel, "open('notes.txt', 'w').write('kept\\n')")
    result, events = await kt.run(kernel, "%sh\npwd\ncat notes.txt\necho oops >&2")
    assert result.status == "ok"
    assert kt.text(events).splitlines() == [kernel.cwd, "kept"]
    assert kt.text(events, "stderr") == "oops\n"
    result, events = await kt.run(kernel, "x = 2\n!echo from the shell\nprint(x * 21)")
    assert result.status == "ok" and kt.text(events) == "from the shell\n42\n"
    result, events = await kt.run(kernel, "%sh\nfalse")
    assert result.status == "error"
    assert [e["ename"] for e in events if e["type"] == "error"] == ["ShellError"]


@pytest_twisted.ensureDeferred
async def test_interrupting_a_sh_cell_stops_the_command_and_keeps_the_namespace(makeKernel, kt):
    kernel = await makeKernel(interruptGraceSeconds=20)
    pid = kernel.info["pid"]
    await kt.run(kernel, "kept = 7")
    events = []
    request = kernel.execute("%sh\necho started\nsleep 600", events.append)
    await eventually(lambda: "started" in kt.text(events), "The shell's first line", 30)
    await deferLater(reactor, 0.2, lambda: None)
    outcome = await kt.withTimeout(kernel.interrupt(), 30)
    result = await kt.withTimeout(request.deferred, 30)
    assert outcome == "interrupted" and result.status == "interrupted"
    assert kernel.state is KernelState.IDLE and kernel.info["pid"] == pid
    result, events = await kt.run(kernel, "kept")
    assert kt.results(events) == ["7"]


@pytest_twisted.ensureDeferred
async def test_shown_modes_and_timeit(makeKernel, kt):
    kernel = await makeKernel()
    result, events = await kt.run(kernel, "%hide\n%md\n# Title")
    [shown] = [e for e in events if e["type"] == "display"]
    assert shown["data"]["text/markdown"] == "# Title"
    result, events = await kt.run(kernel, "%timeit sum(range(10))")
    assert result.status == "ok" and "per loop (mean ± std. dev. of 7 runs" in kt.text(events)


@pytest_twisted.ensureDeferred
async def test_jupyter_habits_run_and_an_unknown_magic_is_named(makeKernel, kt):
    """%matplotlib inline does nothing (figures show anyway), %env and %cd act, %%writefile
    writes, %%bash is the sh mode; a magic athena-nb lacks is named in a sentence, not a bare
    SyntaxError at its %."""
    kernel = await makeKernel()
    result, events = await kt.run(kernel, "%matplotlib inline\nx = 6\nx * 7")
    assert result.status == "ok"
    assert [e["data"]["text/plain"] for e in events if e["type"] == "result"] == ["42"]
    result, events = await kt.run(kernel, "%env GREETING=hello\nimport os\nos.environ['GREETING']")
    assert kt.text(events) == "env: GREETING=hello\n"
    assert [e["data"]["text/plain"] for e in events if e["type"] == "result"] == ["'hello'"]
    result, events = await kt.run(kernel, "%%writefile made.py\nanswer = 42\n")
    assert result.status == "ok" and kt.text(events) == "Writing made.py\n"
    result, events = await kt.run(kernel, "%%bash\ncat made.py")
    assert result.status == "ok" and kt.text(events) == "answer = 42\n"
    result, events = await kt.run(kernel, "%mkdir sub\n%cd sub")
    errors = [e for e in events if e["type"] == "error"]
    assert result.status == "error" and [e["ename"] for e in errors] == ["UnknownMagic"]
    assert errors[0]["evalue"].startswith("%mkdir is not a magic athena-nb knows.")
    where = os.path.join(kernel.cwd, "sub")
    result, events = await kt.run(kernel, f"import os\nos.mkdir('sub')\n%cd sub\nos.getcwd() == {where!r}")
    assert result.status == "ok"
    assert [e["data"]["text/plain"] for e in events if e["type"] == "result"] == ["True"]
