"""Help as documentation in Chromium (js/athena_nb/help.js, editor/hints.js, completions.js;
athena_nb/web/cellhelp.py): ``len?`` and Shift-Tab / F1 open the help panel beside the cell,
``name??`` shows the source highlighted, docstring mathematics is typeset, a signature hint
follows ``sorted(``, and completions show each candidate's kind."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from tests.browser.test_notebook_collab import expect
from tests.support.notebookbrowser import (
    box,
    cell,
    expectText,
    newWorksheet,
    output,
    runCell,
    typeInto,
    worksheetDir,
)

T = 20_000
ROOT = Path(__file__).resolve().parents[2]


def panel(page, n: int):
    return cell(page, n).get_by_role("dialog")


def test_name_question_mark_opens_the_help_panel_beside_the_cell(page):
    newWorksheet(page)
    runCell(page, 1, "len?")
    help_ = panel(page, 1)
    expect(help_).to_be_visible(timeout=T)
    expect(help_.get_by_role("heading", name="Help: len?")).to_be_visible()
    expect(help_).to_contain_text("Return the number of items in a container.", timeout=T)
    expect(help_.locator("pre").first).to_have_text("len(obj, /)")
    # Nothing ran: no output, no run state, no new cell; the focus stays in the cell.
    expect(cell(page, 1)).to_have_attribute("data-state", "idle")
    expect(output(page, 1)).to_have_text("")
    expect(cell(page, 2)).to_have_count(0)
    expect(box(page, 1)).to_be_focused()
    expect(page.locator(".nb-hint")).to_contain_text("Escape closes it")
    # Beside the cell, on a wide page.
    inputBox, helpBox = box(page, 1).bounding_box(), help_.bounding_box()
    assert helpBox["x"] >= inputBox["x"] + inputBox["width"] - 1, (inputBox, helpBox)
    box(page, 1).press("Escape")
    expect(help_).to_have_count(0)
    expect(box(page, 1)).to_be_focused()
    # In a cell that ran other code before, that code's output goes: it is not len?'s.
    for code in ("1/0", "len?"):  # emptied first: typing over a selection leaves Chromium
        box(page, 1).press("Control+a")  # a styled span, which the page's policy refuses
        box(page, 1).press("Backspace")
        box(page, 1).press_sequentially(code)
        if code == "1/0":
            box(page, 1).press("Control+Enter")
            expect(output(page, 1)).to_contain_text("ZeroDivisionError", timeout=T)
    box(page, 1).press("Control+Enter")
    expect(help_).to_be_visible(timeout=T)
    expect(output(page, 1)).to_have_text("", timeout=T)
    expect(cell(page, 1)).to_have_attribute("data-state", "idle")


def test_shift_tab_and_f1_on_a_name_open_help_and_escape_in_the_panel_closes_it(page):
    newWorksheet(page)
    typeInto(page, 1, "x = sorted")
    box(page, 1).press("Shift+Tab")
    help_ = panel(page, 1)
    expect(help_.get_by_role("heading", name="Help: sorted?")).to_be_visible(timeout=T)
    expect(help_).to_contain_text("Return a new list containing all items", timeout=T)
    help_.get_by_role("button", name="Close help").focus()
    page.keyboard.press("Escape")
    expect(help_).to_have_count(0)
    expect(box(page, 1)).to_be_focused()
    box(page, 1).press("Home")  # the caret on "x": F1 asks about x, which is not defined yet
    box(page, 1).press("F1")
    expect(help_).to_contain_text("Object 'x' not found.", timeout=T)
    help_.get_by_role("button", name="Close help").click()
    expect(help_).to_have_count(0)
    # Elsewhere than on a name, Shift-Tab still unindents.
    box(page, 1).press("End")
    box(page, 1).press("Enter")
    box(page, 1).press_sequentially("    ")
    box(page, 1).press("Shift+Tab")
    expect(help_).to_have_count(0)
    expectText(page, 1, "x = sorted\n")


def test_two_question_marks_show_the_source_highlighted(page):
    newWorksheet(page)
    runCell(page, 1, 'def frobnicate(a, b=2):\n    """Frob the a."""\n    return a + b',
            keys="Control+Enter")
    expect(cell(page, 1)).to_have_attribute("data-state", "done", timeout=T)
    page.get_by_role("button", name="Add cell").click()
    runCell(page, 2, "frobnicate??")
    help_ = panel(page, 2)
    expect(help_.get_by_role("heading", name="Source")).to_be_visible(timeout=T)
    source = help_.locator("pre").last
    expect(source).to_contain_text("def frobnicate(a, b=2):")
    expect(source.locator("span.k", has_text="def")).to_have_count(1)
    expect(source.locator("span.nf", has_text="frobnicate")).to_have_count(1)
    expect(help_).to_contain_text("Frob the a.")
    expect(help_).to_contain_text("<cell 1>, line 1")


def test_mathematics_and_examples_in_a_docstring_are_typeset(page):
    newWorksheet(page)
    # (one line each: blank lines typed into the editor make Chromium itself try an inline
    # style, which the page's policy refuses)
    runCell(page, 1, "def area(r): return 3.14159 * r * r\n"
                     'area.__doc__ = "The area :math:`\\\\pi r^2` of a disc.\\n\\n'
                     'EXAMPLES::\\n\\n    sage: area(1)\\n    3.14159"', keys="Control+Enter")
    expect(cell(page, 1)).to_have_attribute("data-state", "done", timeout=T)
    page.get_by_role("button", name="Add cell").click()
    runCell(page, 2, "area?")
    help_ = panel(page, 2)
    formula = help_.locator("math").first
    expect(formula).to_be_visible(timeout=T)
    expect(formula.locator("annotation")).to_have_text("\\pi r^2")
    expect(help_.get_by_role("heading", name="Examples")).to_be_visible()
    expect(help_.locator("span.gp", has_text="sage:")).to_have_count(1)
    expect(help_.locator("span.go")).to_have_text("3.14159")


def test_a_signature_hint_follows_the_call_being_typed(page):
    newWorksheet(page)
    typeInto(page, 1, "sorted(")
    hint = page.get_by_role("tooltip")
    expect(hint).to_be_visible(timeout=T)
    expect(hint.locator(".nb-hint-signature")).to_have_text(
        "sorted(iterable, /, *, key=None, reverse=False)")
    expect(hint).to_contain_text("Return a new list containing all items")
    expect(box(page, 1)).to_have_attribute("aria-describedby", "nb-hint-current")
    # It stays while the arguments are typed, under the caret.
    box(page, 1).press_sequentially("[3, 1], key=abs")
    expect(hint).to_be_visible()
    caret = page.locator(".cm-cursor").first.bounding_box() or {}
    hintBox = hint.bounding_box()
    if caret:
        assert hintBox["y"] >= caret["y"], (caret, hintBox)
    box(page, 1).press_sequentially(")")
    expect(hint).to_have_count(0)
    # Escape closes it for that call.
    box(page, 1).press_sequentially(" + list(")
    expect(hint.locator(".nb-hint-signature")).to_have_text(
        re.compile(r"^list\(iterable=\(\), /\)$"), timeout=T)
    box(page, 1).press("Escape")
    expect(hint).to_have_count(0)


def test_no_hint_and_no_error_while_the_kernel_is_busy(page):
    newWorksheet(page)
    runCell(page, 1, "import time\ntime.sleep(4)")
    expect(cell(page, 1)).to_have_attribute("data-state", "running", timeout=T)
    typeInto(page, 2, "sorted(")
    page.wait_for_timeout(1000)
    expect(page.get_by_role("tooltip")).to_have_count(0)
    expect(page.get_by_role("alert")).to_have_count(0)


def ranThenTyped(page, code: str, typed: str):
    """A new worksheet's first cell: ``code`` run, then ``typed`` on a new last line, then
    Tab; the cell's editor."""
    newWorksheet(page)
    runCell(page, 1, code, keys="Control+Enter")
    expect(cell(page, 1)).to_have_attribute("data-state", "done", timeout=T)
    target = box(page, 1)
    target.press("Control+End")
    target.press("Enter")
    target.press("Shift+Home")
    target.press_sequentially(typed)
    target.press("Tab")
    return target


def test_completions_show_each_candidates_kind(page):
    target = ranThenTyped(page, "import json as frob_mod\nfrob_value = 1\n"
                                "class frob_class: pass\ndef frob_fn(): pass", "frob_")
    listbox = cell(page, 1).get_by_role("listbox", name="Completions")
    options = listbox.get_by_role("option")
    expect(options).to_have_count(4, timeout=T)
    for name, kind, letter in (("frob_class", "class", "c"), ("frob_fn", "function", "f"),
                               ("frob_mod", "module", "m"), ("frob_value", "variable", "v")):
        option = listbox.get_by_role("option", name=f"{name}, {kind}", exact=True)
        expect(option).to_have_count(1)
        expect(option.locator(".nb-kind")).to_have_text(letter)
        expect(option.locator(".nb-kind")).to_have_attribute("aria-hidden", "true")
    target.press("Escape")
    expect(options).to_have_count(0)


def test_tab_in_a_string_completes_a_dicts_keys_and_a_files_path(page):
    """As in Jupyter: ``prices['ap`` then Tab lists the keys, and in any other string Tab
    completes a path of the worksheet's directory (editor/keys.js finds the string)."""
    target = ranThenTyped(page, "prices = {'apple': 1, 'apricot': 2, 'pear': 3}\n"
                                "open('notes_2026.txt', 'w').close()", "prices['ap")
    listbox = cell(page, 1).get_by_role("listbox", name="Completions")
    expect(listbox.get_by_role("option")).to_have_count(2, timeout=T)
    expect(listbox.get_by_role("option", name="apricot'], key", exact=True)).to_have_count(1)
    target.press("ArrowDown")
    target.press("Enter")
    expect(target).to_contain_text("prices['apricot']", timeout=T)  # closed, as in IPython
    target.press("Enter")
    target.press_sequentially("open('notes")
    target.press("Tab")
    expect(target).to_contain_text("open('notes_2026.txt", timeout=T)


def test_a_sage_docstring_in_the_panel_and_the_picture_in_the_docs(page, server):
    """Sage's real xgcd docstring (tests/data/docstrings/) laid out in the panel: its formulas
    have a size, its note is a box, its examples are highlighted. With
    ATHENA_NB_UPDATE_SCREENSHOT=1 this writes docs/help.png (how the file was made)."""
    page.set_viewport_size({"width": 1300, "height": 860})
    url = newWorksheet(page)
    fixture = ROOT / "tests" / "data" / "docstrings" / "sage_xgcd.rst"
    # Into the worksheet's directory: the one place of the server's its sandboxed kernel sees.
    shutil.copy(fixture, worksheetDir(server, url) / "sage_xgcd.rst")
    runCell(page, 1, "def xgcd(a, b=None): pass\nxgcd.__doc__ = open('sage_xgcd.rst').read()",
            keys="Control+Enter")
    expect(cell(page, 1)).to_have_attribute("data-state", "done", timeout=T)
    page.get_by_role("button", name="Add cell").click()
    runCell(page, 2, "xgcd?")
    help_ = panel(page, 2)
    expect(help_.locator(".nb-doc-admonition").first).to_contain_text("principal ideal",
                                                                       timeout=T)
    for formula in help_.locator("math").all()[:5]:
        size = formula.bounding_box()
        assert size and size["width"] > 5 and size["height"] > 5, size
    expect(help_.locator("span.gp", has_text="sage:").first).to_be_visible()
    if os.environ.get("ATHENA_NB_UPDATE_SCREENSHOT") == "1":
        cell(page, 2).screenshot(path=str(ROOT / "docs" / "help.png"))
