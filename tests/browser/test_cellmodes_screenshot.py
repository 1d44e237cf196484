"""The picture of cell modes in docs/notebook.md (a ``%md`` and an ``%html`` cell), taken in
Chromium.

docs/cellmodes.png is taken and kept as tests/support/screenshots.py says.
"""

from __future__ import annotations

from tests.support.notebookbrowser import output, runCell
from tests.support.screenshots import keepScreenshot, worksheetPage

T = 30_000

MARKDOWN = ("%md\n## Results\nThe series $\\sum_{n \\ge 1} 1/n^2$ converges to "
            "$\\pi^2/6$:\n\n- **fast** to check\n- *slow* to prove")
HTML = ("%html\n<table><tr><th>n</th><th>n!</th></tr><tr><td>5</td><td>120</td></tr>"
        "<tr><td>10</td><td>3628800</td></tr></table>\n"
        "<p style=\"color: #1f5fbf\">HTML in a sandboxed frame.</p>")


def test_screenshot_of_a_markdown_and_an_html_cell(context, server, tmp_path):
    from playwright.sync_api import expect

    page, _ = worksheetPage(context, server, "Cell modes", 1200, 750)
    runCell(page, 1, MARKDOWN)
    expect(output(page, 1).locator(".nb-prose strong")).to_have_text("fast", timeout=T)
    expect(output(page, 1).locator(".nb-prose math")).to_have_count(2)
    runCell(page, 2, HTML)
    frame = output(page, 2).locator("iframe")
    expect(frame).to_be_visible(timeout=T)
    expect(frame.content_frame.locator("td").nth(3)).to_have_text("3628800", timeout=T)
    keepScreenshot(page, tmp_path, "cellmodes.png")
