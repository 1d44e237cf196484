"""What a new user ran into, in a real Chromium (issue 12, point 7): a new worksheet has the
caret in its first cell; a viewer's cell menu holds only what a viewer can do; a page that lost
its server says so instead of "Kernel: busy" and "running…", and takes the server's word again
when it is back, and once it has ended takes no more typing; a page with an edit not yet
saved asks before it goes; the execution count in the margin is the ``<cell N>`` of the traceback, also
after the kernel died and was started again.
"""

from __future__ import annotations

import os
import re
import signal

from tests.support.notebookbrowser import (
    box,
    cell,
    expectText,
    newWorksheet,
    output,
    runCell,
    textOf,
    worksheetDir,
)

T = 20_000


def expect():
    from playwright.sync_api import expect

    return expect


def kernelStatus(page):
    return page.locator(".nb-kernel")


def test_a_new_worksheet_has_the_caret_in_its_first_cell(page):
    newWorksheet(page)
    expect()(box(page, 1)).to_be_focused()
    page.keyboard.type("6*7")
    page.keyboard.press("Shift+Enter")
    expect()(output(page, 1)).to_have_text("42", timeout=T)
    # A worksheet with something in it opens as it was left, with no cell taken.
    page.reload()
    expect()(output(page, 1)).to_have_text("42", timeout=T)
    expect()(cell(page, 1).locator(".nb-count")).to_have_text("[1]")
    expect()(box(page, 1)).not_to_be_focused()


def test_a_hint_shows_at_the_foot_of_the_window_and_the_kernels_state_stays(page):
    """Escape's hint (and help's, Ctrl-S's) shows in a box at the foot of the window
    (notices.js): the toolbar keeps the kernel's state and does not move; in another cell the
    hint goes."""
    newWorksheet(page)
    page.get_by_role("button", name="Add cell").click()
    expect()(box(page, 2)).to_be_visible(timeout=T)
    page.set_viewport_size({"width": 800, "height": 700})
    toolbar = page.get_by_role("toolbar", name="Worksheet")
    before = toolbar.bounding_box()
    box(page, 1).click()
    box(page, 1).press("Escape")
    hint = page.locator(".nb-hint")
    expect()(hint).to_have_text(re.compile(r"^Command mode \(Enter edits\)"))
    expect()(hint).to_have_attribute("role", "status")
    expect()(kernelStatus(page)).to_have_text(re.compile("^Kernel"))
    assert toolbar.bounding_box() == before
    shown = hint.bounding_box()
    assert 600 < shown["y"] + shown["height"] <= 700 and shown["x"] >= 0
    box(page, 2).click()
    expect()(hint).to_be_hidden()


def test_a_viewer_sees_only_the_cell_actions_a_viewer_can_take(three):
    owner, carla, vic = three
    # The caret goes to the one who made the worksheet, not to those who join it.
    expect()(box(owner, 1)).to_be_focused()
    expect()(box(carla, 1)).not_to_be_focused()
    runCell(owner, 1, "print('seen by all')")
    expect()(output(vic, 1)).to_have_text("seen by all", timeout=T)
    for name in ("Run", "Delete cell"):
        expect()(cell(vic, 1).get_by_role("button", name=name, exact=True)).to_have_count(0)
    vic.get_by_role("button", name="More actions for this cell").first.click()
    menu = cell(vic, 1).locator(".nb-menu")
    expect()(menu).to_be_visible()
    expect()(menu.get_by_role("button")).to_have_text(["Copy cell", "Copy input", "Hide output"])
    for button in menu.get_by_role("button").all():
        expect()(button).to_be_enabled()
    menu.get_by_role("button", name="Hide output").click()
    expect()(output(vic, 1)).to_be_hidden()
    expect()(output(owner, 1)).to_be_visible(), "hiding is the viewer's own"
    vic.get_by_role("button", name="More actions for this cell").first.click()
    menu.get_by_role("button", name="Show output").click()
    expect()(output(vic, 1)).to_have_text("seen by all")
    # An editor's menu still has everything, Copy and Hide included (of "Make text cell" and
    # "Make code cell" the one that applies).
    carla.get_by_role("button", name="More actions for this cell").first.click()
    expect()(cell(carla, 1).locator(".nb-menu").get_by_role("button")).to_have_count(15)
    expect()(cell(carla, 1).locator(".nb-menu").get_by_role("button", name="Move up")).to_be_enabled()


def test_copy_input_puts_the_cells_text_on_the_clipboard(browser, server):
    from tests.support.notebookbrowser import login

    context = browser.new_context()
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = context.new_page()
        login(page, server)
        newWorksheet(page)
        page.keyboard.type("x = 'copied'")
        page.get_by_role("button", name="More actions for this cell").click()
        page.get_by_role("button", name="Copy input").click()
        expect()(page.locator(".nb-hint")).to_have_text("Cell input copied.")
        assert page.evaluate("() => navigator.clipboard.readText()") == "x = 'copied'"
    finally:
        context.close()


def test_a_page_without_its_server_says_so_and_comes_back_when_it_reconnects(three, server, tmp_path):
    owner, carla, vic = three
    gate = worksheetDir(server, owner.url) / "gate"  # where the sandboxed kernel looks
    runCell(owner, 1, "import os, time\nwhile not os.path.exists('gate'): time.sleep(0.02)")
    for page in (owner, vic):
        expect()(cell(page, 1)).to_have_attribute("data-state", "running", timeout=T)
        expect()(kernelStatus(page)).to_have_text("Kernel: busy", timeout=T)
    vic.context.set_offline(True)
    # Vic's long-poll may still be parked on the server (an offline browser need not abort
    # it): a change answers it, and the next poll finds the network gone. Without one, the
    # server's idle answer (30 s) would be the first news.
    title = owner.get_by_role("textbox", name="Worksheet title")
    title.fill("While Vic is away")
    title.press("Enter")
    expect()(kernelStatus(vic)).to_have_text("Disconnected — reconnecting…", timeout=60_000)
    expect()(cell(vic, 1).locator(".nb-state")).to_have_text(re.compile("^disconnected"))
    expect()(cell(vic, 1).locator(".nb-count")).to_have_text("[?]")
    expect()(kernelStatus(owner)).to_have_text("Kernel: busy")
    # Back online: the server's word again, and what changed meanwhile.
    gate.write_text("open")
    expect()(cell(owner, 1)).to_have_attribute("data-state", "done", timeout=T)
    vic.context.set_offline(False)
    expect()(kernelStatus(vic)).to_have_text("Kernel: idle", timeout=T)
    expect()(cell(vic, 1).locator(".nb-state")).to_have_text("done · Owner")
    expect()(cell(vic, 1).locator(".nb-count")).to_have_text("[1]")
    expect()(vic.get_by_role("textbox", name="Worksheet title")).to_have_value("While Vic is away")
    # The server stops while a cell runs: every page says so, none says "running…".
    gate.unlink()
    runCell(owner, 2, "import os, time\nwhile not os.path.exists('gate'): time.sleep(0.02)")
    for page in (owner, carla, vic):
        expect()(cell(page, 2)).to_have_attribute("data-state", "running", timeout=T)
    server.stop()
    for page in (owner, carla, vic):
        expect()(kernelStatus(page)).to_have_text(re.compile("Server stopped|Disconnected"), timeout=T)
        expect()(cell(page, 2).locator(".nb-state")).not_to_have_text(re.compile("running"))
        expect()(cell(page, 2).locator(".nb-count")).to_have_text("[?]")
    # Nothing typed into an ended page could be saved: its inputs take no more typing.
    for page in (owner, carla):
        expect()(box(page, 1)).not_to_be_editable()
        expect()(page.get_by_role("textbox", name="Worksheet title")).not_to_be_editable()
    before = textOf(owner, 2)
    box(owner, 2).click()
    owner.keyboard.type("lost = 1")
    assert textOf(owner, 2) == before


def test_a_page_with_edits_not_yet_saved_asks_before_it_goes(page, server):
    """The browser's "leave the page?" question while an edit is unanswered (the server
    frozen), and none once it is saved."""
    newWorksheet(page)
    box(page, 1).press_sequentially("x = 1")
    expect()(page.locator(".nb-saved")).to_have_text("Saved", timeout=T)
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    process = server.server.process
    os.kill(process.pid, signal.SIGSTOP)
    try:
        box(page, 1).press_sequentially("2")
        expect()(page.locator(".nb-saved")).not_to_have_text("Saved", timeout=T)
        page.close(run_before_unload=True)
        for _ in range(100):  # the question comes as an event while the page is used
            if asked:
                break
            page.wait_for_timeout(50)
        assert asked == ["beforeunload"] and not page.is_closed()
    finally:
        os.kill(process.pid, signal.SIGCONT)
    expect()(page.locator(".nb-saved")).to_have_text("Saved", timeout=T)
    expectText(page, 1, "x = 12")


def test_the_margins_count_is_the_tracebacks_cell_number_also_after_the_kernel_died(page):
    newWorksheet(page)
    runCell(page, 1, "1+1")
    expect()(output(page, 1)).to_have_text("2", timeout=T)
    runCell(page, 2, "import os; os._exit(3)")
    expect()(cell(page, 2)).to_have_attribute("data-state", "error", timeout=T)
    runCell(page, 3, "def f():\n    return 1/0\nf()")
    expect()(output(page, 3)).to_contain_text("ZeroDivisionError", timeout=T)
    count = cell(page, 3).locator(".nb-count").inner_text()
    assert count == "[3]"
    expect()(output(page, 3)).to_contain_text('File "<cell 3>", line 3')
    expect()(output(page, 3)).to_contain_text('File "<cell 3>", line 2, in f')
