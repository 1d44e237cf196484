"""Rich output in a real Chromium, through the real ``athena-nb`` process and a real Python
kernel: a display updated in place is seen live by a second viewer and after a reload; a
tqdm-style progress bar ends as one line; coloured text carries its colour class; SVG and JSON
show as an image and a tree.
"""

from __future__ import annotations

import re

from tests.support.notebookbrowser import (
    cell,
    expectText,
    join,
    newWorksheet,
    output,
    runCell,
    shareLink,
)

T = 20_000


def expect(*args, **kwargs):
    from playwright.sync_api import expect

    return expect(*args, **kwargs)


def test_an_updated_display_is_replaced_live_for_a_second_viewer_and_after_a_reload(
        browser, page, server):
    url = newWorksheet(page)
    other = browser.new_context()
    other.set_default_timeout(T)
    carla = other.new_page()
    try:
        join(carla, server.origin, shareLink(page, url, "collaborator"), "Carla")
        runCell(page, 1, "h = display('step 0', display_id=True)")
        expect(output(carla, 1)).to_have_text("'step 0'", timeout=T)
        runCell(page, 2, "h.update('step 1'); print('updated')")
        for viewer in (page, carla):
            expect(output(viewer, 2)).to_have_text("updated", timeout=T)
            expect(output(viewer, 1)).to_have_text("'step 1'", timeout=T)
            expect(output(viewer, 1).locator(".nb-out")).to_have_count(1)
        carla.reload()
        expect(output(carla, 1)).to_have_text("'step 1'", timeout=T)
        expectText(carla, 1, "h = display('step 0', display_id=True)")
    finally:
        other.close()


def test_a_tqdm_style_progress_bar_ends_as_one_line(page):
    newWorksheet(page)
    runCell(page, 1, "import time\n"
                     "[print('\\r%d%%' % i, end='', flush=True) or time.sleep(0.002) "
                     "for i in range(101)]; print(' done')")
    expect(cell(page, 1)).to_have_attribute("data-state", "done", timeout=T)
    stream = output(page, 1).locator("pre.nb-stream")
    expect(stream).to_have_count(1)
    assert stream.text_content() == "100% done\n"
    page.reload()
    expect(output(page, 1).locator("pre.nb-stream")).to_have_text("100% done", timeout=T)
    assert output(page, 1).locator("pre.nb-stream").text_content() == "100% done\n"


def test_coloured_text_has_its_colour_class_and_no_escape_is_shown(page):
    newWorksheet(page)
    runCell(page, 1, "print('\\x1b[1;31mred\\x1b[0m and \\x1b[32mgreen\\x1b[0m\\x1b[?25l!')")
    red = output(page, 1).locator(".nb-ansi-red")
    expect(red).to_have_text("red", timeout=T)
    expect(red).to_have_class("nb-ansi-red nb-ansi-bold")
    expect(output(page, 1).locator(".nb-ansi-green")).to_have_text("green")
    assert output(page, 1).text_content() == "red and green!\n"


def test_svg_is_an_image_and_json_a_tree(page):
    newWorksheet(page)
    runCell(page, 1, "from IPython.display import SVG, JSON\n"
                     "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"20\" "
                     "height=\"20\"><rect width=\"20\" height=\"20\" fill=\"red\"/></svg>'))\n"
                     "JSON({'answer': 42, 'items': [1, 2]})")
    image = output(page, 1).locator("img.nb-image")
    expect(image).to_have_attribute("src", re.compile(r"^data:image/svg\+xml;charset=utf-8,"), timeout=T)
    assert image.evaluate("img => img.complete && img.naturalWidth") == 20
    tree = output(page, 1).locator(".nb-json")
    expect(tree.locator("summary").first).to_have_text("{…} 2 keys")
    expect(tree.locator(".nb-json-number").first).to_have_text("42")
    assert output(page, 1).locator("svg").count() == 0, "SVG is never markup in the page"

