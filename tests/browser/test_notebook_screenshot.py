"""The screenshot in docs/: a worksheet with a text cell with typeset mathematics, CodeMirror
editors, text, image and error outputs, taken in Chromium.

The test always takes it and checks what it shows; with ATHENA_NB_UPDATE_SCREENSHOT=1 it also
writes it to docs/screenshot.png (that is how the file in the repository was made:
``bash dev/screenshot.sh``).
"""

from __future__ import annotations

import re

from tests.support.notebookbrowser import box, cell, output, runCell, typeInto
from tests.support.screenshots import keepScreenshot, worksheetPage

T = 30_000

TEXT = ("## A damped oscillation\n"
        "We sample $x(t) = e^{-t/3}\\cos 2t$ on $[0, 10]$; its envelope has "
        "$$\\int_0^\\infty e^{-t/3}\\,dt = 3.$$")

CELLS = [
    "import numpy as np\nt = np.linspace(0, 10, 400)\nprint('samples:', len(t))\n"
    "round(float(t.mean()), 2)",
    "import matplotlib.pyplot as plt\nplt.figure(figsize=(6.4, 2.4))\n"
    "plt.plot(t, np.exp(-t / 3) * np.cos(2 * t))\nplt.title('Damped oscillation')\nplt.show()",
    "1 / 0",
]


def test_screenshot_of_a_worksheet_with_text_error_and_image_outputs(context, server, tmp_path):
    from playwright.sync_api import expect

    page, _ = worksheetPage(context, server, "Damped oscillation", 1200, 980)
    typeInto(page, 1, TEXT)
    box(page, 1).press("Escape")
    box(page, 1).press("m")
    expect(cell(page, 1)).to_have_attribute("data-kind", "text", timeout=T)
    box(page, 1).press("Shift+Enter")
    text = cell(page, 1).get_by_label("Text cell")
    expect(text.locator("math")).to_have_count(3, timeout=T)
    for n, code in enumerate(CELLS, 2):
        runCell(page, n, code)
        expect(cell(page, n)).to_have_attribute("data-state", re.compile("done|error"), timeout=T)
    expect(output(page, 3).get_by_role("img")).to_be_visible(timeout=T)
    expect(output(page, 4)).to_contain_text("ZeroDivisionError", timeout=T)
    expect(output(page, 2)).to_contain_text("samples: 400")
    expect(page.locator(".cm-editor")).to_have_count(5)
    keepScreenshot(page, tmp_path, "screenshot.png")
