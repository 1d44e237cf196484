"""Several cells selected in command mode, in a real Chromium (js/athena_nb/cellselection.js,
manycells.js): Shift-J/K, Shift-arrows, a Shift-click and Ctrl-A select; C copies them all and
V pastes them all, D D deletes them and one Z brings them all back in their order, Shift-M
joins them, Y makes them code, Ctrl-Shift-↑ moves them together, Shift-Enter runs them all
and goes on, Escape leaves one cell selected; a second person sees each change.
"""

from __future__ import annotations

import re

from tests.browser.test_cell_clipboard import addCell, cells, expect, expectTexts, inCommandMode
from tests.support.notebookbrowser import box, cell, newWorksheet, output, typeInto

T = 20_000


def selected(page) -> list[int]:
    """The numbers (from 1) of the cells marked selected."""
    return page.evaluate("""() => [...document.querySelectorAll('.nb-cell')]
        .map((c, i) => c.dataset.selected === 'true' ? i + 1 : 0).filter(Boolean)""")


def expectSelected(page, numbers: list[int]) -> None:
    for n in range(1, cells(page).count() + 1):
        marked = expect(cell(page, n))
        if n in numbers:
            marked.to_have_attribute("data-selected", "true", timeout=T)
        else:
            marked.not_to_have_attribute("data-selected", "true", timeout=T)


def escapeIn(page, n: int) -> None:
    """Command mode in cell ``n``: a click into it, then Escape."""
    box(page, n).click()
    box(page, n).press("Escape")


def fourCells(page, texts=("a = 1", "b = 2", "c = 3", "d = 4"), new=True):
    """Four cells holding ``texts``, in a new worksheet (unless ``new`` is false: the page's)."""
    if new:
        newWorksheet(page)
    typeInto(page, 1, texts[0])
    for n, text in enumerate(texts[1:], 2):
        addCell(page, n, text)


def test_shift_j_selects_c_and_v_copy_them_all_d_d_deletes_them_and_z_brings_all_back(three):
    owner, carla, vic = three
    fourCells(owner, new=False)
    escapeIn(owner, 2)
    owner.keyboard.press("Shift+J")
    owner.keyboard.press("Shift+ArrowDown")
    expectSelected(owner, [2, 3, 4])
    inCommandMode(owner, 4)
    expect(owner.locator(".nb-hint")).to_have_text(re.compile("^3 cells selected"), timeout=T)
    owner.keyboard.press("c")
    expect(owner.locator(".nb-hint")).to_have_text(re.compile("^3 cells copied"), timeout=T)
    owner.keyboard.press("Escape")  # one cell again
    expectSelected(owner, [])
    inCommandMode(owner, 4)
    owner.keyboard.press("v")
    expectTexts(carla, ["a = 1", "b = 2", "c = 3", "d = 4", "b = 2", "c = 3", "d = 4"])
    inCommandMode(owner, 7)
    owner.keyboard.press("Shift+K")
    owner.keyboard.press("Shift+K")
    expectSelected(owner, [5, 6, 7])
    owner.keyboard.press("d")
    owner.keyboard.press("d")
    expectTexts(vic, ["a = 1", "b = 2", "c = 3", "d = 4"])
    inCommandMode(owner, 4)
    owner.keyboard.press("z")
    expectTexts(vic, ["a = 1", "b = 2", "c = 3", "d = 4", "b = 2", "c = 3", "d = 4"])
    expectTexts(owner, ["a = 1", "b = 2", "c = 3", "d = 4", "b = 2", "c = 3", "d = 4"])


def test_shift_enter_runs_the_selected_cells_and_goes_on_past_them(page):
    fourCells(page, ("x = 1", "y = x + 1", "y * 10", "'after'"))
    escapeIn(page, 1)
    page.keyboard.press("Shift+J")
    page.keyboard.press("Shift+J")
    expectSelected(page, [1, 2, 3])
    page.keyboard.press("Shift+Enter")
    expect(output(page, 3)).to_contain_text("20", timeout=T)
    expect(output(page, 4)).to_have_text("")  # not selected: not run
    expectSelected(page, [])
    expect(cell(page, 4).locator(".cm-content")).to_be_focused()  # editing the cell after
    page.keyboard.type("  # next")
    expect(cell(page, 4).locator(".cm-content")).to_contain_text("'after'  # next")


def test_ctrl_shift_up_moves_the_selection_shift_click_selects_and_shift_m_joins(page):
    fourCells(page)
    escapeIn(page, 1)
    page.keyboard.press("Shift+J")
    page.keyboard.press("Control+Shift+ArrowUp")  # at the top already: nothing moves
    expect(page.locator(".nb-hint")).to_have_text("The cells are at the top already.", timeout=T)
    expectTexts(page, ["a = 1", "b = 2", "c = 3", "d = 4"])
    expectSelected(page, [1, 2])
    escapeIn(page, 3)
    page.keyboard.press("Shift+ArrowDown")
    expectSelected(page, [3, 4])
    page.keyboard.press("Control+Shift+ArrowUp")
    expectTexts(page, ["a = 1", "c = 3", "d = 4", "b = 2"])
    expectSelected(page, [2, 3])  # they stay selected, and so may move again
    page.keyboard.press("Control+Shift+ArrowUp")
    expectTexts(page, ["c = 3", "d = 4", "a = 1", "b = 2"])
    expectSelected(page, [1, 2])
    page.keyboard.press("Escape")
    inCommandMode(page, 2)
    page.keyboard.press("Enter")  # editing it; a Shift-click selects from there too
    box(page, 4).click(modifiers=["Shift"])
    expectSelected(page, [2, 3, 4])
    inCommandMode(page, 4)
    page.evaluate("""() => {
      window.hintsSeen = [];
      const hint = document.querySelector('.nb-hint');
      new MutationObserver(() => window.hintsSeen.push(hint.textContent)).observe(
        hint, {childList: true, characterData: true, subtree: true});
    }""")
    page.keyboard.press("Shift+M")
    expectTexts(page, ["c = 3", "d = 4\na = 1\nb = 2"])
    inCommandMode(page, 2)
    expectSelected(page, [])
    expect(page.locator(".nb-undo")).to_contain_text("3 cells joined — Undo")
    # The cells went by this person's join: no hint ever said someone else removed them.
    assert not [h for h in page.evaluate("() => window.hintsSeen") if "Someone else" in h]
    page.keyboard.type("0")  # held back; then an edit in the joined text, by the person
    page.keyboard.press("Enter")
    page.keyboard.press("End")
    page.keyboard.type("0")
    expectTexts(page, ["c = 3", "d = 40\na = 1\nb = 2"])
    box(page, 2).press("Escape")
    page.keyboard.press("z")  # one Z separates all three again, with the edit
    expectTexts(page, ["c = 3", "d = 40", "a = 1", "b = 2"])
    expect(cell(page, 2).locator(".cm-content")).to_be_focused()  # where they were joined to


def test_ctrl_a_selects_every_cell_and_m_makes_them_all_text_then_y_code(page):
    fourCells(page)
    escapeIn(page, 2)
    page.keyboard.press("Control+a")
    expectSelected(page, [1, 2, 3, 4])
    page.keyboard.press("m")
    for n in range(1, 5):
        expect(cell(page, n)).to_have_attribute("data-kind", "text", timeout=T)
    expectSelected(page, [1, 2, 3, 4])
    page.keyboard.press("y")
    for n in range(1, 5):
        expect(cell(page, n)).to_have_attribute("data-kind", "code", timeout=T)
    page.keyboard.press("ArrowDown")  # any other key: one cell again, and it acts
    expectSelected(page, [])
    inCommandMode(page, 3)


def test_ctrl_enter_runs_the_selection_in_place_o_hides_their_outputs_x_cuts_them(page):
    fourCells(page, ("print('one')", "print('two')", "print('three')", "'four'"))
    escapeIn(page, 2)
    page.keyboard.press("Shift+ArrowDown")
    expectSelected(page, [2, 3])
    page.keyboard.press("Control+Enter")
    expect(output(page, 2)).to_contain_text("two", timeout=T)
    expect(output(page, 3)).to_contain_text("three", timeout=T)
    expect(output(page, 1)).to_have_text("")
    expectSelected(page, [2, 3])  # in place: still selected, still in command mode
    inCommandMode(page, 3)
    page.keyboard.press("o")
    for n in (2, 3):
        expect(output(page, n)).to_be_hidden(timeout=T)
    page.keyboard.press("o")
    for n in (2, 3):
        expect(output(page, n)).to_be_visible(timeout=T)
    page.keyboard.press("x")
    expectTexts(page, ["print('one')", "'four'"])
    expect(page.locator(".nb-undo")).to_contain_text("2 cells cut — Undo", timeout=T)
    inCommandMode(page, 2)
    page.keyboard.press("Shift+V")  # both back, above the cell below them
    expectTexts(page, ["print('one')", "print('two')", "print('three')", "'four'"])


def test_the_selection_follows_others_moves_and_a_cell_removed_under_it_passes_it_on(three):
    owner, carla, vic = three
    fourCells(owner, new=False)
    escapeIn(owner, 2)
    owner.keyboard.press("Shift+J")
    expectSelected(owner, [2, 3])
    escapeIn(carla, 4)  # Carla moves the last cell to the top
    order = ["a = 1", "b = 2", "c = 3", "d = 4"]
    for n in (3, 2, 1):
        carla.keyboard.press("Control+Shift+ArrowUp")
        order.insert(n - 1, order.pop(n))
        expectTexts(owner, order)
        inCommandMode(carla, n)
    assert order == ["d = 4", "a = 1", "b = 2", "c = 3"]
    expectSelected(owner, [3, 4])  # the marks follow: what C or D D would act on
    escapeIn(carla, 4)  # Carla deletes the cell the owner's command mode is in
    carla.keyboard.press("d")
    carla.keyboard.press("d")
    expectTexts(owner, ["d = 4", "a = 1", "b = 2"])
    expect(owner.locator(".nb-hint")).to_have_text("Someone else removed the cell you were on.",
                                                  timeout=T)
    inCommandMode(owner, 3)  # the cell above it takes command mode, and the keys
    owner.keyboard.press("b")
    expectTexts(carla, ["d = 4", "a = 1", "b = 2", ""])
