"""A long worksheet (2,000 cells with their outputs, written straight into the store) in Chromium:
only the cells near the screen have an editor and their outputs, scrolling wakes the cells it
reaches and puts far ones to sleep, someone else's edit reaches a cell without an editor and is
there once it has one, the keyboard moves into cells without an editor, and a run of every cell
reaches cells whose outputs the page has not fetched yet.

See athena_nb/web/deferral.py (which outputs a page carries), js/athena_nb/nearscreen.js (which
cells are awake) and js/athena_nb/editor.js (a cell's editor, made and taken down).
"""

from __future__ import annotations

import pytest

from athena_nb.store.testing import write_worksheet
from tests.support.notebookbrowser import (
    NotebookServer,
    box,
    cell,
    expectText,
    login,
    output,
    shareLink,
)

T = 60_000
N = 2000
#: However long the worksheet: the cells within a few screens of the one shown (each cell is
#: about one screen tall here, with its 40 lines of output).
MAX_EDITORS = 40


def expect(*args, **kwargs):
    from playwright.sync_api import expect

    return expect(*args, **kwargs)


def code(n: int) -> str:
    return f"# cell {n}\nprint({n})"


def printed(n: int) -> str:
    """What cell ``n`` printed when the worksheet was stored: 40 lines, about 4 KB."""
    return "".join(f"{n}: line {j} " + "." * 90 + "\n" for j in range(40))


@pytest.fixture
def longSheet(tmp_path):
    """``longSheet(n) -> (server, url)``: a server whose data directory holds a worksheet of
    ``n`` cells, each run once and showing what it printed."""
    servers = []

    def make(n: int = N):
        data = tmp_path / f"data{len(servers)}"
        data.mkdir(mode=0o700)
        cells = [(code(i), [{"type": "stream", "name": "stdout", "text": printed(i)}])
                 for i in range(1, n + 1)]
        worksheetId = write_worksheet(data / "athena.sqlite", "A long worksheet", cells)
        server = NotebookServer(data).start()
        servers.append(server)
        return server, f"{server.origin}/worksheets/{worksheetId}/"

    yield make
    for server in servers:
        server.stop()


def person(browser, server, url, watch=None):
    context = browser.new_context()
    context.set_default_timeout(T)
    page = context.new_page()
    seen = watch(page) if watch else None
    login(page, server)
    page.goto(url)
    # A generous wait: the machine these run on may be busy with other work.
    expect(page.get_by_role("main")).not_to_have_attribute("aria-busy", "true", timeout=3 * T)
    return page, seen


def editors(page) -> int:
    return page.locator(".cm-editor").count()


def hasEditor(page, n: int, count: int = 1) -> None:
    expect(cell(page, n).locator(".cm-editor")).to_have_count(count, timeout=T)


def test_only_the_cells_near_the_screen_have_an_editor_and_their_outputs(browser, longSheet,
                                                                          watch):
    server, url = longSheet()
    page, seen = person(browser, server, url, watch)
    hasEditor(page, 1)
    expect(output(page, 1)).to_contain_text("1: line 39")  # carried by the page
    assert 0 < editors(page) <= MAX_EDITORS
    # The last cell: its text, in a text box of the editor's name, but no editor, no outputs.
    hasEditor(page, N, 0)
    expect(box(page, N)).to_have_text(code(N))
    expect(output(page, N)).to_be_empty()
    expect(output(page, N)).to_have_attribute("data-deferred", "true")
    # Scrolled to the end, the last cells get theirs; the first ones go to sleep.
    cell(page, N).scroll_into_view_if_needed()
    hasEditor(page, N)
    expect(output(page, N)).to_contain_text(f"{N}: line 39", timeout=T)
    expectText(page, N, code(N), timeout=T)
    hasEditor(page, 1, 0)
    assert 0 < editors(page) <= MAX_EDITORS
    # And back: the first cell wakes again, as it was.
    cell(page, 1).scroll_into_view_if_needed()
    hasEditor(page, 1)
    expectText(page, 1, code(1), timeout=T)
    hasEditor(page, N, 0)
    assert editors(page) <= MAX_EDITORS
    seen.assertClean()


def test_an_edit_reaches_a_cell_without_an_editor_and_is_there_once_it_has_one(browser,
                                                                                 longSheet):
    server, url = longSheet()
    first, _ = person(browser, server, url)
    second, _ = person(browser, server, url)
    n = 1500
    cell(second, n).scroll_into_view_if_needed()
    box(second, n).click()
    box(second, n).press("Control+End")
    box(second, n).press_sequentially(" # seen?")
    want = code(n) + " # seen?"
    # The first person's cell n is far from their screen: no editor, and the text is there.
    expectText(first, n, want, timeout=T)
    hasEditor(first, n, 0)
    # They scroll there: the editor shows that text, with the other person's caret.
    cell(first, n).scroll_into_view_if_needed()
    hasEditor(first, n)
    expectText(first, n, want, timeout=T)
    expect(cell(first, n).locator(".nb-peer-caret")).to_have_text("Owner", timeout=T)
    # And they edit on together.
    box(first, n).click()
    box(first, n).press("Control+End")
    box(first, n).press_sequentially(" yes")
    expectText(second, n, want + " yes", timeout=T)
    expectText(first, n, want + " yes", timeout=T)


def test_the_keyboard_moves_into_cells_without_an_editor_and_makes_theirs(browser, longSheet):
    server, url = longSheet()
    page, _ = person(browser, server, url)
    # Tab from one cell's editor (after Escape) and its buttons into the next cell's editor.
    box(page, 1).click()
    page.keyboard.press("Escape")
    for _ in range(8):
        page.keyboard.press("Tab")
        if cell(page, 2).evaluate("(c) => c.contains(document.activeElement)"):
            break
    expect(box(page, 2)).to_be_focused()
    hasEditor(page, 2)
    # A far cell's text box, focused as Tab or a screen reader's cursor does: the editor is
    # made there, with the focus in it, and takes the keys.
    n = 1200
    hasEditor(page, n, 0)
    box(page, n).focus()
    hasEditor(page, n)
    expect(box(page, n)).to_be_focused()
    page.keyboard.press("Control+End")
    page.keyboard.type("  # here")
    expectText(page, n, code(n) + "  # here", timeout=T)
    # Shift+Enter runs it and moves on into the next cell.
    page.keyboard.press("Shift+Enter")
    expect(box(page, n + 1)).to_be_focused(timeout=T)
    hasEditor(page, n + 1)
    expect(output(page, n)).to_have_text(str(n), timeout=T)


def test_run_all_reaches_cells_whose_outputs_the_page_has_not_fetched(browser, longSheet):
    n = 150  # the page carries the outputs of the first few dozen
    server, url = longSheet(n)
    owner, _ = person(browser, server, url)
    expect(output(owner, n)).to_have_attribute("data-deferred", "true")
    carla = owner.context.browser.new_context().new_page()
    carla.context.set_default_timeout(T)
    carla.goto(server.origin + shareLink(owner, url, "collaborator"))
    carla.get_by_label("Your name").fill("Carla")
    carla.get_by_role("button", name="Join").click()
    expect(carla.get_by_role("main")).not_to_have_attribute("aria-busy", "true", timeout=3 * T)
    carla.get_by_role("button", name="Run all").click()
    # The owner's last cell is told of its run (not of its outputs) while far away...
    expect(cell(owner, n).locator(".nb-state")).to_have_text("done · Carla", timeout=60_000)
    expect(output(owner, n)).to_have_attribute("data-deferred", "true")
    # ...and shows what it printed this time once it is near.
    cell(owner, n).scroll_into_view_if_needed()
    expect(output(owner, n)).to_have_text(str(n), timeout=T)
    expect(output(carla, 1)).to_have_text("1")
