"""What protects the kernels, as a person sees it: the worksheet page's quiet note in its
toolbar (athena_nb/web/fragments.py ``kernelNote``) and the Share panel's sentence on what
an edit link allows (home.py ``editLinkNote``, home.js)."""

import re
import shutil

from tests.support.notebookbrowser import newWorksheet, output, runCell


def test_the_worksheet_page_and_the_share_panel_say_what_protects_the_kernel(page):
    from playwright.sync_api import expect

    newWorksheet(page)
    note = page.locator(".nb-protection")
    summary = note.locator("summary")
    expect(summary).to_have_text(re.compile(r"^(Sandboxed|Not sandboxed)"))
    items = note.get_by_role("list", name="What protects this worksheet's kernel")
    expect(items).to_be_hidden()
    summary.click()
    expect(items).to_be_visible()
    expect(items.get_by_role("listitem").first).to_contain_text("bubblewrap")
    summary.click()
    expect(items).to_be_hidden()
    if shutil.which("bwrap"):
        expect(summary).to_have_text("Sandboxed")
        runCell(page, 1, "import os\nprint(os.getcwd())")
        expect(output(page, 1)).to_contain_text("/worksheet")
    # In the same note, the kernels the server keeps ready and the memory they take.
    summary.click()
    kept = note.get_by_role("list", name="Kernels kept started").get_by_role("listitem").first
    expect(kept).to_have_text(re.compile(
        r"^Python kernels: [01] of 1 ready, taking \d+ MiB \(PSS; RSS \d+ MiB\)\.$"))
    page.goto(page.url.split("/worksheets/")[0] + "/")
    page.get_by_role("button", name="Share Untitled").click()
    expect(page.locator(".share-note")).to_contain_text(
        "An edit link lets its holder change this worksheet and run code in its kernel")
