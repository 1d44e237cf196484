"""The home page's Running kernels panel in a real Chromium, against the real ``athena-nb``
process and its real kernels (js/athena_nb/kernels.js, ``/api/kernels``)."""

from __future__ import annotations

import re

from tests.support.notebookbrowser import box, newWorksheet, output, runCell

T = 30_000


def expect(*args, **kwargs):
    from playwright.sync_api import expect

    return expect(*args, **kwargs)


def test_the_owner_sees_a_running_kernel_with_its_memory_and_stops_it(page):
    worksheet = newWorksheet(page)
    runCell(page, 1, "x = 41")
    expect(page.locator(".nb-kernel")).to_have_attribute("data-state", "idle", timeout=T)
    page.goto(worksheet.split("/worksheets/")[0] + "/")
    running = page.get_by_role("list", name="Running kernels")
    row = running.get_by_role("listitem")
    expect(row).to_have_count(1, timeout=T)
    expect(row).to_contain_text("Untitled")
    # Its system, state and the memory its processes take, read from /proc.
    expect(row).to_contain_text(re.compile(r"Python, idle, \d+(\.\d)? [MG]B; open by nobody"))
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    row.get_by_role("button", name="Stop the kernel of Untitled").click()
    expect(row).to_have_count(0, timeout=T)
    expect(page.get_by_text("No kernel is running.")).to_be_visible()
    assert asked == ["Stop the kernel of “Untitled”? Every variable it holds is lost."]
    # Its variables are gone: the worksheet's next run starts a new kernel.
    page.goto(worksheet)
    box(page, 1).click()
    page.keyboard.press("Control+A")
    page.keyboard.type("x + 1")
    page.keyboard.press("Shift+Enter")
    expect(output(page, 1)).to_contain_text("NameError", timeout=T)
    expect(output(page, 1)).to_contain_text("stopped by the notebook's owner")
