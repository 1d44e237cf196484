"""The run queue in Chromium: every viewer sees it (which cells, in what order, started by
whom); an editor cancels one queued cell from the cell and another from the queue while a cell
runs, and the rest run as before; Run all stops at the first error unless told to go on."""

from __future__ import annotations

import os

from tests.browser.test_notebook_collab import expect
from tests.support.notebookbrowser import box, cell, output, runCell, toolbarMenu, typeInto

T = 30_000


def queue(page):
    return page.locator(".nb-queue")


def test_the_queue_is_seen_by_everyone_and_one_cell_is_cancelled(three, server):
    owner, carla, vic = three
    # The first cell runs until the test lets it end: the others stay queued meanwhile.
    runCell(owner, 1, "import os, time\nwhile not os.path.exists('go'): time.sleep(0.05)\n'slow'")
    for n, code in ((2, "'two'"), (3, "'three'"), (4, "'four'")):
        typeInto(owner, n, code)
        owner.keyboard.press("Shift+Enter")
    for page in (owner, carla, vic):
        expect(queue(page)).to_be_visible(timeout=T)
        expect(queue(page).locator("summary")).to_have_text("Queue: 3 waiting", timeout=T)
    vic.locator(".nb-queue summary").click()
    items = queue(vic).locator("li")
    expect(items).to_have_count(4)
    expect(items.nth(0)).to_have_attribute("data-state", "running")
    expect(items.nth(1)).to_contain_text("Cell 2: 'two'")
    expect(items.nth(1)).to_contain_text("queued by")
    expect(queue(vic).locator("button")).to_have_count(0)  # a viewer cannot cancel

    cell(carla, 2).locator('[data-action="cancel"]').click()  # from the cell
    carla.locator(".nb-queue summary").click()
    queue(carla).locator("li", has_text="Cell 4").locator("button").click()  # from the queue
    expect(queue(owner).locator("summary")).to_have_text("Queue: 1 waiting", timeout=T)
    # Restart while cells run and wait asks first; saying no leaves them be.
    asked = []
    owner.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    owner.get_by_role("button", name="Restart").click()
    expect(queue(owner).locator("summary")).to_have_text("Queue: 1 waiting")
    assert asked == ["Restart the kernel? It stops 2 cells that run or wait (they will not "
                     "finish), and every variable is lost."]
    expect(cell(owner, 1)).to_have_attribute("data-state", "running")
    worksheetId = owner.url.rstrip("/").rsplit("/", 1)[1]
    open(os.path.join(server.dataDir, "worksheets", worksheetId, "go"), "w").close()
    expect(output(owner, 1)).to_contain_text("slow", timeout=T)
    expect(output(owner, 3)).to_contain_text("three", timeout=T)
    for n in (2, 4):  # never ran: idle, as before they were queued
        expect(cell(owner, n)).to_have_attribute("data-state", "idle", timeout=T)
        expect(output(vic, n)).to_have_text("")
    expect(queue(owner)).to_be_hidden(timeout=T)


def test_run_all_stops_at_the_first_error_unless_told_to_go_on(three):
    owner, carla, vic = three
    typeInto(owner, 1, "x = 1")
    owner.keyboard.press("Shift+Enter")
    typeInto(owner, 2, "'after'")
    owner.keyboard.press("Control+Enter")
    expect(output(carla, 2)).to_have_text("'after'", timeout=T)
    box(owner, 1).click()
    owner.keyboard.press("Control+a")
    owner.keyboard.type("1/0")
    owner.locator('[data-action="runAll"]').click()
    expect(cell(carla, 1)).to_have_attribute("data-state", "error", timeout=T)
    # The cell after it never ran: idle, its output of the run before kept (as in Jupyter).
    expect(cell(carla, 2)).to_have_attribute("data-state", "idle", timeout=T)
    expect(output(carla, 2)).to_have_text("'after'")
    toolbarMenu(owner)
    owner.locator('[data-action="stopAtErrors"]').click()
    expect(owner.locator('[data-action="stopAtErrors"]')).to_have_attribute("aria-pressed", "false")
    owner.locator('[data-action="runAll"]').click()
    expect(cell(carla, 2)).to_have_attribute("data-state", "done", timeout=T)
    expect(output(carla, 2)).to_have_text("'after'")


def test_the_queue_showing_up_moves_nothing_in_the_toolbar(page):
    """It shares its place with the kernel's state (fragments.py, .nb-status): at a laptop's
    width the toolbar stays one row while a cell runs."""
    from tests.support.notebookbrowser import box, newWorksheet

    newWorksheet(page)
    toolbar = page.get_by_role("toolbar", name="Worksheet")
    # The narrowest window in which the toolbar is still one row: no room to spare.
    width = 1600
    page.set_viewport_size({"width": width, "height": 800})
    before = toolbar.bounding_box()["height"]
    while width > 700:
        page.set_viewport_size({"width": width - 10, "height": 800})
        if toolbar.bounding_box()["height"] > before:
            page.set_viewport_size({"width": width, "height": 800})
            break
        width -= 10
    typeInto(page, 1, "import time; time.sleep(2)")
    box(page, 1).press("Control+Enter")
    expect(page.locator(".nb-queue")).to_be_visible(timeout=20_000)
    assert toolbar.bounding_box()["height"] == before
