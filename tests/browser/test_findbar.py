"""Find in worksheet, in a real Chromium (js/athena_nb/findbar.js): every cell's input searched,
"n of m", next and previous, the match selected in its cell; Replace and Replace all for those
who edit, seen by the others; finding only, for a viewer."""

from __future__ import annotations

from tests.support.notebookbrowser import box, expectText, selectionOf, toolbarMenu, typeInto

T = 20_000


def expect(*args, **kwargs):
    from playwright.sync_api import expect

    return expect(*args, **kwargs)


def bar(page):
    return page.get_by_role("search", name="Find in worksheet")


def test_find_goes_from_match_to_match_and_replace_all_reaches_everyone(three):
    owner, carla, vic = three
    texts = ["total = 0", "for x in range(3):\n    total += x", "print(Total)"]
    typeInto(owner, 1, texts[0])
    for n, text in ((2, texts[1]), (3, texts[2])):
        owner.get_by_role("button", name="Add cell").click()
        typeInto(owner, n, text)
    expectText(carla, 3, texts[2])
    box(owner, 1).press("Control+Shift+F")
    find = bar(owner).get_by_role("searchbox", name="Find")
    expect(find).to_be_focused()
    find.fill("total")
    count = bar(owner).get_by_role("status")
    expect(count).to_have_text("1 of 3")
    find.press("Enter")
    expect(count).to_have_text("2 of 3")
    assert selectionOf(owner, 2) == (23, 28), "the match, selected in its cell"
    find.press("Enter")
    expect(count).to_have_text("3 of 3")  # case aside: print(Total)
    find.press("Enter")
    expect(count).to_have_text("1 of 3")  # round the worksheet
    find.press("Shift+Enter")
    expect(count).to_have_text("3 of 3")
    bar(owner).get_by_role("button", name="Match case").click()  # match case
    expect(count).to_have_text("1 of 2")
    bar(owner).get_by_role("textbox", name="Replace with").fill("s")
    bar(owner).get_by_role("button", name="Replace all").click()
    expect(count).to_have_text("Replaced 2")
    for page in (owner, carla):
        expectText(page, 1, "s = 0")
        expectText(page, 2, "for x in range(3):\n    s += x")
        expectText(page, 3, "print(Total)")
    find.fill("Total")
    expect(count).to_have_text("1 of 1")
    find.press("Escape")
    expect(bar(owner)).to_be_hidden()
    expect(box(owner, 3)).to_be_focused()  # the caret at the match
    assert selectionOf(owner, 3) == (6, 11)


def test_a_viewer_finds_but_does_not_replace(three):
    owner, carla, vic = three
    typeInto(owner, 1, "answer = 42")
    expectText(vic, 1, "answer = 42")
    toolbarMenu(vic)
    vic.get_by_role("button", name="Find in worksheet").click()
    bar(vic).get_by_role("searchbox", name="Find").fill("42")
    expect(bar(vic).get_by_role("status")).to_have_text("1 of 1")
    expect(bar(vic).get_by_role("textbox", name="Replace with")).to_have_count(0)
    # Ctrl+F outside the cells opens it too (in a cell, Ctrl+F searches that cell).
    bar(vic).get_by_role("button", name="Close find").click()
    expect(bar(vic)).to_be_hidden()
    vic.mouse.click(5, 5)  # the page itself, no cell
    vic.keyboard.press("Control+f")
    expect(bar(vic)).to_be_visible()
