"""Interrupting Sage: a PARI computation, a GAP loop, a Maxima call and a Python loop each stop
with KeyboardInterrupt, and the kernel keeps its variables (no restart); the system that was
interrupted answers again. In a plain kernel and in a sandboxed one, as the server runs them.

Marked ``sage``: skipped where sage.all does not import, a failure under CI=true (conftest.py).
"""

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import deferLater

from athena_nb.kernel import KernelState
from tests.support.waiting import eventually

pytestmark = [pytest.mark.integration, pytest.mark.sage]

#: name -> (a cell that runs for minutes, a cell that then must answer, its answer)
LONG = {
    "pari": ("factor(2^1009 - 1)", "pari('2 + 2')", "4"),
    "pari_gp": ("pari('factor(2^1009 - 1)')", "pari('3 + 4')", "7"),
    "gap": ("gap.eval('n := 0;; for i in [1..10^10] do n := n + 1; od;')", "gap.eval('2 + 3')",
            "'5'"),
    "libgap": ("libgap.eval('First([1..10^10], i -> i < 0)')", "libgap.eval('2 + 4')", "6"),
    "maxima": ("maxima.eval('for i thru 10^10 do i')", "maxima.eval('2 + 5')", "'7'"),
    # The Maxima linked into Sage (ECL), which symbolic calculus uses:
    "maxima_lib": ("maxima_calculus.eval('for i thru 10^10 do i')", "integrate(x^2, x)",
                   "1/3*x^3"),
    "python": ("n = 0\nwhile True:\n    n += 1", "n > 0", "True"),
}


@pytest.mark.parametrize("what", sorted(LONG))
@pytest.mark.parametrize("where", ["plain", "sandboxed"])
@pytest_twisted.ensureDeferred
async def test_an_interrupt_stops_it_and_the_kernel_keeps_its_variables(
        makeKernel, makeSandboxed, kt, what, where):
    await interruptAndCheck(makeKernel, makeSandboxed, kt, what, where, delay=1.5)


@pytest.mark.parametrize("what", ["libgap", "maxima_lib"])
@pytest.mark.parametrize("where", ["plain", "sandboxed"])
@pytest_twisted.ensureDeferred
async def test_an_interrupt_while_the_system_first_loads_still_stops_it_and_leaves_it_working(
        makeKernel, makeSandboxed, kt, what, where):
    """Interrupted at once, as GAP or Maxima first loads: libgap then misses the SIGINT (the
    kernel sends it again), and Maxima's loading must not be cut in half (the worker holds
    the interrupt until it has loaded)."""
    await interruptAndCheck(makeKernel, makeSandboxed, kt, what, where, delay=0)


async def interruptAndCheck(makeKernel, makeSandboxed, kt, what, where, delay):
    """Run LONG[what], interrupt it ``delay`` seconds past its first output, and check that it
    stopped, that the kernel kept its variables, and that the system answers again."""
    long, then, answer = LONG[what]
    if where == "sandboxed":  # as the server runs kernels, with its default memory limit
        kernel = await makeSandboxed(system="sage", network=True, memoryBytes=4 << 30,
                                     interruptGraceSeconds=30)
    else:
        kernel = await makeKernel("sage", interruptGraceSeconds=30)
    pid = kernel.info["pid"]
    await kt.run(kernel, "kept = 7", timeout=60)
    events = []
    request = kernel.execute("print('started', flush=True)\n" + long, events.append)
    await eventually(lambda: "started" in kt.text(events), "The cell's first output", 120)
    await deferLater(reactor, delay, lambda: None)
    outcome = await kt.withTimeout(kernel.interrupt(), 60)
    result = await kt.withTimeout(request.deferred, 60)
    assert outcome == "interrupted", events
    assert result.status == "interrupted", events
    assert "KeyboardInterrupt" in [e.get("ename") for e in events if e["type"] == "error"], events
    assert kernel.state == KernelState.IDLE and kernel.info["pid"] == pid
    result, events = await kt.run(kernel, "kept^2", timeout=60)
    assert kt.results(events) == ["49"]
    result, events = await kt.run(kernel, then, timeout=120)
    assert kt.results(events) == [answer], events
