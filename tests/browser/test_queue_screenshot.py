"""The picture of the run queue in docs/notebook.md: a cell running, two queued and one
cancelled, with the queue open, taken in Chromium.

docs/queue.png is taken and kept as tests/support/screenshots.py says.
"""

from __future__ import annotations

import os

from tests.support.notebookbrowser import cell, output, runCell, typeInto
from tests.support.screenshots import keepScreenshot, worksheetPage

T = 30_000

SLOW = ("import os, time\n# runs until the test lets it end\n"
        "while not os.path.exists('go'):\n    time.sleep(0.05)\n'done'")


def test_screenshot_of_the_run_queue_with_a_cancelled_cell(context, server, tmp_path):
    from playwright.sync_api import expect

    page, url = worksheetPage(context, server, "A long run", 1200, 640)
    worksheetId = url.rstrip("/").rsplit("/", 1)[1]
    runCell(page, 1, SLOW)
    expect(cell(page, 1)).to_have_attribute("data-state", "running", timeout=T)
    for n, code in ((2, "results = [n**2 for n in range(10)]"), (3, "sum(results)"),
                    (4, "max(results)")):
        typeInto(page, n, code)
        page.keyboard.press("Shift+Enter")
    queue = page.locator(".nb-queue")
    expect(queue.locator("summary")).to_have_text("Queue: 3 waiting", timeout=T)
    cell(page, 3).locator('[data-action="cancel"]').click()
    expect(queue.locator("summary")).to_have_text("Queue: 2 waiting", timeout=T)
    expect(cell(page, 3)).to_have_attribute("data-state", "idle", timeout=T)  # out of the queue
    queue.locator("summary").click()
    expect(queue.locator("li")).to_have_count(3)
    keepScreenshot(page, tmp_path, "queue.png")
    open(os.path.join(server.dataDir, "worksheets", worksheetId, "go"), "w").close()
    expect(output(page, 4)).to_contain_text("81", timeout=T)
