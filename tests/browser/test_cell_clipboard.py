"""Copying, cutting and pasting cells, joining and moving them, from command mode, from the
cell's menu and by dragging, in a real Chromium (js/athena_nb/cellclipboard.js,
athena_nb/paste.py, js/athena_nb/dragcells.js)."""

from __future__ import annotations

import re

from tests.support.notebookbrowser import box, cell, expectText, newWorksheet, typeInto

T = 20_000


def expect(*args, **kwargs):
    from playwright.sync_api import expect

    return expect(*args, **kwargs)


def cells(page):
    return page.locator(".nb-cell")


def expectTexts(page, expected: list[str]) -> None:
    """Until the cells read ``expected``, in order (a move lands after its key)."""
    expect(cells(page)).to_have_count(len(expected), timeout=T)
    for n, text in enumerate(expected, 1):
        expectText(page, n, text)


def inCommandMode(page, n: int):
    expect(cell(page, n)).to_have_attribute("data-mode", "command", timeout=T)


def addCell(page, n: int, text: str, typist=None):
    """Add cell ``n`` with its button and type ``text`` into it (as ``typist``, if another
    person's page)."""
    page.get_by_role("button", name="Add cell").click()
    typeInto(typist or page, n, text)
    expectText(page, n, text)


def twoCells(page):
    newWorksheet(page)
    typeInto(page, 1, "a = 1")
    addCell(page, 2, "b = 2")


def test_x_cuts_v_pastes_below_and_shift_v_above_staying_in_command_mode(page):
    twoCells(page)
    box(page, 2).press("Escape")
    page.keyboard.press("x")
    expectTexts(page, ["a = 1"])
    inCommandMode(page, 1)
    page.keyboard.press("v")
    expectTexts(page, ["a = 1", "b = 2"])
    inCommandMode(page, 2)  # the pasted cell, as in Jupyter
    page.keyboard.press("Shift+V")
    expectTexts(page, ["a = 1", "b = 2", "b = 2"])
    inCommandMode(page, 2)
    # A cut cell comes back with Z too: it is a deletion.
    page.keyboard.press("x")
    expect(cells(page)).to_have_count(2, timeout=T)
    page.keyboard.press("z")
    expectTexts(page, ["a = 1", "b = 2", "b = 2"])


def test_shift_m_joins_the_next_cell_and_ctrl_shift_arrows_move_the_cell(page):
    twoCells(page)
    addCell(page, 3, "c = 3")
    box(page, 1).click()
    box(page, 1).press("Escape")
    page.keyboard.press("Shift+M")
    expectTexts(page, ["a = 1\nb = 2", "c = 3"])
    inCommandMode(page, 1)
    page.keyboard.press("Control+Shift+ArrowDown")
    expectTexts(page, ["c = 3", "a = 1\nb = 2"])
    inCommandMode(page, 2)  # the moved cell keeps command mode
    page.keyboard.press("Control+Shift+ArrowUp")
    expectTexts(page, ["a = 1\nb = 2", "c = 3"])
    inCommandMode(page, 1)
    page.keyboard.press("z")  # the join is undone: the cells are two again
    expectTexts(page, ["a = 1", "b = 2", "c = 3"])
    inCommandMode(page, 1)  # still in the cell the other was joined to


def test_cells_copied_in_one_worksheet_paste_into_another_with_their_kind(page):
    newWorksheet(page)
    typeInto(page, 1, "# Method")
    box(page, 1).press("Escape")
    page.keyboard.press("m")
    expect(cell(page, 1)).to_have_attribute("data-kind", "text", timeout=T)
    page.keyboard.press("c")
    expect(page.locator(".nb-hint")).to_have_text(re.compile("^Cell copied"), timeout=T)
    page.goto(page.url.split("/worksheets/")[0] + "/")
    newWorksheet(page)
    typeInto(page, 1, "x = 1")
    box(page, 1).press("Escape")
    page.keyboard.press("Shift+V")
    expect(cells(page)).to_have_count(2, timeout=T)
    pasted = cell(page, 1)
    expect(pasted).to_have_attribute("data-kind", "text", timeout=T)
    expect(pasted.get_by_role("heading", name="Method")).to_be_visible(timeout=T)
    expectText(page, 2, "x = 1")


def test_the_cell_menu_copies_and_pastes_and_says_when_there_is_nothing_to_paste(page):
    newWorksheet(page)
    page.evaluate("localStorage.clear()")
    typeInto(page, 1, "z = 26")
    menu = cell(page, 1).get_by_role("button", name=re.compile("More"))
    menu.click()
    cell(page, 1).get_by_role("button", name=re.compile("^Paste below")).click()
    expect(page.locator(".nb-hint")).to_have_text(re.compile("^No cells to paste"), timeout=T)
    menu.click()
    cell(page, 1).get_by_role("button", name=re.compile("^Copy cell")).click()
    expect(page.locator(".nb-hint")).to_have_text(re.compile("^Cell copied: Esc then V"), timeout=T)
    menu.click()
    cell(page, 1).get_by_role("button", name=re.compile("^Paste below")).click()
    expectTexts(page, ["z = 26", "z = 26"])


def test_a_cell_dragged_by_its_gutter_moves_for_everyone(three):
    owner, carla, vic = three
    typeInto(owner, 1, "first")
    for n, text in ((2, "second"), (3, "third")):
        addCell(owner, n, text)
    expectTexts(carla, ["first", "second", "third"])
    expect(cell(vic, 1).locator(".nb-cell-gutter")).not_to_have_attribute("draggable", "true")
    gutter = cell(owner, 1).locator(".nb-cell-gutter")
    target = cell(owner, 3)
    box3 = target.bounding_box()
    # Dropped on the lower half of the third cell: below it.
    gutter.drag_to(target, target_position={"x": 40, "y": box3["height"] - 5})
    expectTexts(owner, ["second", "third", "first"])
    expectTexts(carla, ["second", "third", "first"])
    expect(owner.locator(".nb-cell[data-drop], .nb-cell[data-dragging]")).to_have_count(0)
    # On the upper half of the first cell: above it.
    gutter = cell(owner, 3).locator(".nb-cell-gutter")
    gutter.drag_to(cell(owner, 1), target_position={"x": 40, "y": 5})
    expectTexts(carla, ["first", "second", "third"])
    # Under the last cell (on the line of keys): to the end.
    cell(owner, 1).locator(".nb-cell-gutter").drag_to(owner.locator(".nb-keys"))
    expectTexts(carla, ["second", "third", "first"])
    expect(cell(vic, 1).locator(".nb-cell-gutter")).not_to_have_attribute("draggable", "true")


def test_cutting_the_last_cell_leaves_an_empty_one_in_command_mode_and_ctrl_letters_act(page):
    """As in JupyterLab: the worksheet keeps a cell, and Ctrl with C, X, V or Z in command mode
    does what the letter does; Ctrl-A selects every cell (one here). Shift-M on the last cell
    only says why."""
    newWorksheet(page)
    typeInto(page, 1, "only = 1")
    box(page, 1).press("Escape")
    page.keyboard.press("Shift+M")
    expect(page.locator(".nb-hint")).to_have_text(re.compile("^This is the last cell"), timeout=T)
    page.keyboard.press("Control+a")
    page.keyboard.press("d")
    page.keyboard.press("d")
    expectTexts(page, [""])  # the only cell deleted: an empty one in its place
    inCommandMode(page, 1)
    page.keyboard.press("Control+z")
    expectTexts(page, ["only = 1", ""])
    inCommandMode(page, 1)
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    expectTexts(page, ["only = 1", "only = 1", ""])
    inCommandMode(page, 2)
    page.keyboard.press("Control+x")
    expectTexts(page, ["only = 1", ""])
    inCommandMode(page, 2)


def test_a_cell_removed_under_someones_caret_keeps_their_text_for_a_paste(three):
    owner, carla, vic = three
    typeInto(owner, 1, "a = 1")
    addCell(owner, 2, "carla_was_here = 2", typist=carla)
    box(owner, 2).click()
    box(owner, 2).press("Escape")
    owner.keyboard.press("d")
    owner.keyboard.press("d")
    expectTexts(carla, ["a = 1"])
    expect(carla.locator(".nb-hint")).to_have_text(
        re.compile("^Someone else removed the cell you were in; its text"), timeout=T)
    expect(owner.locator(".nb-hint")).not_to_contain_text("Someone else")  # their own doing
    box(carla, 1).click()
    box(carla, 1).press("Escape")
    carla.keyboard.press("v")
    expectTexts(owner, ["a = 1", "carla_was_here = 2"])
