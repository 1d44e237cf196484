"""The pool of pre-started kernels (athena_nb.kernel.pool)."""

import os

import pytest
import pytest_twisted
from twisted.internet import reactor

from athena_nb.kernel import KernelPool, KernelState
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


@pytest_twisted.ensureDeferred
async def test_acquire_hands_out_a_started_kernel_in_the_worksheet_directory(tmp_path, kt):
    """A pooled kernel is already running; acquire() moves it into the worksheet directory,
    where it runs code and reports files, and the pool starts a replacement."""
    pool = KernelPool(reactor, size=1)
    try:
        await eventually(lambda: pool.ready == 1, "A pooled kernel's readiness", 60)
        worksheet = tmp_path / "sheet"
        worksheet.mkdir()
        kernel = await kt.withTimeout(pool.acquire(str(worksheet)))
        try:
            assert kernel.state == KernelState.IDLE
            assert kernel.cwd == str(worksheet)
            result, events = await kt.run(kernel, "import os\nopen('made.txt', 'w').write('x')\n"
                                                  "os.getcwd()")
            assert kt.results(events) == [repr(str(worksheet))]
            assert ("made.txt", "created") in [(e["path"], e["change"]) for e in events
                                               if e["type"] == "file"]
            assert os.path.exists(worksheet / "made.txt")
            await eventually(lambda: pool.ready == 1, "The refill", 60)
        finally:
            await kernel.shutdown()
    finally:
        await kt.withTimeout(pool.shutdown())


@pytest_twisted.ensureDeferred
async def test_an_empty_pool_still_gives_a_kernel(tmp_path, kt):
    """With size 0 acquire() starts a kernel cold in the worksheet directory."""
    pool = KernelPool(reactor, size=0)
    kernel = await kt.withTimeout(pool.acquire(str(tmp_path)))
    try:
        result, events = await kt.run(kernel, "import os; os.getcwd()")
        assert kt.results(events) == [repr(str(tmp_path))]
    finally:
        await kernel.shutdown()
        await pool.shutdown()


@pytest_twisted.ensureDeferred
async def test_pool_shutdown_stops_its_kernels(kt):
    """shutdown() stops the kernels that were never handed out."""
    pool = KernelPool(reactor, size=2)
    await eventually(lambda: pool.ready == 2, "Two pooled kernels' readiness", 60)
    pids = [k.info["pid"] for k in pool._kernels]
    await kt.withTimeout(pool.shutdown())
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(Exception, match="shut down"):
        await pool.acquire("/tmp")
