"""The screenshot in docs/: a worksheet with text, error and image outputs, taken in Chromium.

The test always takes it and checks what it shows; with ATHENA_NB_UPDATE_SCREENSHOT=1 it also
writes it to docs/screenshot.png (that is how the file in the repository was made).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from tests.support.notebookbrowser import (
    cell,
    login,
    newWorksheet,
    output,
    runCell,
)

T = 30_000
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshot.png"

CELLS = [
    "import numpy as np\nt = np.linspace(0, 10, 400)\nprint('samples:', len(t))\n"
    "round(float(t.mean()), 2)",
    "import matplotlib.pyplot as plt\nplt.figure(figsize=(6.4, 2.4))\n"
    "plt.plot(t, np.exp(-t / 3) * np.cos(2 * t))\nplt.title('Damped oscillation')\nplt.show()",
    "1 / 0",
]


def test_screenshot_of_a_worksheet_with_text_error_and_image_outputs(context, server, tmp_path):
    from playwright.sync_api import expect

    page = context.new_page()
    page.set_viewport_size({"width": 1200, "height": 980})
    login(page, server)
    newWorksheet(page)
    title = page.get_by_role("textbox", name="Worksheet title")
    title.fill("Damped oscillation")
    title.press("Enter")
    for n, code in enumerate(CELLS, 1):
        runCell(page, n, code)
        expect(cell(page, n)).to_have_attribute("data-state", re.compile("done|error"), timeout=T)
    expect(output(page, 2).get_by_role("img")).to_be_visible(timeout=T)
    expect(output(page, 3)).to_contain_text("ZeroDivisionError", timeout=T)
    expect(output(page, 1)).to_contain_text("samples: 400")
    page.locator(":focus").blur()
    page.evaluate("window.scrollTo(0, 0)")
    shot = tmp_path / "screenshot.png"
    page.screenshot(path=str(shot))
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000
    if os.environ.get("ATHENA_NB_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, DOCS)
