"""Cell modes and the worksheet's system in Chromium, through the real ``athena-nb`` process.

A ``%md`` cell and a ``%sh`` cell run as their first line says; the owner makes the
worksheet's system the shell and the collaborator sees the choice and runs a shell cell with no
mode line; the read-only viewer sees the choice but cannot change it. ``%latex``, ``%python``,
``!cmd``, ``%time`` (alone on the first line: the whole cell), ``%timeit`` and an ``%auto``
cell that runs again after a restart; ``%hide`` (``%html`` is in
test_cellmodes_screenshot.py; Sage's systems in tests/integration/test_kernel_sage.py).
"""

from __future__ import annotations

from tests.browser.test_notebook_collab import expect
from tests.support.notebookbrowser import box, cell, newWorksheet, output, runCell, typeInto

T = 30_000


def system(page):
    return page.locator('select[data-action="system"]')


def test_modes_and_a_system_chosen_for_everyone(three):
    owner, carla, vic = three
    runCell(owner, 1, "%md\n**bold** and $x^2$")
    expect(output(owner, 1).locator(".nb-prose strong")).to_have_text("bold", timeout=T)
    expect(output(owner, 1).locator(".nb-prose math")).to_have_count(1)
    expect(output(vic, 1).locator(".nb-prose strong")).to_have_text("bold", timeout=T)

    runCell(owner, 2, "%sh\necho from-the-shell")
    expect(output(owner, 2)).to_contain_text("from-the-shell", timeout=T)

    expect(system(owner)).to_have_value("python")
    expect(system(vic)).to_be_disabled()
    system(owner).select_option("sh")
    expect(system(carla)).to_have_value("sh", timeout=T)
    expect(system(vic)).to_have_value("sh", timeout=T)
    typeInto(carla, 3, "echo $((6 * 7))")
    carla.keyboard.press("Control+Enter")
    expect(output(carla, 3)).to_have_text("42", timeout=T)
    expect(output(owner, 3)).to_have_text("42", timeout=T)


def test_a_hide_cell_shows_its_input_folded_until_opened(three):
    owner, carla, vic = three
    runCell(owner, 1, "%hide\nsecret = 6 * 7\nsecret")
    expect(output(carla, 1)).to_contain_text("42", timeout=T)
    for page in (carla, vic):
        expect(page.locator(".nb-cell").nth(0)).to_have_attribute("data-hide-input", "true",
                                                                   timeout=T)
        expect(page.locator(".nb-cell").nth(0).locator(".nb-show-input")).to_be_visible()
        # Folded whether the cell has its editor (near the screen) or not yet.
        expect(box(page, 1)).to_be_hidden()
    carla.locator(".nb-cell").nth(0).locator(".nb-show-input").click()
    expect(carla.locator(".nb-cell").nth(0).locator(".cm-editor")).to_be_visible(timeout=T)
    expect(box(carla, 1)).to_be_focused()
    expect(carla.locator(".nb-cell").nth(0).locator(".nb-show-input")).to_be_hidden()
    expect(vic.locator(".nb-cell").nth(0)).to_have_attribute("data-hide-input", "true")
    expect(box(vic, 1)).to_be_hidden()


def test_latex_python_shell_lines_timing_and_an_auto_cell(page):
    newWorksheet(page)
    runCell(page, 1, "%latex\n\\frac{1}{2} + x^2")
    expect(output(page, 1).locator("math mfrac")).to_have_count(1, timeout=T)
    runCell(page, 2, "%python\nx = 2 ** 10\n!echo from-the-bang-line\nprint(x)")
    expect(output(page, 2)).to_have_text("from-the-bang-line\n1024", timeout=T)
    runCell(page, 3, "%time\nsum(range(10))")
    expect(output(page, 3)).to_contain_text("Wall time", timeout=T)
    expect(output(page, 3)).to_contain_text("45")
    runCell(page, 4, "%timeit sum(range(10))")
    expect(output(page, 4)).to_contain_text("per loop", timeout=T)
    runCell(page, 5, "%auto\nauto_value = 41")
    expect(cell(page, 5)).to_have_attribute("data-state", "done", timeout=T)
    page.once("dialog", lambda dialog: dialog.accept())  # "Restart the kernel? ..."
    page.get_by_role("button", name="Restart").click()
    expect(page.get_by_role("status").filter(has_text="Kernel: idle")).to_be_visible(timeout=T)
    runCell(page, 6, "auto_value + 1")  # the %auto cell ran again when the kernel started
    expect(output(page, 6)).to_have_text("42", timeout=T)
