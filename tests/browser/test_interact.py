"""@interact in Chromium, through the real ``athena-nb`` process and a real Python kernel: each
control type moves and re-runs the function; two people move one interact; a viewer sees it
but cannot move it; a reload keeps the values; a restart leaves it disabled with a note;
``auto_update=False``, layouts and two interacts in one cell; a fast drag runs the function at
the kernel's pace.
"""

from __future__ import annotations

from tests.browser.test_notebook_collab import expect
from tests.support.notebookbrowser import cell, output, runCell, waitLive

T = 30_000


def interact(page, n: int, which: int = 0):
    """The ``which``-th interact of cell ``n``."""
    return output(page, n).locator(".nb-interact").nth(which)


def control(page, n: int, name: str, which: int = 0):
    return interact(page, n, which).locator(f'[data-control="{name}"]')


def shown(page, n: int, which: int = 0):
    """The interact's own output area."""
    return interact(page, n, which).locator(".nb-interact-output")


def status(page, n: int, which: int = 0):
    return interact(page, n, which).locator(".nb-interact-status")


def settled(page, n: int, which: int = 0):
    """Until the interact shows the output of the values it shows (interact.js)."""
    expect(interact(page, n, which)).to_have_attribute("data-current", "true", timeout=T)


def test_sliders_run_the_function_again_with_the_value(page):
    from tests.support.notebookbrowser import newWorksheet

    newWorksheet(page)
    runCell(page, 1, "interact(lambda n=slider(0, 10, default=3), r=range_slider(0, 1, 0.25), "
                     "k=range(5, 50, 5): print(n, r, k))")
    expect(shown(page, 1)).to_have_text("3 (0.0, 1.0) 5", timeout=T)
    n = control(page, 1, "n").locator("input[type=range]")
    expect(n).to_have_attribute("aria-valuetext", "3")
    n.press("ArrowRight")
    expect(shown(page, 1)).to_have_text("4 (0.0, 1.0) 5", timeout=T)
    expect(control(page, 1, "n").locator("output")).to_have_text("4")
    low = control(page, 1, "r").get_by_label("r, from")
    low.press("ArrowRight")
    expect(shown(page, 1)).to_have_text("4 (0.25, 1.0) 5", timeout=T)
    expect(control(page, 1, "r").locator("output")).to_have_text("0.25 – 1")
    control(page, 1, "k").locator("input").press("End")
    expect(shown(page, 1)).to_have_text("4 (0.25, 1.0) 45", timeout=T)


def test_checkboxes_buttons_dropdowns_text_boxes_grids_and_colours(page):
    from tests.support.notebookbrowser import newWorksheet

    newWorksheet(page)
    runCell(page, 1, "interact(lambda on=True, p=['a', 'b'], m=list(range(9)), w='hi', x=6*7, "
                     "g=input_grid(1, 2, default=[1, 2]), c=Color('red'), "
                     "t=text_control('**Bold** $x^2$'): print(on, p, m, w, x, g, c.html_color()))")
    expect(shown(page, 1)).to_have_text("True a 0 hi 42 [[1, 2]] #ff0000", timeout=T)
    expect(control(page, 1, "t").locator("strong")).to_have_text("Bold")
    expect(control(page, 1, "t").locator("math")).to_have_count(1)
    control(page, 1, "on").get_by_role("checkbox").uncheck()
    expect(shown(page, 1)).to_have_text("False a 0 hi 42 [[1, 2]] #ff0000", timeout=T)
    control(page, 1, "p").get_by_role("button", name="b").click()
    expect(control(page, 1, "p").get_by_role("button", name="b")).to_have_attribute(
        "aria-pressed", "true")
    expect(shown(page, 1)).to_have_text("False b 0 hi 42 [[1, 2]] #ff0000", timeout=T)
    control(page, 1, "m").get_by_role("combobox").select_option("7")
    expect(shown(page, 1)).to_have_text("False b 7 hi 42 [[1, 2]] #ff0000", timeout=T)
    words = control(page, 1, "w").get_by_role("textbox")
    words.fill("a 'quoted' text")
    words.press("Enter")
    expect(shown(page, 1)).to_have_text("False b 7 a 'quoted' text 42 [[1, 2]] #ff0000",
                                        timeout=T)
    number = control(page, 1, "x").get_by_role("textbox")
    number.fill("2**10")
    number.press("Enter")
    expect(shown(page, 1)).to_contain_text(" 1024 [[1, 2]]", timeout=T)
    entry = control(page, 1, "g").get_by_label("g, row 1, column 2")
    entry.fill("2**10 + 1")
    entry.press("Enter")
    expect(shown(page, 1)).to_contain_text(" 1024 [[1, 1025]] #ff0000", timeout=T)
    control(page, 1, "c").locator("input[type=color]").fill("#00ff00")
    expect(shown(page, 1)).to_contain_text("[[1, 1025]] #00ff00", timeout=T)
    expect(control(page, 1, "c").get_by_label("c (#rrggbb)")).to_have_value("#00ff00")
    number.fill("1/0")
    number.press("Enter")
    expect(shown(page, 1)).to_contain_text("The value of x '1/0' could not be used: "
                                           "ZeroDivisionError", timeout=T)


def test_two_people_move_one_interact_and_a_viewer_cannot(three):
    owner, carla, vic = three
    runCell(owner, 1, "interact(lambda n=slider(0, 20, default=5): print('n =', n))")
    for page in (owner, carla, vic):
        expect(shown(page, 1)).to_have_text("n = 5", timeout=T)
    carla_n = control(carla, 1, "n").locator("input")
    for _ in range(3):
        carla_n.press("ArrowRight")
    for page in (owner, carla, vic):
        expect(shown(page, 1)).to_have_text("n = 8", timeout=T)
        expect(control(page, 1, "n").locator("input")).to_have_value("8", timeout=T)
    control(owner, 1, "n").locator("input").press("Home")
    expect(control(carla, 1, "n").locator("input")).to_have_value("0", timeout=T)
    expect(shown(carla, 1)).to_have_text("n = 0", timeout=T)
    vic_n = control(vic, 1, "n").locator("input")
    expect(vic_n).to_be_disabled()
    # Even a page that enables the control and moves it gets refused by the server.
    vic_n.evaluate("(el) => { el.disabled = false; el.value = '17';"
                   " el.dispatchEvent(new Event('input', {bubbles: true})); }")
    expect(vic.get_by_role("alert")).to_contain_text("read-only", timeout=T)
    expect(vic_n).to_have_value("0", timeout=T)
    expect(control(owner, 1, "n").locator("input")).to_have_value("0")
    expect(shown(owner, 1)).to_have_text("n = 0")


def test_a_reload_keeps_the_values_and_the_output_and_a_restart_disables_it(page):
    from tests.support.notebookbrowser import newWorksheet

    newWorksheet(page)
    runCell(page, 1, "@interact\ndef f(n=(0, 9), word='x'):\n    print(word * n)\n")
    expect(shown(page, 1)).to_have_text("", timeout=T)
    settled(page, 1)
    control(page, 1, "n").locator("input").press("End")
    box = control(page, 1, "word").get_by_role("textbox")
    box.fill("ab")
    box.press("Enter")
    expect(shown(page, 1)).to_have_text("ab" * 9, timeout=T)
    page.reload()
    waitLive(page)
    expect(control(page, 1, "n").locator("input")).to_have_value("9", timeout=T)
    expect(control(page, 1, "word").get_by_role("textbox")).to_have_value("ab")
    expect(shown(page, 1)).to_have_text("ab" * 9)
    page.once("dialog", lambda dialog: dialog.accept())  # "Restart the kernel? ..."
    page.get_by_role("button", name="Restart").click()
    expect(interact(page, 1)).to_have_attribute("data-live", "false", timeout=T)
    expect(control(page, 1, "n").locator("input")).to_be_disabled()
    expect(status(page, 1)).to_contain_text("run the cell again")
    expect(shown(page, 1)).to_have_text("ab" * 9)
    cell(page, 1).get_by_role("button", name="Run", exact=True).click()
    expect(interact(page, 1)).to_have_attribute("data-live", "true", timeout=T)
    expect(control(page, 1, "n").locator("input")).to_have_value("0")


def test_update_button_layouts_and_two_interacts_in_one_cell(page):
    from tests.support.notebookbrowser import newWorksheet

    newWorksheet(page)
    runCell(page, 1, "interact(lambda a=(1, 5), b=(1, 5), auto_update=False: print(a * b), "
                     "layout={'left': [['a']], 'bottom': [['b']]})\n"
                     "interact(lambda c=True: print('second', c))")
    expect(shown(page, 1, 0)).to_have_text("1", timeout=T)
    expect(shown(page, 1, 1)).to_have_text("second True", timeout=T)
    first = interact(page, 1, 0)
    expect(first.locator(".nb-interact-left [data-control=a]")).to_have_count(1)
    expect(first.locator(".nb-interact-bottom [data-control=b]")).to_have_count(1)
    control(page, 1, "a").locator("input").press("End")
    expect(status(page, 1, 0)).to_have_text("Changed: press Update to run it.", timeout=T)
    expect(shown(page, 1, 0)).to_have_text("1")
    first.get_by_role("button", name="Update").click()
    expect(shown(page, 1, 0)).to_have_text("5", timeout=T)
    expect(status(page, 1, 0)).to_have_text("")
    control(page, 1, "c", which=1).get_by_role("checkbox").uncheck()
    expect(shown(page, 1, 1)).to_have_text("second False", timeout=T)
    expect(shown(page, 1, 0)).to_have_text("5")


def test_a_fast_drag_runs_the_function_at_the_kernel_s_pace(page):
    """40 moves while each run takes 0.5 s: the function runs about once per 0.5 s of the
    drag (and once more after it), with the last position, not 40 times."""
    import time

    from tests.support.notebookbrowser import newWorksheet

    newWorksheet(page)
    runCell(page, 1, "import time\nruns = []\n"
                     "@interact\ndef slow(n=slider(0, 40)):\n"
                     "    runs.append(n)\n    time.sleep(0.5)\n    print('ran', n)\n")
    expect(shown(page, 1)).to_have_text("ran 0", timeout=T)
    settled(page, 1)
    n = control(page, 1, "n").locator("input")
    began = time.monotonic()
    for _ in range(40):
        n.press("ArrowRight")
    dragged = time.monotonic() - began
    expect(shown(page, 1)).to_have_text("ran 40", timeout=T)
    settled(page, 1)
    runCell(page, 2, "print(len(runs), runs[-1])")
    expect(output(page, 2)).to_contain_text(" 40", timeout=T)
    count = int(output(page, 2).text_content().split()[0]) - 1  # the first run
    assert count < 40 and count <= dragged / 0.5 + 3, (
        f"40 moves in {dragged:.1f} s ran the function {count} times, not at the kernel's pace")
