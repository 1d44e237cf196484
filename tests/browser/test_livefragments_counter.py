"""The live-page framework in a real Chromium, on examples/counter.py, over long-poll and over
WebSocket: calls and errors both ways, a widget added after load, the CSP, a cut connection.
"""

import re

import pytest
from playwright.sync_api import expect

from livefragments import CSP


@pytest.fixture(params=["longpoll", "websocket"])
def server(request, counterServer):
    """(transport, url) of a fresh example server whose pages use that transport."""
    flags = ["--websocket"] if request.param == "websocket" else []
    return request.param, counterServer(*flags)


def openTab(context, url, watch=None):
    page = context.new_page()
    watched = watch(page) if watch is not None else None
    response = page.goto(url)
    page.wait_for_selector('html[data-lf-example="ready"][data-lf-connection="live"]')
    return page, watched, response


def counter(page):
    return page.locator(".counter")


def test_the_browser_calls_python_and_python_calls_the_browser(server, context):
    kind, url = server
    page, _, _ = openTab(context, url)
    expect(counter(page)).to_have_attribute("data-transport", kind)
    page.click("button.increment")
    expect(page.locator(".counter .mine")).to_have_text("1")
    expect(page.locator(".counter .value")).to_have_text("1")
    expect(page.locator(".counter .log li")).to_have_text(["1"])
    page.click("button.roundtrip")
    expect(page.locator(".counter .result")).to_have_text("Python asked 21, the browser said 42")


def test_errors_cross_both_ways_with_their_types(server, context):
    _, url = server
    page, _, _ = openTab(context, url)
    result = page.locator(".counter .result")
    page.click("button.fail")
    expect(result).to_have_text("Declined: Nope, said the browser.")
    expect(result).to_have_attribute("data-error-type", "Declined")
    page.click("button.probe")
    expect(result).to_have_text("Python received RangeError: The browser refused on purpose.")
    expect(page.locator("html")).to_have_attribute("data-lf-connection", "live")


def test_a_widget_added_after_load_hydrates_and_calls_its_server_half(server, context):
    _, url = server
    page, _, _ = openTab(context, url)
    page.click("button.spawn")
    page.click("button.spawn")
    extras = page.locator(".counter .extras .extra")
    expect(extras).to_have_count(2)
    expect(page.locator('.extra[data-hydrated="true"]')).to_have_count(2)
    second = extras.nth(1)
    expect(second.locator(".label")).to_have_text("Extra 2")
    second.locator("button.bump").click()
    second.locator("button.bump").click()
    expect(second.locator(".bumps")).to_have_text("2")
    expect(extras.nth(0).locator(".bumps")).to_have_text("0")


def test_the_page_sends_its_csp_and_runs_without_a_violation(server, context, watch):
    _, url = server
    page, watched, response = openTab(context, url, watch)
    assert response.headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP and "unsafe" not in CSP
    for button in ("increment", "fail", "probe", "roundtrip", "spawn"):
        page.click(f"button.{button}")
    expect(page.locator('.extra[data-hydrated="true"]')).to_have_count(1)
    expect(page.locator(".counter .result")).not_to_have_text("")
    watched.assertClean()
    # The control: the watch does see a violation when there is one.
    page.evaluate("""() => new Promise((resolve) => {
        document.addEventListener('securitypolicyviolation', resolve, {once: true});
        setTimeout(resolve, 5000);  // no violation: the assertions below say so
        const script = document.createElement('script');
        script.textContent = 'window.inlineRan = true';
        document.body.append(script);
    })""")
    # The page's reporter called the binding before the promise above resolved; let it land.
    for _ in range(100):
        if watched.violations:
            break
        page.wait_for_timeout(20)
    assert watched.violations and watched.violations[0]["directive"].startswith("script-src")
    assert page.evaluate("() => window.inlineRan === undefined"), "the inline script was blocked"


@pytest.mark.parametrize("outage", [0, 1], ids=["retried", "unreachable"])
def test_a_cut_connection_resumes_with_nothing_lost_or_doubled(server, context, outage):
    """Three calls and "cut" go in one request; the server runs them, answers, and aborts
    every TCP connection before the answers leave: calls, answers and pushes to both tabs are
    unacknowledged on both sides when the connections die.  With "retried" the browser may
    retry the broken POSTs by itself, unseen by the page; with "unreachable" the server
    refuses long-poll requests for a second, so the page sees its requests fail."""
    kind, url = server
    first, _, _ = openTab(context, url)
    second, _, _ = openTab(context, url)
    counter(first).evaluate(f"(node) => {{ node.dataset.outage = '{outage}'; }}")
    first.click("button.cut")
    # The page's retries back off (up to 0.5, 1, 2, 4 s, at random) while the server refuses
    # them: 5 s, the default wait, is less than their worst case (a CI run waited longer).
    expect(counter(first)).to_have_attribute("data-cut", re.compile(r"^[1-9][0-9]*$"),
                                             timeout=20_000)
    for tab in (first, second):
        expect(tab.locator(".counter .log li")).to_have_text(["1", "2", "3"])
        expect(tab.locator(".counter .value")).to_have_text("3")
    expect(first.locator(".counter .mine")).to_have_text("3")
    if kind == "websocket" or outage:
        # The page itself saw the connection fail and resumed (not only the browser).
        expect(counter(first)).not_to_have_attribute("data-reconnects", "0")
    second.click("button.increment")
    expect(second.locator(".counter .mine")).to_have_text("4")
    for tab in (first, second):
        expect(tab.locator(".counter .log li")).to_have_text(["1", "2", "3", "4"])
        expect(tab.locator("html")).to_have_attribute("data-lf-connection", "live")
        expect(counter(tab)).to_have_attribute("data-transport", kind)
