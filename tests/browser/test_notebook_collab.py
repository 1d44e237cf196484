"""Three people on one worksheet, each in their own browser context (own cookies, own session),
through the real ``athena-nb`` process: edits, outputs, structure and presence reach the others
live; two people typing in one cell at once both keep every keystroke; a read-only viewer
cannot type or run; a revoked share link closes its page.
"""

from __future__ import annotations

import re

from tests.support.notebookbrowser import (
    box,
    cell,
    expectText,
    join,
    login,
    newWorksheet,
    output,
    runCell,
    selectionOf,
    shareLink,
    typeInto,
)

T = 20_000


def expect(*args, **kwargs):
    from playwright.sync_api import expect

    return expect(*args, **kwargs)


def test_edits_outputs_structure_and_presence_reach_everyone(three):
    owner, carla, vic = three
    typeInto(owner, 1, "total = 6 * 7")
    for page in (carla, vic):
        expectText(page, 1, "total = 6 * 7")
    # Carla runs it and adds a cell below; everyone sees the run, its runner and the new cell.
    box(carla, 1).press("Shift+Enter")
    expect(box(carla, 2)).to_be_focused(timeout=T)
    typeInto(carla, 2, "total")
    box(carla, 2).press("Control+Enter")
    for page in (owner, carla, vic):
        expect(output(page, 2)).to_have_text("42", timeout=T)
        expect(cell(page, 1)).to_have_attribute("data-state", "done")
    expect(cell(owner, 2)).to_contain_text("Carla")
    # Presence: everyone is listed; Carla shows up in cell 2 for the others.
    people = owner.get_by_role("list", name="People viewing this worksheet")
    for name in ("Owner (you)", "Carla", "Vic"):
        expect(people).to_contain_text(name)
    expect(cell(vic, 2).locator(".nb-here")).to_have_text("Carla", timeout=T)
    # Structure: the owner moves cell 2 up; all see the new order.
    cell(owner, 2).get_by_role("button", name="More actions for this cell").click()
    cell(owner, 2).get_by_role("button", name="Move up").click()
    for page in (owner, carla, vic):
        expectText(page, 1, "total")
        expectText(page, 2, "total = 6 * 7")
    # The title, too.
    title = owner.get_by_role("textbox", name="Worksheet title")
    title.fill("Shared work")
    title.press("Enter")
    for page in (carla, vic):
        expect(page.get_by_role("textbox", name="Worksheet title")).to_have_value(
            "Shared work", timeout=T)
    # Closing a tab takes its person off the list at once (pagehide + sendBeacon).
    vic.close()
    expect(people.get_by_role("listitem")).to_have_count(2, timeout=T)
    expect(people).not_to_contain_text("Vic")


def test_two_people_typing_in_one_cell_both_keep_every_keystroke(three):
    owner, carla, vic = three
    typeInto(owner, 1, "[]")
    expectText(carla, 1, "[]")
    box(owner, 1).press("End")
    box(owner, 1).press("ArrowLeft")
    box(carla, 1).click()
    box(carla, 1).press("End")
    # Interleave keystrokes of both people, at opposite ends of the text.
    for n in range(8):
        box(owner, 1).press(str(n))
        box(carla, 1).press(chr(ord("a") + n))
    final = "[01234567]abcdefgh"
    for page in (owner, carla, vic):
        expectText(page, 1, final)
    # Each one's caret stayed with their own text.
    assert selectionOf(owner, 1) == (len("[01234567"),) * 2
    assert selectionOf(carla, 1) == (len(final),) * 2


def test_a_viewer_can_watch_but_not_type_or_run(three):
    owner, carla, vic = three
    expect(box(vic, 1)).not_to_be_editable()
    expect(cell(vic, 1).get_by_role("button", name="Run", exact=True)).to_have_count(0)
    # Only what they may use: no greyed Run all, Restart or Add cell, no typing keys.
    for name in ("Run all", "Interrupt", "Restart", "Add cell"):
        expect(vic.get_by_role("button", name=name)).to_have_count(0)
    expect(vic.locator(".nb-keys")).to_have_count(0)
    vic.get_by_role("button", name="More worksheet actions").click()
    expect(vic.locator(".nb-toolbar .nb-menu:visible button")).to_have_text(
        ["Line numbers", "Find in worksheet"])
    expect(vic.get_by_role("button", name="Line numbers")).to_be_enabled()
    vic.keyboard.press("Escape")
    box(vic, 1).click()
    box(vic, 1).press_sequentially("x")
    box(vic, 1).press("Shift+Enter")
    runCell(owner, 1, "'from the owner'")
    expect(output(vic, 1)).to_have_text("'from the owner'", timeout=T)
    expectText(owner, 1, "'from the owner'")


def test_revoking_a_share_link_closes_the_visitors_page(browser, server):
    ownerContext, guestContext = browser.new_context(), browser.new_context()
    owner, guest = ownerContext.new_page(), guestContext.new_page()
    login(owner, server)
    url = newWorksheet(owner)
    path = shareLink(owner, url, "collaborator")
    join(guest, server.origin, path, "Gus")
    token = path.rsplit("/", 1)[1]
    answer = owner.evaluate(
        """async (token) => (await fetch(`/api/links/${token}/revoke`, {method: 'POST',
          headers: {'content-type': 'application/json'}, body: '{}'})).status""", token)
    assert answer == 200
    # Closed in band with the reason, also when the revocation wins the race with the next
    # long-poll (that poll is let through to the closing page, not refused by the gate).
    expect(guest.locator("html[data-lf-connection='closed']")).to_have_count(1, timeout=T)
    # What the page showed of the worksheet goes: they may no longer see it. The notice says
    # why, once: the connection's status line, which would say it again, is not shown.
    notice = guest.get_by_role("alert").filter(has_text="No access")
    expect(notice).to_contain_text("revoked")
    expect(guest.locator(".lf-status")).to_contain_text(re.compile("This page was closed.*revoked"))
    expect(guest.locator(".lf-status")).to_be_hidden()
    expect(guest.get_by_role("button", name="Reload")).to_have_count(0)  # it would not help
    expect(guest.locator(".nb-cell")).to_have_count(0)
    expect(guest.get_by_role("textbox", name="Worksheet title")).to_have_count(0)
    assert guest.title() == "No access · athena-nb"
    guest.reload()
    expect(guest.get_by_role("group", name="Cell 1")).to_have_count(0)
    # What a reload shows them says what to do, not only how the owner logs in.
    expect(guest.get_by_text(re.compile("came here by a share link"))).to_be_visible()
    ownerContext.close()
    guestContext.close()
