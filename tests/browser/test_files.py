"""Worksheets as files in Chromium: Jupyter notebooks dropped on the home page (two at once,
one broken) become worksheets, and a worksheet downloads as a notebook from its toolbar and
from the home page."""

from __future__ import annotations

import json

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tests.browser.test_notebook_collab import expect
from tests.support.notebookbrowser import login, output, toolbarMenu, waitLive

T = 30_000


def notebook(title_cell: str) -> bytes:
    nb = new_notebook()
    nb.cells = [new_markdown_cell(f"# {title_cell}"),
                new_code_cell("6 * 7", execution_count=1, outputs=[
                    new_output("execute_result", data={"text/plain": "42"}, execution_count=1)])]
    return nbformat.writes(nb).encode()


def drop(page, selector: str, files: list[tuple[str, bytes]]) -> None:
    """Drop ``files`` on the element, as a person dragging them from their desktop."""
    transfer = page.evaluate_handle("""(files) => {
        const dt = new DataTransfer();
        for (const [name, text] of files) dt.items.add(new File([text], name));
        return dt;
    }""", [[name, data.decode()] for name, data in files])
    for event in ("dragover", "drop"):
        page.dispatch_event(selector, event, {"dataTransfer": transfer})


def test_notebooks_dropped_on_the_home_page_become_worksheets_and_download_again(
        context, server, watch):
    page = context.new_page()
    seen = watch(page)
    login(page, server)
    drop(page, "main.home", [("algebra.ipynb", notebook("Algebra")),
                             ("broken.ipynb", b'{"cells": 3}'),
                             ("geometry.ipynb", notebook("Geometry"))])
    expect(page.locator("#home-status")).to_contain_text("broken.ipynb is not a", timeout=T)
    for title in ("algebra", "geometry"):
        expect(page.get_by_role("link", name=title, exact=True)).to_be_visible(timeout=T)
    page.get_by_label("Download geometry", exact=True).click()  # the row's Download menu
    with page.expect_download() as got:
        page.get_by_role("link", name="Download geometry as a Jupyter notebook").click()
    back = nbformat.reads(open(got.value.path()).read(), as_version=4)
    assert [c.source for c in back.cells] == ["# Geometry", "6 * 7"]

    page.get_by_role("link", name="algebra", exact=True).click()
    waitLive(page)
    expect(page.locator(".nb-cell").nth(0).locator(".nb-md h1")).to_have_text("Algebra",
                                                                              timeout=T)
    expect(output(page, 2)).to_contain_text("42")
    toolbarMenu(page, "Download")
    with page.expect_download() as got:
        page.get_by_role("link", name="Jupyter notebook (.ipynb), with outputs").click()
    assert got.value.suggested_filename == "algebra.ipynb"
    back = json.load(open(got.value.path()))
    assert back["cells"][1]["outputs"][0]["data"]["text/plain"] in ("42", ["42"])  # nbformat may split lines
    seen.assertClean()


def test_search_sort_and_duplicate_on_the_home_page(context, server, watch):
    page = context.new_page()
    seen = watch(page)
    login(page, server)
    drop(page, "main.home", [("zeta.ipynb", notebook("Eigenvalues of matrices")),
                             ("alpha.ipynb", notebook("Integrals"))])
    rows = page.locator("#worksheet-list .worksheet-name > a")
    expect(rows).to_have_count(2, timeout=T)
    page.locator("#sort").select_option("name")
    expect(rows).to_have_text(["alpha", "zeta"])
    page.locator("#search").fill("eigenval")
    expect(rows).to_have_text(["zeta"], timeout=T)
    expect(page.locator(".search-snippet mark")).to_have_text("Eigenvalues")
    page.locator("#search").fill("")
    expect(rows).to_have_count(2)
    page.get_by_role("button", name="Duplicate alpha").click()
    expect(rows).to_have_text(["alpha", "Copy of alpha", "zeta"], timeout=T)
    seen.assertClean()
