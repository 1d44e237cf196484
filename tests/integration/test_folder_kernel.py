"""Files uploaded to a worksheet's directory (athena_nb/folder.py) are what its real kernel reads
by name, sandboxed or not; what a cell writes there is listed with them."""

from __future__ import annotations

import io

import pytest
import pytest_twisted

from athena_nb.folder import WorksheetFolder

pytestmark = pytest.mark.integration


async def readsUpload(kernel, kt):
    folder = WorksheetFolder(kernel.cwd)
    data = b"x,y\n1,2\n"
    folder.save("points.csv", io.BytesIO(data), len(data))
    result, events = await kt.run(
        kernel, "print(open('points.csv').read(), end='')\n"
                "import os\nos.makedirs('data', exist_ok=True)\n"
                "open('data/made.txt', 'w').write('made')")
    assert result.status == "ok", events
    assert kt.text(events) == "x,y\n1,2\n"
    assert [(f.name, f.size) for f in folder.list()[0]] == [("data/made.txt", 4),
                                                            ("points.csv", 8)]
    folder.rename("points.csv", "data/points.csv")
    result, events = await kt.run(kernel, "print(open('data/points.csv').read().split()[1])")
    assert kt.text(events) == "1,2\n"


@pytest_twisted.ensureDeferred
async def test_a_cell_reads_an_uploaded_file_by_name(makeKernel, kt):
    await readsUpload(await makeKernel(), kt)


@pytest_twisted.ensureDeferred
async def test_a_sandboxed_cell_reads_an_uploaded_file_by_name(makeSandboxed, kt):
    await readsUpload(await makeSandboxed(), kt)
