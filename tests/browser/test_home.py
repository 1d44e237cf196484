"""The home page in a real Chromium, against the real ``athena-nb`` process.

Log in with the token; "New worksheet" opens a new worksheet; back home it is listed as a link
named by its title; rename it, move it to the trash, show the trash, restore it, delete it
forever; make a share
link (from the worksheet's own Share panel) and see it work for a second browser, who has no
Share button.  The server and browser fixtures are tests/browser/conftest.py's.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def page(context, server, watch):
    page = context.new_page()
    found = watch(page)
    page.goto(server.loginURL)
    page.origin = server.origin
    yield page
    found.assertClean()


def test_log_in_create_rename_trash_and_restore(page):
    from playwright.sync_api import expect

    # The token URL logged us in and was taken out of the address bar.
    expect(page).to_have_url(page.origin + "/")
    expect(page.get_by_role("heading", name="Worksheets")).to_be_visible()

    page.get_by_role("button", name="New worksheet").click()
    page.wait_for_url(re.compile(r"/worksheets/[0-9a-f]+/$"))
    worksheet = page.url
    page.goto(page.origin + "/")
    link = page.get_by_role("link", name="Untitled", exact=True)
    expect(link).to_have_attribute("href", worksheet.removeprefix(page.origin))

    page.get_by_role("button", name="Rename Untitled").click()
    box = page.get_by_role("textbox", name="New title for Untitled")
    expect(box).to_be_focused()
    box.fill("Group theory")
    box.press("Enter")
    expect(page.get_by_role("link", name="Group theory", exact=True)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Renamed to “Group theory”.")
    page.reload()
    expect(page.get_by_role("link", name="Group theory", exact=True)).to_be_visible()

    page.get_by_role("button", name="Move to trash: Group theory").click()
    expect(page.get_by_role("link", name="Group theory", exact=True)).to_have_count(0)
    show = page.get_by_role("button", name=re.compile(r"Show trash"))
    expect(show).to_have_text("Show trash (1)")
    show.click()
    expect(page.get_by_role("button", name="Hide trash")).to_have_attribute("aria-pressed", "true")
    trash = page.get_by_role("list", name="Trash")
    expect(trash).to_contain_text("Group theory")
    trash.get_by_role("button", name="Restore Group theory").click()
    expect(page.get_by_role("list", name="Worksheets").get_by_role(
        "link", name="Group theory", exact=True)).to_be_visible()
    expect(page.get_by_text("The trash is empty.")).to_be_visible()

    # From the trash, Delete forever asks first; no keeps it, yes deletes it for good.
    page.get_by_role("button", name="Move to trash: Group theory").click()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    trash.get_by_role("button", name="Delete forever: Group theory").click()
    assert asked and asked[0].startswith("Delete “Group theory” forever?")
    expect(trash).to_contain_text("Group theory")
    page.once("dialog", lambda dialog: dialog.accept())
    trash.get_by_role("button", name="Delete forever: Group theory").click()
    expect(page.get_by_role("status")).to_have_text("“Group theory” was deleted forever.")
    expect(page.get_by_text("The trash is empty.")).to_be_visible()
    page.reload()
    expect(page.get_by_text("Group theory")).to_have_count(0)
    assert page.goto(worksheet).status == 404


def test_escape_cancels_a_rename(page):
    from playwright.sync_api import expect

    page.get_by_role("button", name="New worksheet").click()
    page.wait_for_url(re.compile(r"/worksheets/"))
    page.goto(page.origin + "/")
    page.get_by_role("button", name="Rename Untitled").click()
    box = page.get_by_role("textbox", name="New title for Untitled")
    box.fill("Never saved")
    box.press("Escape")
    expect(page.get_by_role("link", name="Untitled", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Rename Untitled")).to_be_focused()
    page.reload()
    expect(page.get_by_role("link", name="Never saved", exact=True)).to_have_count(0)


def test_a_share_link_from_the_home_page_lets_a_second_browser_in(page, browser):
    from playwright.sync_api import expect

    page.get_by_role("button", name="New worksheet").click()
    page.wait_for_url(re.compile(r"/worksheets/"))
    worksheet = page.url
    # The worksheet's Share button (owner only) opens the home page's share panel in place.
    share = page.get_by_role("button", name="Share", exact=True)
    share.click()
    expect(share).to_have_attribute("aria-expanded", "true")
    panel = page.get_by_role("region", name="Share")
    expect(panel).to_contain_text("An edit link lets its holder")  # the server's note
    panel.get_by_role("button", name="New view-only link").click()
    field = panel.get_by_role("textbox", name="viewer link")
    expect(field).to_have_value(re.compile(r"/share/[A-Za-z0-9_-]+$"))
    shareURL = field.input_value()
    share.click()
    expect(panel).to_be_hidden()

    guest = browser.new_context().new_page()
    guest.goto(shareURL)
    expect(guest.get_by_text("as a viewer")).to_be_visible()
    guest.get_by_role("textbox", name="Your name (the others see it)").fill("Grace")
    guest.get_by_role("button", name="Join").click()
    guest.wait_for_url(worksheet)
    expect(guest.get_by_role("button", name="Share", exact=True)).to_have_count(0)
    guest.goto(page.origin + "/api/worksheets")
    assert "Only the notebook's owner" in guest.content()

    sessions = page.get_by_role("list", name="Sessions")
    # The home page, the worksheet's share panel open (?share=), Grace in the Sessions list.
    page.goto(page.origin + "/?share=" + worksheet.rstrip("/").rsplit("/", 1)[1])
    expect(page.get_by_role("button", name="Share Untitled")).to_have_attribute(
        "aria-expanded", "true")
    expect(sessions).to_contain_text("Grace")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Revoke viewer link").click()  # asked first: kept
    expect(sessions).to_contain_text("Grace")
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Revoke viewer link").click()
    expect(page.get_by_role("status")).to_contain_text("revoked")
    assert asked == ["Revoke this view-only link? Everyone who joined through it loses "
                     "access at once."] * 2
    expect(sessions).not_to_contain_text("Grace")  # her session ended with the link
    response = guest.goto(worksheet)
    assert response.status == 403
    guest.context.close()


def test_without_the_token_the_login_form_takes_it(browser, server):
    from playwright.sync_api import expect

    origin, token = server.origin, server.token
    context = browser.new_context()
    page = context.new_page()
    response = page.goto(origin + "/")
    assert response.status == 403
    page.get_by_label("Token").fill("wrong-token-wrong-token")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("That is not the token.")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="New worksheet")).to_be_visible()
    context.close()


def test_the_home_page_fits_a_phone_and_a_wide_screen(page):
    """No horizontal scrolling at 360 px, and the list stays a readable column at 1920 px."""
    page.get_by_role("button", name="New worksheet").click()
    page.wait_for_url(re.compile(r"/worksheets/"))
    page.goto(page.origin + "/")
    for width in (360, 1920):
        page.set_viewport_size({"width": width, "height": 800})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, (width, scroll)
        listWidth = page.evaluate(
            "document.getElementById('worksheet-list').getBoundingClientRect().width")
        assert listWidth <= min(width, 60 * 16), listWidth


def test_no_page_asks_for_anything_that_is_not_there(page):
    """Home, a worksheet and a published snapshot load without a single failed request (the
    pages declare their icon inline, so no browser asks for a missing /favicon.ico)."""
    from playwright.sync_api import expect

    failed = []
    page.on("response", lambda r: r.status >= 400 and failed.append((r.status, r.url)))
    # Leaving a worksheet aborts its parked long-poll request; nothing else may fail.
    page.on("requestfailed", lambda r: r.url.endswith("/transport") or failed.append(
        (r.failure, r.url)))
    expect(page.get_by_role("heading", name="Worksheets")).to_be_visible()
    page.get_by_role("button", name="New worksheet").click()
    page.wait_for_url(re.compile(r"/worksheets/[0-9a-f]+/$"))
    expect(page.get_by_role("main")).not_to_have_attribute("aria-busy", "true")
    worksheetId = page.url.rstrip("/").rsplit("/", 1)[1]
    published = page.evaluate(
        """async (id) => (await (await fetch(`/api/worksheets/${id}/publish`, {method: 'POST',
             headers: {'content-type': 'application/json', accept: 'application/json'},
             body: '{}'})).json()).published.path""", worksheetId)
    page.goto(page.origin + published)
    expect(page.get_by_role("heading", name="Untitled")).to_be_visible()
    page.goto(page.origin + "/")
    expect(page.get_by_role("link", name="Untitled", exact=True)).to_be_visible()
    assert failed == []
    assert page.locator('link[rel="icon"]').get_attribute("href").startswith("data:image/svg")
