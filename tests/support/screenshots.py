"""The pictures in docs/, taken by the browser tests that check them (dev/screenshot.sh).

``worksheetPage`` opens a new worksheet with a title in a page of a given size;
``keepScreenshot`` takes the picture, checks it is a PNG of some substance and, with
ATHENA_NB_UPDATE_SCREENSHOT=1, writes it to docs/ (that is how the files there were made).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.support.notebookbrowser import login, newWorksheet

DOCS = Path(__file__).resolve().parents[2] / "docs"


def worksheetPage(context, server, title: str, width: int, height: int):
    """A page of ``width`` x ``height`` on a new worksheet titled ``title``; returns
    (page, the worksheet's URL)."""
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    login(page, server)
    url = newWorksheet(page)
    field = page.get_by_role("textbox", name="Worksheet title")
    field.fill(title)
    field.press("Enter")
    return page, url


def keepScreenshot(page, tmp_path, name: str, *, top: bool = True, minBytes: int = 20_000) -> bytes:
    """Take ``page``'s picture (scrolled to the top, nothing focused, with ``top``); returns
    its bytes, written to docs/``name`` too when asked."""
    if top:
        page.locator(":focus").blur()
        page.evaluate("window.scrollTo(0, 0)")
    shot = tmp_path / name
    page.screenshot(path=str(shot))
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > minBytes
    if os.environ.get("ATHENA_NB_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, DOCS / name)
    return data
