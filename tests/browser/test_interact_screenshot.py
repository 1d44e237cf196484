"""The picture of an interact in docs/notebook.md, taken in Chromium.

The test always takes it and checks what it shows; with ATHENA_NB_UPDATE_SCREENSHOT=1 it also
writes it to docs/interact.png (that is how the file in the repository was made).
"""

from __future__ import annotations

from tests.browser.test_interact import control, interact, settled, shown
from tests.support.notebookbrowser import runCell
from tests.support.screenshots import keepScreenshot, worksheetPage

T = 60_000

CODE = """import numpy as np
import matplotlib.pyplot as plt
@interact(layout={'top': [['f', 'kind'], ['damped', 'colour']]})
def wave(f=slider(0.5, 5, 0.5, default=2, label='frequency'), kind=['sin', 'cos'], damped=True, colour=Color('#1f5fbf')):
    t = np.linspace(0, 10, 400)
    y = (np.sin if kind == 'sin' else np.cos)(f * t) * (np.exp(-t / 3) if damped else 1)
    plt.figure(figsize=(6.4, 2.2))
    plt.plot(t, y, color=colour.html_color())
    plt.title('%s(%g t)%s' % (kind, f, ' damped' if damped else ''))
    plt.show()"""


def test_screenshot_of_an_interact(context, server, tmp_path):
    from playwright.sync_api import expect

    page, _ = worksheetPage(context, server, "Waves", 1100, 760)
    runCell(page, 1, CODE)
    expect(shown(page, 1).get_by_role("img")).to_be_visible(timeout=T)
    settled(page, 1)
    control(page, 1, "f").locator("input").press("ArrowRight")
    control(page, 1, "kind").get_by_role("button", name="cos").click()
    expect(control(page, 1, "f").locator("output")).to_have_text("2.5")
    expect(control(page, 1, "kind").get_by_role("button", name="cos")).to_have_attribute(
        "aria-pressed", "true")
    settled(page, 1)
    expect(shown(page, 1).get_by_role("img")).to_have_count(1)
    page.locator(":focus").blur()
    interact(page, 1).scroll_into_view_if_needed()
    keepScreenshot(page, tmp_path, "interact.png", top=False)
