"""A published snapshot in a real Chromium, through the real ``athena-nb`` process.

The owner runs a cell, renames the worksheet and publishes it from the home page's share
panel; a fresh browser context (no cookies, no session) opens the public link and sees the
title and the output, with no CSP violation; after "Unpublish" the link answers 404.
"""

from __future__ import annotations

import re

from tests.browser.conftest import watchPage
from tests.support.notebookbrowser import login, newWorksheet, output, runCell

T = 20_000


def test_the_owner_publishes_and_a_stranger_reads_the_snapshot(context, browser, server, watch):
    from playwright.sync_api import expect

    page = context.new_page()
    seen = watch(page)
    login(page, server)
    newWorksheet(page)
    runCell(page, 1, "print('<b>hello public</b>')")
    expect(output(page, 1)).to_have_text("<b>hello public</b>", timeout=T)

    page.goto(server.origin + "/")
    page.get_by_role("button", name="Rename Untitled").click()
    page.get_by_role("textbox", name="New title for Untitled").fill("Open results")
    page.get_by_role("textbox", name="New title for Untitled").press("Enter")
    page.get_by_role("button", name="Share Open results").click()
    expect(page.get_by_text("Not published.")).to_be_visible()
    page.get_by_role("button", name="Publish snapshot of Open results", exact=True).click()
    field = page.get_by_role("textbox", name="Public link")
    expect(field).to_have_value(re.compile(r"/public/[0-9a-f]+/[A-Za-z0-9_-]+$"))
    publicURL = field.input_value()
    expect(page.get_by_role("button", name="Republish snapshot of Open results",
                            exact=True)).to_have_text("Republish snapshot")

    stranger = browser.new_context()
    try:
        public = stranger.new_page()
        publicSeen = watchPage(public)
        response = public.goto(publicURL)
        assert response.status == 200
        assert stranger.cookies() == []
        expect(public.get_by_role("heading", level=1)).to_have_text("Open results")
        expect(public.locator(".public-stream")).to_have_text("<b>hello public</b>\n")
        expect(public.locator(".public-input")).to_have_text("print('<b>hello public</b>')")
        assert public.locator("script").count() == 0
        assert public.locator("b").count() == 0
        publicSeen.assertClean()

        asked = []
        page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        page.get_by_role("button", name="Unpublish Open results").click()
        expect(page.get_by_text("Not published.")).to_be_visible()
        assert asked == ["Unpublish “Open results”? Its public link stops working for everyone."]
        assert public.goto(publicURL).status == 404
    finally:
        stranger.close()
    seen.assertClean()


HTML_OUTPUT = (
    "class Styled:\n"
    "    def _repr_html_(self):\n"
    "        return ('<style>.big {font-size: 40px}</style>'\n"
    "                '<p class=\"big\" style=\"color: rgb(255, 0, 0)\">styled</p>'\n"
    "                '<div style=\"height: 300px; background: rgb(0, 0, 255)\">tall</div>')\n"
    "Styled()"
)


def test_a_snapshot_scrolls_long_outputs_and_sizes_and_styles_html_outputs(context, browser, server, watch):
    """A million characters of output scroll in a box (the page stays short); an HTML output
    keeps its styles, with no CSP violation, and is as tall as its content."""
    from playwright.sync_api import expect

    page = context.new_page()
    seen = watch(page)
    login(page, server)
    url = newWorksheet(page)
    runCell(page, 1, "print('\\n'.join('line %06d' % i for i in range(80_000)))")
    expect(output(page, 1)).to_contain_text("line 079999", timeout=T)
    runCell(page, 2, HTML_OUTPUT)
    expect(output(page, 2).locator("iframe")).to_be_visible(timeout=T)
    worksheetId = url.rstrip("/").rsplit("/", 1)[1]
    answer = page.evaluate(
        """async (id) => (await fetch(`/api/worksheets/${id}/publish`, {method: 'POST',
          headers: {'content-type': 'application/json'}, body: '{}'})).json()""", worksheetId)
    stranger = browser.new_context()
    try:
        public = stranger.new_page()
        publicSeen = watchPage(public)
        assert public.goto(server.origin + answer["published"]["path"]).status == 200
        stream = public.locator(".public-stream")
        expect(stream).to_contain_text("line 079999")
        height = public.evaluate("() => document.documentElement.scrollHeight")
        assert height < 3000, f"the page is {height} px tall"
        assert stream.evaluate("(el) => el.scrollHeight > 100 * el.clientHeight")
        html = public.get_by_role("group", name="HTML output")
        styled = html.get_by_text("styled")
        expect(styled).to_be_visible()
        assert styled.evaluate("(el) => getComputedStyle(el).color") == "rgb(255, 0, 0)"
        assert styled.evaluate("(el) => getComputedStyle(el).fontSize") == "40px"
        tall = html.get_by_text("tall")
        assert tall.evaluate("(el) => getComputedStyle(el).backgroundColor") == "rgb(0, 0, 255)"
        box = html.bounding_box()
        assert 340 <= box["height"] <= 460, f"the HTML output is {box['height']} px tall"
        assert public.locator("script, iframe").count() == 0
        publicSeen.assertClean()
    finally:
        stranger.close()
    seen.assertClean()
