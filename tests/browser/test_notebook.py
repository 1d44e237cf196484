"""One person using a worksheet in a real Chromium, through the real ``athena-nb`` process.

Log in with the token, make a worksheet, and use it as a person would, by keyboard and by
button, finding everything through the accessibility contract: ``2+2`` with Shift-Enter gives
exactly ``4``; output streams while a cell waits on a gate file; a matplotlib plot is an image;
``while True: pass`` is interrupted; a restart empties the namespace; a reload shows
everything; an edit shown as saved survives SIGKILL of the server; HTML output runs its
scripts in a sandbox that cannot read the notebook's cookie or call its API.
"""

from __future__ import annotations

import re

import pytest

from tests.support.notebookbrowser import (
    box,
    cell,
    expectText,
    login,
    newWorksheet,
    output,
    runCell,
    typeInto,
    worksheetDir,
)

T = 20_000


def expect():
    from playwright.sync_api import expect

    return expect


def test_two_plus_two_shift_enter_gives_exactly_4_and_moves_on(page):
    newWorksheet(page)
    runCell(page, 1, "2+2")
    expect()(output(page, 1)).to_have_text("4", timeout=T)
    assert output(page, 1).inner_text() == "4"
    expect()(cell(page, 1)).to_have_attribute("data-state", "done")
    # Shift-Enter on the last cell made a new one and moved into it.
    expect()(box(page, 2)).to_be_focused()
    expect()(output(page, 2)).to_have_text("")
    # Ctrl-Enter runs in place.
    typeInto(page, 2, "3*3")
    box(page, 2).press("Control+Enter")
    expect()(output(page, 2)).to_have_text("9", timeout=T)
    expect()(box(page, 2)).to_be_focused()
    expect()(cell(page, 3)).to_have_count(0)


_EDITORS_WHEN_LIVE = """
new MutationObserver((_, observer) => {
  const main = document.querySelector('main');
  if (!main || main.getAttribute('aria-busy') === 'true' || !document.querySelector('.nb-cell')) return;
  globalThis.__editorsWhenLive = document.querySelectorAll('.nb-cell .cm-editor').length;
  observer.disconnect();
}).observe(document, {subtree: true, childList: true, attributes: true});
"""


def test_the_cells_on_the_screen_have_their_editors_as_the_page_goes_live(page):
    """Not a frame later (worksheet.js ``loaded``): the page is never laid out with their
    plain text first."""
    newWorksheet(page)
    typeInto(page, 1, "x = 1")
    expect()(page.locator(".nb-saved")).to_have_text("Saved", timeout=T)
    page.add_init_script(_EDITORS_WHEN_LIVE)
    page.reload()
    expect()(page.get_by_role("main")).not_to_have_attribute("aria-busy", "true", timeout=T)
    assert page.evaluate("() => globalThis.__editorsWhenLive") == 1


def test_until_the_page_is_live_its_controls_are_locked_so_no_early_keystroke_is_lost(page):
    held, released = [], []

    def holdBack(route):  # the cell module, until the checks below are done
        if released:
            route.continue_()
        else:
            held.append(route)

    page.route(re.compile(r"/athena_nb/cell\.js"), holdBack)
    page.get_by_role("button", name="New worksheet").click()
    expect()(page.get_by_role("main")).to_have_attribute("aria-busy", "true", timeout=T)
    expect()(box(page, 1)).not_to_be_editable()
    expect()(cell(page, 1).get_by_role("button", name="Run", exact=True)).to_be_disabled()
    expect()(page.get_by_role("button", name="Run all")).to_be_disabled()
    expect()(page.get_by_role("textbox", name="Worksheet title")).not_to_be_editable()
    box(page, 1).press_sequentially("1+")  # refused by the read-only box, not silently dropped
    expectText(page, 1, "")
    released.append(True)
    for route in held:
        route.continue_()
    runCell(page, 1, "6*7")
    expect()(output(page, 1)).to_have_text("42", timeout=T)
    expect()(page.get_by_role("main")).not_to_have_attribute("aria-busy", "true")


def test_output_streams_while_the_cell_is_still_running(page, server):
    gate = worksheetDir(server, newWorksheet(page)) / "gate"
    runCell(page, 1, "import os, time\nprint('waiting for the gate', flush=True)\n"
                     "while not os.path.exists('gate'): time.sleep(0.02)\n"
                     "print('through')")
    expect()(output(page, 1)).to_contain_text("waiting for the gate", timeout=T)
    expect()(cell(page, 1)).to_have_attribute("data-state", "running")
    assert "through" not in output(page, 1).inner_text()
    gate.write_text("open")
    expect()(output(page, 1)).to_contain_text("through", timeout=T)
    expect()(cell(page, 1)).to_have_attribute("data-state", "done")


def test_a_matplotlib_plot_shows_an_image_and_an_error_shows_its_traceback(page):
    newWorksheet(page)
    runCell(page, 1, "import matplotlib.pyplot as plt\nplt.plot([1, 4, 9])\nplt.show()")
    image = output(page, 1).get_by_role("img")
    expect()(image).to_be_visible(timeout=T)
    assert image.evaluate("img => img.naturalWidth") > 100
    assert image.get_attribute("src").startswith("data:image/png;base64,")
    runCell(page, 2, "1/0")
    expect()(output(page, 2)).to_contain_text("ZeroDivisionError: division by zero", timeout=T)
    expect()(output(page, 2)).to_contain_text("Traceback")
    expect()(cell(page, 2)).to_have_attribute("data-state", "error")


def test_interrupt_stops_an_endless_loop(page):
    newWorksheet(page)
    runCell(page, 1, "while True: pass")
    expect()(cell(page, 1)).to_have_attribute("data-state", "running", timeout=T)
    page.get_by_role("button", name="Interrupt").click()
    expect()(cell(page, 1)).to_have_attribute("data-state", "interrupted", timeout=T)
    # SIGINT normally; a SIGINT that lands before the loop starts is escalated to a restart.
    expect()(output(page, 1)).to_contain_text(re.compile("KeyboardInterrupt|restarted"))
    runCell(page, 2, "'still alive'")
    expect()(output(page, 2)).to_have_text("'still alive'", timeout=T)


def test_restart_empties_the_namespace_and_reload_shows_everything(page):
    newWorksheet(page)
    runCell(page, 1, "x = 42\nx")
    expect()(output(page, 1)).to_have_text("42", timeout=T)
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Restart").click()  # an idle kernel's variables: it asks
    runCell(page, 2, "x + 1")
    expect()(output(page, 2)).to_have_text("43", timeout=T)
    assert asked == ["Restart the kernel? Every variable it holds is lost."]
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Restart").click()
    expect()(page.get_by_role("status").filter(has_text="Kernel: idle")).to_be_visible(timeout=T)
    runCell(page, 3, "x")
    expect()(output(page, 3)).to_contain_text("NameError", timeout=T)
    page.get_by_role("textbox", name="Worksheet title").fill("Kept")
    page.get_by_role("textbox", name="Worksheet title").press("Enter")
    expect()(page.get_by_role("status").filter(has_text="Saved")).to_be_visible(timeout=T)
    page.reload()
    expectText(page, 1, "x = 42\nx")
    expect()(output(page, 1)).to_have_text("42")
    expectText(page, 3, "x")
    expect()(output(page, 3)).to_contain_text("NameError")
    expect()(page.get_by_role("textbox", name="Worksheet title")).to_have_value("Kept")
    expect()(page).to_have_title(re.compile("^Kept"))


def test_an_edit_shown_as_saved_survives_sigkill_of_the_server(context, server, tmp_path):
    """Also: the cell that was running when the server died says so after the restart."""
    gate = tmp_path / "gate"
    page = context.new_page()
    login(page, server)
    url = newWorksheet(page)
    runCell(page, 1, f"import os, time\nwhile not os.path.exists({str(gate)!r}): time.sleep(0.05)")
    expect()(cell(page, 1)).to_have_attribute("data-state", "running", timeout=T)
    typeInto(page, 2, "survivor = 'saved before the kill'")
    saved = page.get_by_role("status").filter(has_text=re.compile("^Saved$"))
    expect()(saved).to_be_visible(timeout=T)
    server.kill()
    try:
        server.start()  # a new port: cookies do not depend on the port, sessions were stored
        path = "/" + url.split("/", 3)[3]
        page.goto(server.origin + path)
        expectText(page, 2, "survivor = 'saved before the kill'")
        expect()(cell(page, 1)).to_have_attribute("data-state", "interrupted")
        expect()(output(page, 1)).to_have_text("interrupted: server restarted")
    finally:
        gate.write_text("open")  # the orphaned kernel, if it outlived its server, ends now


def test_an_open_page_whose_server_restarted_says_to_reload_and_keeps_its_edit(context, server):
    """The restarted server has no page of that id: the page's next socket is told so (a
    refused upgrade is all a browser would see, and it would retry for ever) and the page offers
    Reload, which brings the edit typed meanwhile back."""
    page = context.new_page()
    login(page, server)
    url = newWorksheet(page)
    typeInto(page, 1, "kept = 1")
    expect()(page.get_by_role("status").filter(has_text=re.compile("^Saved$"))).to_be_visible(
        timeout=T)
    port = int(server.origin.rsplit(":", 1)[1])
    server.kill()
    typeInto(page, 1, "\n# typed while the server was down")
    server.start(port)  # the same address: the page's own retries reach the new server
    expired = page.locator(".lf-status").filter(has_text="expired")
    expect()(expired).to_be_visible(timeout=40_000)  # the retries back off up to 15 s
    expired.get_by_role("button", name="Reload").click()
    expectText(page, 1, "kept = 1\n# typed while the server was down")
    assert page.url == url


def test_the_mathematics_of_an_html_output_is_typeset_in_its_frame(page):
    newWorksheet(page)
    runCell(page, 1, "from IPython.display import HTML\n"
                     "HTML(r'<p id=\"area\">The area is \\(\\pi r^2\\), for $5.</p>')")
    area = output(page, 1).frame_locator("iframe").locator("#area")
    expect()(area.locator("math")).to_have_count(1, timeout=T)
    expect()(area).to_contain_text(", for $5.")


def test_html_output_runs_sandboxed_without_the_notebooks_cookie_or_api(page):
    newWorksheet(page)
    probe = (
        "<p id='probe'>probe</p><script>"
        "let c; try { c = 'read:' + document.cookie } catch (e) { c = 'blocked:' + e.name }"
        "let p; try { p = 'read:' + parent.document.cookie } catch (e) { p = 'blocked:' + e.name }"
        "fetch('/api/worksheets', {credentials: 'include'}).then("
        "  r => r.text().then(t => report(c, p, 'api:' + r.status + ':' + t.length)),"
        "  e => report(c, p, 'api:failed'));"
        "function report(...parts) { document.getElementById('probe').textContent = parts.join(' '); }"
        "</script>")
    runCell(page, 1, "class Probe:\n    def _repr_html_(self):\n"
                     f"        return {probe!r}\nProbe()")
    frame = output(page, 1).frame_locator("iframe")
    result = frame.locator("#probe")
    expect()(result).to_contain_text("api:", timeout=T)
    text = result.inner_text()
    assert text.startswith("blocked:SecurityError blocked:SecurityError api:"), text
    assert "api:200" not in text, text
    sandbox = output(page, 1).locator("iframe").get_attribute("sandbox")
    assert sandbox == "allow-scripts"


def test_keyboard_only_tab_indents_completes_and_escape_tab_leaves(page):
    newWorksheet(page)
    runCell(page, 1, "unusual_name_for_tests = 1", keys="Control+Enter")
    expect()(output(page, 1)).to_have_text("", timeout=T)
    expect()(cell(page, 1)).to_have_attribute("data-state", "done", timeout=T)
    target = box(page, 1)
    target.press("Enter")
    target.press_sequentially("unusual_na")
    target.press("Tab")
    expectText(page, 1, "unusual_name_for_tests = 1\nunusual_name_for_tests")
    target.press("Enter")
    target.press("Tab")
    expectText(page, 1, "unusual_name_for_tests = 1\nunusual_name_for_tests\n    ")
    # Several matches: a list to pick from with the arrows.
    target.press_sequentially("unusual_")
    page.get_by_role("button", name="Add cell").click()
    expect()(box(page, 2)).to_be_focused(timeout=T)
    runCell(page, 2, "unusual_other = 2", keys="Control+Enter")
    expect()(cell(page, 2)).to_have_attribute("data-state", "done", timeout=T)
    target.click()
    target.press("Control+End")
    target.press("Tab")
    options = cell(page, 1).get_by_role("listbox", name="Completions").get_by_role("option")
    # Each with its kind: a letter (hidden from screen readers, who hear it in the name).
    expect()(options).to_have_text(["vunusual_name_for_tests", "vunusual_other"], timeout=T)
    expect()(options.first).to_have_attribute("aria-label", "unusual_name_for_tests, variable")
    target.press("ArrowDown")
    target.press("Enter")
    expectText(page, 1, "unusual_name_for_tests = 1\nunusual_name_for_tests\n    unusual_other")
    expect()(options).to_have_count(0)
    target.press("Escape")
    target.press("Tab")
    expect()(cell(page, 1).get_by_role("button", name="Run", exact=True)).to_be_focused()


def test_undo_undoes_the_persons_own_typing(page):
    newWorksheet(page)
    target = box(page, 1)
    typeInto(page, 1, "first")
    page.wait_for_timeout(1100)  # a pause ends an undo group
    target.press_sequentially(" second")
    target.press("Control+z")
    expectText(page, 1, "first")
    target.press("Control+Shift+z")
    expectText(page, 1, "first second")


def test_cell_buttons_insert_move_split_join_and_delete(page):
    newWorksheet(page)
    typeInto(page, 1, "a = 1\nb = 2")
    # Split at the cursor, placed after "a = 1".
    box(page, 1).press("Control+Home")
    box(page, 1).press("End")
    cell(page, 1).get_by_role("button", name="More actions for this cell").click()
    cell(page, 1).get_by_role("button", name="Split at cursor").click()
    expectText(page, 2, "b = 2")
    expectText(page, 1, "a = 1")
    cell(page, 2).get_by_role("button", name="More actions for this cell").click()
    cell(page, 2).get_by_role("button", name="Move up").click()
    expectText(page, 1, "b = 2")
    cell(page, 1).get_by_role("button", name="More actions for this cell").click()
    cell(page, 1).get_by_role("button", name="Join with next").click()
    expectText(page, 1, "b = 2\na = 1")
    expect()(cell(page, 2)).to_have_count(0)
    page.get_by_role("button", name="Add cell").click()
    expect()(box(page, 2)).to_be_focused(timeout=T)
    cell(page, 1).get_by_role("button", name="Delete cell").click()
    expectText(page, 1, "")
    expect()(cell(page, 2)).to_have_count(0)


@pytest.mark.parametrize("width", [360, 1920])
def test_the_worksheet_fits_narrow_and_wide_windows(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    newWorksheet(page)
    runCell(page, 1, "print('x' * 30)")
    expect()(output(page, 1)).to_contain_text("xxxx", timeout=T)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow} px wider than the window"
    for name in ("Run all", "Interrupt", "Restart", "Add cell"):
        expect()(page.get_by_role("button", name=name, exact=True)).to_be_visible()
