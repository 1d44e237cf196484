"""A real Python kernel, sandboxed and not, against a worksheet's files quota of 1 MiB: one file
past it fails in the cell with Python's own OSError (RLIMIT_FSIZE, the kernel lives on), files
that take the worksheet past it make the hub refuse new runs until a file is deleted, and a cell
that goes on writing is stopped while it runs (athena_nb/kernel/worker.py ``applyLimits``,
athena_nb/filesquota.py)."""

from __future__ import annotations

import os
import sys

import pytest
import pytest_twisted

from athena_nb.folder import WorksheetFolder
from athena_nb.quotas import QuotaExceeded, Quotas
from athena_nb.store import RunState
from athena_nb.web.folder import filesChanged
from tests.integration.conftest import sandboxOrSkip
from tests.integration.test_notebook_hub import eventually, ran, registry  # noqa: F401

pytestmark = pytest.mark.integration

MiB = 1 << 20


async def writesPastTheLimit(kernel, kt):
    result, events = await kt.run(kernel, "open('big.bin', 'wb').write(b'0' * (3 << 20))")
    assert result.status == "error"
    [error] = [e for e in events if e["type"] == "error"]
    assert (error["ename"], error["evalue"]) == ("OSError", "[Errno 27] File too large")
    result, events = await kt.run(
        kernel, "import os, subprocess\nprint(os.path.getsize('big.bin'))\n"
                "print(subprocess.run('head -c 3000000 /dev/zero > sh.bin', shell=True, "
                "capture_output=True, text=True).stderr.strip())")
    assert result.status == "ok", events
    assert kt.text(events) == f"{MiB}\nFile size limit exceeded\n", (
        "the kernel lives on; a shell's command is stopped as a shell's is")


@pytest_twisted.ensureDeferred
async def test_a_cell_cannot_write_a_file_past_the_limit(makeKernel, kt):
    await writesPastTheLimit(await makeKernel(fileBytes=MiB), kt)


@pytest_twisted.ensureDeferred
async def test_a_sandboxed_cell_cannot_write_a_file_past_the_limit(makeSandboxed, kt):
    await writesPastTheLimit(await makeSandboxed(fileBytes=MiB), kt)


@pytest.fixture(params=["unsandboxed", "sandboxed"])
def isolation(request, tmp_path):
    """None, or the sandbox of kernels whose server's data is ``tmp_path/data`` (registry's)."""
    if request.param == "unsandboxed":
        return None
    from athena_nb.kernel.isolation import Isolation
    from athena_nb.kernel.process import WORKER_PATH

    data = tmp_path / "data"
    (data / "worksheets").mkdir(parents=True)
    found = Isolation.find(network=False, python=sys.executable,
                           workerDir=os.path.dirname(WORKER_PATH), secrets=[str(data)])
    sandboxOrSkip(found)
    return found


def held(make, isolation):
    """Hubs whose worksheets' files are held to 1 MiB, as ``--max-files-mb 1`` holds them."""
    return make(quotas=Quotas(maxFilesBytes=MiB), isolation=isolation, fileBytes=MiB)


@pytest_twisted.ensureDeferred
async def test_files_past_the_quota_stop_new_runs_until_one_is_deleted(registry, isolation):  # noqa: F811
    hubs, store = await held(registry, isolation)
    sheet = await store.create_worksheet("Full", [
        "for n in range(3):\n    open(f'part{n}.bin', 'wb').write(b'0' * (400 << 10))",
        "print('ran')"])
    hub = await hubs.open(sheet.id)
    first = await ran(hub, 0)
    assert first.state is RunState.DONE
    await eventually(lambda: hub.filesQuota.over, "the run's end measuring")
    notice = hub.filesQuota.notice()
    assert notice.startswith("This worksheet's files take 1.2 MiB, more than the 1 MiB they "
                             "may take together") and "delete files in the Files panel" in notice
    with pytest.raises(QuotaExceeded) as refused:
        hub.run(hub.cells[1].id, "Test")
    assert str(refused.value) == ("Nothing was run: this worksheet's files are past their "
                                  "quota (1.2 MiB of 1 MiB); delete files to run cells again.")
    WorksheetFolder(hub.directory).delete("part0.bin")  # the Files panel's Delete
    filesChanged(hub)
    await eventually(lambda: not hub.filesQuota.over, "the deletion measuring")
    second = await ran(hub, 1)
    assert second.state is RunState.DONE and second.outputs[0]["text"] == "ran\n"


@pytest_twisted.ensureDeferred
async def test_a_cell_that_goes_on_writing_files_is_stopped_while_it_runs(registry, isolation):  # noqa: F811
    hubs, store = await held(registry, isolation)
    sheet = await store.create_worksheet("Loop", [
        "import time\nfor n in range(1000):\n"
        "    open(f'loop{n}.bin', 'wb').write(b'0' * (100 << 10))\n    time.sleep(0.05)"])
    hub = await hubs.open(sheet.id)
    hub.filesQuota.checkSeconds = 0.5
    cell = hub.cells[0]
    hub.run(cell.id, "Test")
    await eventually(lambda: not cell.active, "the cell being stopped")
    assert cell.state is RunState.INTERRUPTED
    [stopped] = [e for e in cell.outputs if e["type"] == "notice"]
    assert stopped["text"].startswith("This cell was stopped: This worksheet's files take")
    written = len([n for n in os.listdir(hub.directory) if n.startswith("loop")])
    assert 10 < written < 100, "stopped soon after the quota, long before the loop's end"
