"""Jupyter's command mode, in a real Chromium (js/athena_nb/commandmode.js): after Escape in a
cell, A and B add a cell above or below, D D deletes it, J/K and the arrows go from cell to
cell, Enter edits again, Z brings a deleted cell back, and no other key types into the code.
"""

from __future__ import annotations

import re

from tests.support.notebookbrowser import box, cell, expectText, newWorksheet, typeInto

T = 20_000


def expect(*args, **kwargs):
    from playwright.sync_api import expect

    return expect(*args, **kwargs)


def cells(page):
    return page.locator(".nb-cell")


def inCommandMode(page, n: int):
    expect(cell(page, n)).to_have_attribute("data-mode", "command", timeout=T)


def test_escape_b_adds_a_cell_below_and_d_d_deletes_it_typing_nothing(page):
    newWorksheet(page)
    typeInto(page, 1, "x = 1")
    box(page, 1).press("Escape")
    inCommandMode(page, 1)
    page.keyboard.press("b")
    expect(cells(page)).to_have_count(2, timeout=T)
    inCommandMode(page, 2)  # the new cell, below, as in Jupyter
    page.keyboard.press("d")
    page.keyboard.press("d")
    expect(cells(page)).to_have_count(1, timeout=T)
    inCommandMode(page, 1)
    page.keyboard.press("a")
    expect(cells(page)).to_have_count(2, timeout=T)
    inCommandMode(page, 1)  # the new cell, above
    expectText(page, 2, "x = 1")
    expectText(page, 1, "")


def test_other_keys_are_held_back_with_a_hint_and_enter_edits_again(page):
    newWorksheet(page)
    typeInto(page, 1, "range(n)")
    box(page, 1).press("Escape")
    for key in ("q", "Backspace", "w", "Delete", "Escape"):
        page.keyboard.press(key)
    expect(page.locator(".nb-hint")).to_have_text(re.compile("^Command mode"))
    expectText(page, 1, "range(n)")
    page.keyboard.press("Enter")  # no new line: back to editing
    expect(cell(page, 1)).not_to_have_attribute("data-mode", "command")
    page.keyboard.press("End")
    page.keyboard.type(" + 1")
    expectText(page, 1, "range(n) + 1")


def test_arrows_and_j_k_go_from_cell_to_cell(page):
    newWorksheet(page)
    for _ in range(2):
        page.get_by_role("button", name="Add cell").click()
    expect(cells(page)).to_have_count(3, timeout=T)
    box(page, 1).click()
    box(page, 1).press("Escape")
    page.keyboard.press("ArrowDown")
    inCommandMode(page, 2)
    page.keyboard.press("j")
    inCommandMode(page, 3)
    page.keyboard.press("j")  # the last: it stays
    inCommandMode(page, 3)
    page.keyboard.press("k")
    inCommandMode(page, 2)
    page.keyboard.press("ArrowUp")
    inCommandMode(page, 1)
    expect(cell(page, 2)).not_to_have_attribute("data-mode", "command")
    page.keyboard.press("Enter")
    page.keyboard.type("first")
    expectText(page, 1, "first")


def test_m_and_y_convert_and_z_brings_the_deleted_cell_back(page):
    newWorksheet(page)
    typeInto(page, 1, "*note*")
    page.get_by_role("button", name="Add cell").click()
    typeInto(page, 2, "y = 2")
    box(page, 1).click()
    box(page, 1).press("Escape")
    page.keyboard.press("m")
    expect(cell(page, 1)).to_have_attribute("data-kind", "text", timeout=T)
    page.keyboard.press("y")
    expect(cell(page, 1)).to_have_attribute("data-kind", "code", timeout=T)
    page.keyboard.press("j")
    page.keyboard.press("d")
    page.keyboard.press("d")
    expect(cells(page)).to_have_count(1, timeout=T)
    page.keyboard.press("z")
    expect(cells(page)).to_have_count(2, timeout=T)
    expectText(page, 2, "y = 2")
    inCommandMode(page, 2)  # as in Jupyter: a key after Z is a command, not text
    page.keyboard.press("q")
    expectText(page, 2, "y = 2")
    # D D Z at once: the Z waits for the deletion's answer, then brings the cell back.
    box(page, 2).click()
    box(page, 2).press("Escape")
    for key in ("d", "d", "z"):
        page.keyboard.press(key)
    expect(cells(page)).to_have_count(2, timeout=T)
    expectText(page, 2, "y = 2")
    # The Z found the deletion (it waited for it), so it never said there was none.
    assert "no deleted or joined cell" not in page.locator(".nb-hint").text_content()


def test_tab_leaves_and_an_escape_that_closed_something_is_not_command_mode(page):
    newWorksheet(page)
    typeInto(page, 1, "a = 1")
    box(page, 1).press("Escape")
    page.keyboard.press("Tab")
    expect(cell(page, 1)).not_to_have_attribute("data-mode", "command")
    expectText(page, 1, "a = 1")  # not indented
    # Ctrl-F's search panel: the Escape that closes it leaves the caret typing.
    box(page, 1).click()
    page.keyboard.press("End")
    page.keyboard.press("Control+f")
    find = cell(page, 1).get_by_role("textbox", name="Find")
    expect(find).to_be_focused()
    find.press("Escape")
    expect(find).to_have_count(0)
    page.keyboard.type("0")
    expectText(page, 1, "a = 10")
    expect(cell(page, 1)).not_to_have_attribute("data-mode", "command")


def test_the_arrows_go_past_a_cells_edge_into_the_next_and_ctrl_s_says_it_is_saved(page):
    newWorksheet(page)
    typeInto(page, 1, "a = 1\nb = 2")
    page.get_by_role("button", name="Add cell").click()
    typeInto(page, 2, "c = 3")
    box(page, 1).click()
    page.keyboard.press("Control+Home")
    page.keyboard.press("ArrowDown")  # within the cell: to its second line
    page.keyboard.press("ArrowDown")  # past its last line: the next cell's start
    page.keyboard.type("# ")
    expectText(page, 2, "# c = 3")
    expectText(page, 1, "a = 1\nb = 2")
    page.keyboard.press("ArrowUp")  # past the first line: the previous cell's end
    page.keyboard.type("!")
    expectText(page, 1, "a = 1\nb = 2!")
    page.evaluate("""() => document.addEventListener('keydown',
        (e) => { if (e.key === 's') globalThis.__prevented = e.defaultPrevented; })""")
    page.keyboard.press("Control+s")
    expect(page.locator(".nb-hint")).to_have_text(re.compile("Every change is saved as it is made"))
    assert page.evaluate("() => globalThis.__prevented") is True, "no 'Save page as'"
    expectText(page, 1, "a = 1\nb = 2!")


def test_add_cell_adds_one_below_the_cell_the_person_was_in(page):
    newWorksheet(page)
    typeInto(page, 1, "first")
    page.get_by_role("button", name="Add cell").click()  # below cell 1: the end
    typeInto(page, 2, "last")
    box(page, 1).click()
    page.get_by_role("button", name="Add cell").click()
    expect(cells(page)).to_have_count(3, timeout=T)
    expect(box(page, 2)).to_be_focused()
    expectText(page, 1, "first")
    expectText(page, 2, "")
    expectText(page, 3, "last")


def test_a_hide_cell_is_passed_over_and_a_rendered_text_cell_passes_the_arrows_on(page):
    """A `%hide` cell's input takes no focus: command mode's J and the arrows go past it, and
    no key falls into the cell before; from a rendered text cell the arrows go on too."""
    newWorksheet(page)
    typeInto(page, 1, "top = 1")
    page.get_by_role("button", name="Add cell").click()
    typeInto(page, 2, "%hide\nhidden = 2")
    page.get_by_role("button", name="Add cell").click()
    typeInto(page, 3, "*note*")
    box(page, 3).press("Shift+Enter")  # run: a new cell 4
    expect(cells(page)).to_have_count(4, timeout=T)
    box(page, 3).click()
    box(page, 3).press("Escape")
    page.keyboard.press("m")
    expect(cell(page, 3)).to_have_attribute("data-kind", "text", timeout=T)
    page.keyboard.press("Control+Enter")  # shown rendered
    expect(box(page, 2)).to_be_hidden(timeout=T)  # the %hide cell's input is folded
    box(page, 1).click()
    box(page, 1).press("Escape")
    page.keyboard.press("j")
    inCommandMode(page, 3)  # past the folded cell
    page.keyboard.press("d")
    expectText(page, 1, "top = 1")
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")  # the rendered text cell: edit... then render it again
    box(page, 3).press("Control+Enter")
    cell(page, 3).locator(".nb-md").focus()
    page.keyboard.press("ArrowDown")
    expect(box(page, 4)).to_be_focused()
    page.keyboard.press("ArrowUp")  # back up, past the rendered cell? no: into it
    expect(cell(page, 3).locator(".nb-md")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(box(page, 1)).to_be_focused()  # past the folded cell


def test_o_hides_the_output_and_i_i_interrupts_and_0_0_restarts_asking_first(page):
    from tests.support.notebookbrowser import output, runCell

    newWorksheet(page)
    runCell(page, 1, "x = 6 * 7\nx")
    expect(output(page, 1)).to_have_text("42", timeout=T)
    box(page, 1).press("Escape")
    inCommandMode(page, 1)
    page.keyboard.press("o")
    expect(cell(page, 1)).to_have_attribute("data-output", "hidden")
    page.keyboard.press("o")
    expect(cell(page, 1)).not_to_have_attribute("data-output", "hidden")
    runCell(page, 2, "import time\ntime.sleep(60)")
    expect(cell(page, 2)).to_have_attribute("data-state", "running", timeout=T)
    box(page, 2).click()
    box(page, 2).press("Escape")
    inCommandMode(page, 2)
    page.keyboard.press("i")
    page.keyboard.press("i")
    expect(cell(page, 2)).to_have_attribute("data-state", "interrupted", timeout=T)
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.keyboard.press("0")
    page.keyboard.press("0")
    expect(page.get_by_role("status").filter(has_text="Kernel: idle")).to_be_visible(timeout=T)
    runCell(page, 3, "'x' in globals()", keys="Control+Enter")
    expect(output(page, 3)).to_have_text("False", timeout=T)
    assert asked == ["Restart the kernel? Every variable it holds is lost."]
    expectText(page, 2, "import time\ntime.sleep(60)")  # no key typed into the code
