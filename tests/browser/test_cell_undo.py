"""Bringing a deleted cell back, in a real Chromium, two people on one worksheet: the one who
deleted it undoes the deletion (the notice's Undo button, Escape then Z, Ctrl-Z outside a text
field) and both see the cell back at its place with its source, kind and outputs; Ctrl-Z in
the page never reverts the worksheet's title when the title is not focused.
"""

from __future__ import annotations

import re

from tests.support.notebookbrowser import box, cell, expectText, output, runCell, textOf, typeInto

T = 20_000


def expect():
    from playwright.sync_api import expect

    return expect


def cellTexts(page):
    n = page.get_by_role("group", name=re.compile(r"^Cell \d+$")).count()
    return [textOf(page, i) for i in range(1, n + 1)]


def threeCells(owner, carla):
    runCell(owner, 1, "print('one')")
    expect()(output(owner, 1)).to_have_text("one", timeout=T)
    runCell(owner, 2, "'two'")
    expect()(output(owner, 2)).to_have_text("'two'", timeout=T)
    typeInto(owner, 3, "three = 3")
    for page in (owner, carla):
        expectText(page, 3, "three = 3")
        expect()(output(page, 2)).to_have_text("'two'", timeout=T)


def delete(page, n):
    cell(page, n).get_by_role("button", name="Delete cell").click()


def test_the_notice_brings_a_deleted_cell_back_with_its_outputs_for_everyone(three):
    owner, carla, vic = three
    threeCells(owner, carla)
    delete(owner, 2)
    for page in (owner, carla, vic):
        expect()(cell(page, 3)).to_have_count(0, timeout=T)
    notice = owner.get_by_role("status").filter(has_text="Cell deleted")
    expect()(notice).to_be_visible()
    expect()(carla.get_by_role("status").filter(has_text="Cell deleted")).to_have_count(0)
    notice.get_by_role("button", name=re.compile("^Undo")).click()
    for page in (owner, carla, vic):
        expect()(cell(page, 3)).to_be_visible(timeout=T)
        expectText(page, 2, "'two'")
        expect()(output(page, 2)).to_have_text("'two'")
        expect()(cell(page, 2)).to_have_attribute("data-state", "done")
        expect()(cell(page, 2).locator(".nb-count")).to_have_text("[2]")
        assert cellTexts(page) == ["print('one')", "'two'", "three = 3"]
    expect()(notice).to_be_hidden()
    expect()(box(owner, 2)).to_be_focused()
    # The restored cell is a cell like any other: it runs again.
    box(owner, 2).press("Control+Enter")
    expect()(cell(carla, 2)).to_have_attribute("data-state", "done", timeout=T)
    owner.reload()
    expectText(owner, 2, "'two'")


def test_escape_then_z_and_ctrl_z_undo_deletions_and_never_the_title(three):
    owner, carla, vic = three
    threeCells(owner, carla)
    title = owner.get_by_role("textbox", name="Worksheet title")
    title.fill("Kept title")
    title.press("Enter")
    expect()(owner.get_by_role("status").filter(has_text="Saved")).to_be_visible(timeout=T)
    expect()(carla.get_by_role("textbox", name="Worksheet title")).to_have_value("Kept title", timeout=T)
    # A text cell, deleted from the keyboard's side: Escape then Z brings it back as text.
    box(owner, 1).click()
    box(owner, 1).press("Escape")
    box(owner, 1).press("m")
    expect()(cell(carla, 1)).to_have_attribute("data-kind", "text", timeout=T)
    delete(owner, 1)
    expect()(cell(carla, 3)).to_have_count(0, timeout=T)
    # The owner's own page has the deletion too (its notice says so) before the keys come: a
    # Z pressed before the server answered the delete would have nothing to bring back.
    expect()(owner.get_by_role("status").filter(has_text="Cell deleted")).to_be_visible(timeout=T)
    owner.keyboard.press("Escape")
    owner.keyboard.press("z")
    for page in (owner, carla):
        expect()(cell(page, 3)).to_be_visible(timeout=T)
        expect()(cell(page, 1)).to_have_attribute("data-kind", "text")
        expect()(cell(page, 1).get_by_label("Text cell")).to_have_text("print('one')")
        expectText(page, 2, "'two'")
        expectText(page, 3, "three = 3")
    # Ctrl-Z with the focus outside any text field: the deletion, not the title's typing.
    delete(owner, 3)
    expect()(cell(carla, 3)).to_have_count(0, timeout=T)
    owner.locator("body").click(position={"x": 5, "y": 5})
    owner.keyboard.press("Control+z")
    for page in (owner, carla):
        expect()(cell(page, 3)).to_be_visible(timeout=T)
        expectText(page, 3, "three = 3")
        expect()(page.get_by_role("textbox", name="Worksheet title")).to_have_value("Kept title")
    # Nothing left to bring back: Ctrl-Z outside a field still leaves the title alone.
    owner.locator("body").click(position={"x": 5, "y": 5})
    owner.keyboard.press("Control+z")
    expect()(owner.get_by_role("status").filter(has_text="no deleted or joined cell")).to_be_visible()
    expect()(title).to_have_value("Kept title")
    expect()(cell(owner, 3)).to_be_visible()
    expect()(cell(owner, 4)).to_have_count(0)
    # In the title itself, Ctrl-Z is the title's own undo.
    title.click()
    title.press("End")
    title.press_sequentially("!")
    title.press("Control+z")
    expect()(title).to_have_value("Kept title")
