"""The Sessions panel of the home page in a real Chromium, against the real ``athena-nb`` process:
the owner sees their own browsers and a share link's visitor, and ends them."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_the_owner_sees_and_ends_sessions(browser, server, watch):
    from playwright.sync_api import expect

    from tests.support.notebookbrowser import join, login, newWorksheet, shareLink

    contexts = [browser.new_context() for _ in range(3)]
    for context in contexts:
        context.set_default_timeout(20_000)
    owner, laptop, guest = (c.new_page() for c in contexts)
    seen = watch(owner)
    login(owner, server)
    login(laptop, server)
    url = newWorksheet(owner)
    join(guest, server.origin, shareLink(owner, url, "collaborator"), "Grace")
    owner.goto(server.origin + "/")

    sessions = owner.get_by_role("list", name="Sessions")
    expect(sessions.get_by_role("listitem")).to_have_count(3)
    expect(sessions).to_contain_text("You (owner), this browser")
    expect(sessions).to_contain_text("Grace, who can edit “Untitled”")
    expect(sessions).to_contain_text("From 127.0.0.1 with Chrome/")

    sessions.get_by_role("button", name="End the session of Grace, who can edit “Untitled”").click()
    expect(owner.get_by_role("status")).to_contain_text("Grace has lost access")
    expect(guest.get_by_role("alert").filter(has_text="No access")).to_contain_text(
        re.compile("owner ended your session"))
    assert guest.goto(url).status == 403

    sessions.get_by_role("button", name="End the session of You (owner)", exact=True).click()
    expect(sessions.get_by_role("listitem")).to_have_count(1)
    assert laptop.goto(server.origin + "/").status == 403

    sessions.get_by_role("button", name="End the session of You (owner), this browser").click()
    owner.wait_for_url(server.origin + "/login")
    assert owner.goto(server.origin + "/").status == 403
    seen.assertClean()
    for context in contexts:
        context.close()


def test_the_owner_makes_an_api_token_a_script_uses_and_ends_it(browser, server, watch):
    import json
    import urllib.error
    import urllib.request

    from playwright.sync_api import expect

    from tests.support.notebookbrowser import login

    context = browser.new_context()
    context.set_default_timeout(20_000)
    owner = context.new_page()
    seen = watch(owner)
    login(owner, server)
    owner.goto(server.origin + "/")
    form = owner.get_by_role("form", name="New API token")
    form.get_by_label("Script").fill("backup job")
    form.get_by_label("Access").select_option("read")
    form.get_by_role("button", name="New API token").click()
    token = owner.locator("#token-value")
    expect(token).not_to_be_empty()
    sessions = owner.get_by_role("list", name="Sessions")
    expect(sessions).to_contain_text("API token “backup job” (read-only)")

    def status():
        request = urllib.request.Request(server.origin + "/api/v1/worksheets",
                                         headers={"Authorization": f"Bearer {token.text_content()}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    code, listed = status()
    assert code == 200 and "worksheets" in listed
    sessions.get_by_role("button", name="End the session of API token “backup job” (read-only)").click()
    expect(owner.get_by_role("status")).to_contain_text("The token “backup job” no longer works.")
    assert status()[0] == 401
    seen.assertClean()
    context.close()
