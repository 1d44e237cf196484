"""The reactor is never blocked by a kernel, however fast it writes (athena_nb.kernel.process)."""

import pytest
import pytest_twisted
from twisted.internet import reactor

pytestmark = pytest.mark.integration


@pytest_twisted.ensureDeferred
async def test_a_streaming_kernel_leaves_the_reactor_free(makeKernel, kt):
    """While a kernel prints as fast as it can, onOutput fires at least 10 times before the
    cell's Deferred fires, and a callLater chain gets a turn between every two onOutput calls:
    output is read in bounded pieces per reactor turn, never in one blocking sweep."""
    kernel = await makeKernel(outputChars=None)
    ticks = [0]
    running = [True]

    def tick():
        ticks[0] += 1
        if running[0]:
            reactor.callLater(0, tick)

    reactor.callLater(0, tick)
    seen = []  # the tick count at each onOutput call
    finished = []

    def onOutput(event):
        assert not finished, "output arrived after the Deferred fired"
        seen.append(ticks[0])

    # 1M lines is about 6.9 MB: even at the most a turn reads (4 x 64 KiB) that is 26+ calls.
    request = kernel.execute("for i in range(1000000):\n    print(i)", onOutput)
    request.deferred.addCallback(lambda result: finished.append(result) or result)
    try:
        result = await kt.withTimeout(request.deferred, 120)
    finally:
        running[0] = False
    assert result.status == "ok"
    assert len(seen) >= 10, len(seen)
    assert all(later > earlier for earlier, later in zip(seen, seen[1:], strict=False)), seen
