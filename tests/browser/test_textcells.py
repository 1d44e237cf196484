"""Text cells and typeset mathematics in Chromium, through the real ``athena-nb`` process.

Writing Markdown with mathematics, Shift-Enter showing it rendered (MathML in the DOM),
double-click editing it again; converting code and text from the menu and by keyboard (Escape
then M / Y); two people on one worksheet, one writing a text cell, the other seeing it
rendered, a read-only viewer unable to edit it; a ``text/latex`` output typeset in the page, as
plain text with Typeset off, and typeset in the published snapshot; "Typeset every Sage result"
turned on by one person, Sage's next value typeset for all three.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import watchPage
from tests.browser.test_notebook_collab import expect
from tests.support.notebookbrowser import (
    box,
    cell,
    expectText,
    login,
    newWorksheet,
    output,
    runCell,
    toolbarMenu,
    typeInto,
)

T = 20_000


def rendered(page, n):
    return cell(page, n).locator(".nb-md")


def test_markdown_with_math_is_rendered_by_shift_enter_and_edited_by_double_click(
        context, server, watch):
    page = context.new_page()
    seen = watch(page)
    login(page, server)
    newWorksheet(page)
    typeInto(page, 1, "# Notes\n\nThe area is $\\pi r^2$ and\n\n$$\\sum_{k=1}^{n} k$$")
    box(page, 1).press("Escape")
    box(page, 1).press("m")  # Escape then M: a text cell, still being written
    expect(cell(page, 1)).to_have_attribute("data-kind", "text", timeout=T)
    expect(box(page, 1)).to_be_focused()
    expectText(page, 1, "# Notes\n\nThe area is $\\pi r^2$ and\n\n$$\\sum_{k=1}^{n} k$$")  # no M typed
    box(page, 1).press("Shift+Enter")
    expect(rendered(page, 1)).to_be_visible(timeout=T)
    expect(box(page, 1)).to_be_hidden()
    expect(rendered(page, 1).locator("h1")).to_have_text("Notes", timeout=T)
    expect(rendered(page, 1).locator("math")).to_have_count(2, timeout=T)
    expect(rendered(page, 1).locator("math[display=block] munderover")).to_have_count(1)
    expect(box(page, 2)).to_be_focused(timeout=T)  # Shift-Enter moved on, as for code
    expect(cell(page, 1)).to_have_attribute("data-state", "idle")  # nothing ran

    rendered(page, 1).dblclick()
    expect(box(page, 1)).to_be_visible()
    expect(box(page, 1)).to_be_focused()
    box(page, 1).press("Control+End")
    box(page, 1).press_sequentially("\n\n- [x] done")
    box(page, 1).press("Control+Enter")
    expect(rendered(page, 1)).to_be_focused(timeout=T)
    expect(rendered(page, 1).locator("input[type=checkbox]")).to_have_count(1, timeout=T)
    rendered(page, 1).press("Enter")  # Enter on the rendered cell edits it
    expect(box(page, 1)).to_be_focused()

    page.reload()
    expect(rendered(page, 1).locator("math")).to_have_count(2, timeout=T)
    expect(cell(page, 1)).to_have_attribute("data-kind", "text")
    seen.assertClean()


def test_fenced_code_shows_what_python_does_not_expect_plainly(context, server):
    """A `$` or Sage's syntax in fenced code is the lexer's "error" token: drawn like the code
    around it, not boxed in red (highlight.css)."""
    page = context.new_page()
    login(page, server)
    newWorksheet(page)
    box(page, 1).click()
    box(page, 1).press("Escape")
    page.keyboard.press("m")
    expect(cell(page, 1)).to_have_attribute("data-kind", "text", timeout=T)
    page.keyboard.press("Enter")
    box(page, 1).press_sequentially("```python\nprint($x$)\n```")
    box(page, 1).press("Control+Enter")
    code = rendered(page, 1).locator("pre")
    expect(code).to_contain_text("print($x$)", timeout=T)
    boxed = code.locator("span").evaluate_all(
        "spans => spans.filter(s => parseFloat(getComputedStyle(s).borderTopWidth) > 0).length")
    assert boxed == 0


def test_a_text_cell_is_written_as_prose_not_indented_or_coloured_as_python(context, server):
    """Typed key by key into a text cell: a line ending in ":" or "and" does not indent the
    next paragraph (which Markdown would show as code), and no word is coloured as a Python
    keyword; the cell made code again is Python again."""
    page = context.new_page()
    login(page, server)
    newWorksheet(page)
    box(page, 1).click()
    box(page, 1).press("Escape")
    box(page, 1).press("m")
    expect(cell(page, 1)).to_have_attribute("data-kind", "text", timeout=T)
    page.keyboard.press("Enter")  # out of command mode: edit it
    prose = "For all n:\n\nX\n\nY is a square and\n\n$$\\int_0^1 f$$"
    box(page, 1).press_sequentially(prose)
    expectText(page, 1, prose)
    expect(box(page, 1).locator(".tok-keyword")).to_have_count(0)
    box(page, 1).press("Shift+Enter")
    expect(rendered(page, 1).locator("math[display=block]")).to_have_count(1, timeout=T)
    expect(rendered(page, 1).locator("pre")).to_have_count(0)

    cell(page, 1).get_by_role("button", name="More actions for this cell").click()
    cell(page, 1).get_by_role("button", name="Make code cell (Esc, Y)").click()
    expect(cell(page, 1)).to_have_attribute("data-kind", "code", timeout=T)
    expect(box(page, 1).locator(".tok-keyword").first).to_have_text("is", timeout=T)


def test_converting_from_the_menu_and_by_keyboard(context, server):
    page = context.new_page()
    login(page, server)
    newWorksheet(page)
    typeInto(page, 1, "*hello*")
    cell(page, 1).get_by_role("button", name="More actions for this cell").click()
    cell(page, 1).get_by_role("button", name="Make text cell (Esc, M)").click()
    expect(cell(page, 1)).to_have_attribute("data-kind", "text", timeout=T)
    expect(rendered(page, 1).locator("em")).to_have_text("hello", timeout=T)
    expect(rendered(page, 1)).to_be_focused()  # the cell, as it now is, has the focus back
    page.keyboard.press("Escape")
    page.keyboard.press("y")
    expect(cell(page, 1)).to_have_attribute("data-kind", "code", timeout=T)
    page.keyboard.press("Escape")
    page.keyboard.press("m")
    expect(cell(page, 1)).to_have_attribute("data-kind", "text", timeout=T)
    cell(page, 1).get_by_role("button", name="More actions for this cell").click()
    expect(cell(page, 1).get_by_role("button", name="Make text cell (Esc, M)")).to_be_hidden()
    cell(page, 1).get_by_role("button", name="Make code cell (Esc, Y)").click()
    expect(cell(page, 1)).to_have_attribute("data-kind", "code", timeout=T)
    expect(box(page, 1)).to_be_focused()
    box(page, 1).click()
    box(page, 1).press("Escape")
    box(page, 1).press("m")
    expect(cell(page, 1)).to_have_attribute("data-kind", "text", timeout=T)
    box(page, 1).press("Escape")
    box(page, 1).press("y")
    expect(cell(page, 1)).to_have_attribute("data-kind", "code", timeout=T)
    expectText(page, 1, "*hello*")
    # A code cell's Shift-Enter still runs it (as Python): the text cell did not. (Y left
    # the cell in command mode, where Ctrl-A is held: Enter edits it again.)
    box(page, 1).press("Enter")
    box(page, 1).press("Control+a")
    box(page, 1).press_sequentially("6 * 7")
    box(page, 1).press("Control+Enter")
    expect(output(page, 1)).to_have_text("42", timeout=T)


def test_one_writes_a_text_cell_and_the_others_see_it_rendered(three):
    owner, carla, vic = three
    typeInto(owner, 1, "Euler: $e^{i\\pi} + 1 = 0$")
    box(owner, 1).press("Escape")
    box(owner, 1).press("m")
    for page in (carla, vic):
        expect(cell(page, 1)).to_have_attribute("data-kind", "text", timeout=T)
        expect(rendered(page, 1).locator("math msup")).to_have_count(1, timeout=T)
        expect(rendered(page, 1)).to_contain_text("Euler:")
    # Still writing: the others follow each change, rendered.
    box(owner, 1).press("End")
    box(owner, 1).press_sequentially(" and $\\frac{a}{b}$")
    for page in (carla, vic):
        expect(rendered(page, 1).locator("math mfrac")).to_have_count(1, timeout=T)
    # The collaborator may edit it; the viewer may not.
    rendered(carla, 1).dblclick()
    expect(box(carla, 1)).to_be_visible()
    rendered(vic, 1).dblclick()
    expect(cell(vic, 1).locator(".nb-input")).to_be_hidden()
    cell(vic, 1).get_by_role("button", name="More actions for this cell").click()
    expect(cell(vic, 1).get_by_role("button", name="Make code cell (Esc, Y)")).to_have_count(0)
    expect(cell(vic, 1).get_by_role("button", name="Copy input")).to_be_enabled()


def test_a_latex_output_is_typeset_and_published_typeset(context, browser, server):
    page = context.new_page()
    seen = watchPage(page)
    login(page, server)
    url = newWorksheet(page)
    runCell(page, 1, "class T:\n    def _repr_latex_(self): return r'$\\frac{1}{2}$'\nT()")
    frac = output(page, 1).locator(".nb-math-out math mfrac")
    expect(frac).to_have_count(1, timeout=T)
    expect(frac).to_be_visible()
    expect(output(page, 1).locator(".nb-math-plain")).to_be_hidden()
    toolbarMenu(page)
    toggle = page.get_by_role("button", name="Typeset maths")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false", timeout=T)
    expect(frac).to_be_hidden()
    expect(output(page, 1).locator(".nb-math-plain")).to_contain_text("T object")
    toggle.click()
    expect(frac).to_be_visible(timeout=T)

    worksheetId = url.rstrip("/").rsplit("/", 1)[1]
    path = page.evaluate(
        """async (id) => {
          const r = await fetch(`/api/worksheets/${id}/publish`, {method: 'POST',
            headers: {'content-type': 'application/json', accept: 'application/json'},
            body: '{}'});
          return (await r.json()).published.path;
        }""", worksheetId)
    stranger = browser.new_context()
    try:
        public = stranger.new_page()
        publicSeen = watchPage(public)
        assert public.goto(server.origin + path).status == 200
        expect(public.locator(".public-math math mfrac")).to_have_count(1)
        assert public.locator("script").count() == 0
        publicSeen.assertClean()
    finally:
        stranger.close()
    seen.assertClean()


@pytest.mark.sage
def test_typeset_sage_results_typesets_the_next_value_for_everyone(three):
    owner, carla, vic = three
    runCell(carla, 1, "%sage\nx = var('x')\nx^2 + 1/2")
    expect(output(vic, 1)).to_contain_text("x^2 + 1/2", timeout=120_000)  # Sage loads first
    expect(output(vic, 1).locator("math")).to_have_count(0)
    toolbarMenu(owner)
    toggle = owner.get_by_role("button", name="Typeset every Sage result")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true", timeout=T)
    toolbarMenu(carla)
    expect(carla.get_by_role("button", name="Typeset every Sage result")).to_have_attribute(
        "aria-pressed", "true", timeout=T)
    carla.keyboard.press("Escape")
    box(carla, 1).click()
    box(carla, 1).press("Shift+Enter")
    for page in (owner, carla, vic):
        expect(output(page, 1).locator(".nb-math-out math mfrac")).to_have_count(1, timeout=T)
    toggle.click()  # off: the values shown stay as they are; the next is text again
    expect(toggle).to_have_attribute("aria-pressed", "false", timeout=T)
    box(carla, 1).click()
    box(carla, 1).press("Shift+Enter")
    expect(output(vic, 1).locator("math")).to_have_count(0, timeout=T)
    expect(output(vic, 1)).to_contain_text("x^2 + 1/2")
