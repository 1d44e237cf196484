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
#: What loads a system first, where its loading is not what a test interrupts.
LOADED = {"libgap": "libgap(1)"}


@pytest.mark.parametrize("what", sorted(LONG))
@pytest.mark.parametrize("where", ["plain", "sandboxed"])
@pytest_twisted.ensureDeferred
async def test_an_interrupt_stops_it_and_the_kernel_keeps_its_variables(
        makeKernel, makeSandboxed, kt, what, where):
    await interruptAndCheck(makeKernel, makeSandboxed, kt, what, where, delay=1.5,
                            loaded=True)


@pytest.mark.parametrize("what", ["libgap", "maxima_lib"])
@pytest.mark.parametrize("where", ["plain", "sandboxed"])
@pytest_twisted.ensureDeferred
async def test_an_interrupt_while_the_system_first_loads_still_stops_it_and_leaves_it_working(
        makeKernel, makeSandboxed, kt, what, where):
    """Interrupted at once, as GAP or Maxima first loads. Maxima's loading must not be cut in
    half: the worker holds the interrupt until it has loaded. libgap can miss a SIGINT that
    comes while it loads GAP: Interrupt pressed again, as a person would, stops it."""
    await interruptAndCheck(makeKernel, makeSandboxed, kt, what, where, delay=0,
                            loaded=False)


async def interruptAndCheck(makeKernel, makeSandboxed, kt, what, where, delay, loaded):
    """Run LONG[what] (with the system ``loaded`` first, or not), interrupt it ``delay``
    seconds past its first output (a system of LOADED that was not: pressing again every 3 s
    until it stops), and check that it stopped, that the kernel kept its variables, and that
    the system answers again."""
    long, then, answer = LONG[what]
    if where == "sandboxed":  # as the server runs kernels, with its default memory limit
        kernel = await makeSandboxed(system="sage", network=True, memoryBytes=4 << 30,
                                     interruptGraceSeconds=30)
    else:
        kernel = await makeKernel("sage", interruptGraceSeconds=30)
    pid = kernel.info["pid"]
    await kt.run(kernel, "kept = 7", timeout=60)
    if loaded and what in LOADED:
        await kt.run(kernel, LOADED[what], timeout=120)
    events = []
    request = kernel.execute("print('started', flush=True)\n" + long, events.append)
    await eventually(lambda: "started" in kt.text(events), "The cell's first output", 120)
    await deferLater(reactor, delay, lambda: None)
    pressed = kernel.interrupt()
    while not loaded and what in LOADED and not request.deferred.called:
        await deferLater(reactor, 3, lambda: None)
        if not request.deferred.called:
            kernel.interrupt()  # a person pressing again; not for pexpect's systems (kernel.py)
    outcome = await kt.withTimeout(pressed, 60)
    result = await kt.withTimeout(request.deferred, 60)
    assert outcome == "interrupted", events
    assert result.status == "interrupted", events
    assert "KeyboardInterrupt" in [e.get("ename") for e in events if e["type"] == "error"], events
    assert kernel.state == KernelState.IDLE and kernel.info["pid"] == pid
    result, events = await kt.run(kernel, "kept^2", timeout=60)
    assert kt.results(events) == ["49"]
    result, events = await kt.run(kernel, then, timeout=120)
    # Maxima's pexpect interface may answer with a space first just after an interrupt ("' 7'",
    # seen once in CI): the value is what counts.
    assert [r.replace("' ", "'") for r in kt.results(events)] == [answer], events
