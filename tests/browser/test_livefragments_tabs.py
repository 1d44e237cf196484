"""Eight tabs of one browser on one server stay live (protocol.md 5.2, crowded sessions).

Chromium opens at most 6 HTTP/1.1 connections per host for all the tabs of a profile; a
parked long-poll holds one.  The server rotates the parked requests of a crowded session.
"""

import re
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

READY = 'html[data-lf-example="ready"][data-lf-connection="live"]'


def openTabs(context, url, count):
    tabs, loads = [], []
    for _ in range(count):
        page = context.new_page()
        started = time.monotonic()
        page.goto(url)
        page.wait_for_selector(READY, timeout=60_000)
        loads.append(time.monotonic() - started)
        tabs.append(page)
    return tabs, loads


@pytest.mark.parametrize("kind", ["longpoll", "websocket"])
def test_eight_tabs_of_one_browser_on_one_server_stay_live(kind, counterServer, context):
    url = counterServer(*(["--websocket"] if kind == "websocket" else []))
    tabs, _ = openTabs(context, url, 8)
    for tab in tabs:
        expect(tab.locator(".counter")).to_have_attribute("data-transport", kind)
    tabs[0].click("button.increment")
    for tab in tabs:  # a server push reaches every tab
        expect(tab.locator(".counter .value")).to_have_text("1", timeout=15_000)
    for tab in tabs:
        tab.click("button.increment")
    for tab in tabs:  # every tab's call is answered
        expect(tab.locator(".counter .mine")).to_have_text(
            re.compile(r"^[2-9]$"), timeout=15_000)
    assert sorted(int(tab.locator(".counter .mine").text_content()) for tab in tabs) \
        == list(range(2, 10))
    for tab in tabs:  # every tab saw every increment, once, in order
        expect(tab.locator(".counter .log li")).to_have_text(
            [str(n) for n in range(1, 10)], timeout=15_000)


def test_the_control_without_rotation_a_seventh_tab_waits_for_a_free_connection(
        counterServer, context):
    """Proves the browser really limits connections: with rotation off (and no idle answer for
    ten minutes), six parked polls hold every connection, so a seventh tab cannot even load
    its page until one of the six lets its connection go. No clock is asserted: a slow machine
    only makes the seventh tab wait longer."""
    url = counterServer("--crowded-session-pages", "100", "--idle-timeout", "600")
    tabs, _ = openTabs(context, url, 6)
    seventh = context.new_page()
    seventh.evaluate("url => { location.href = url; }", url)  # goto() would wait for the load
    with pytest.raises(PlaywrightTimeout):
        seventh.wait_for_selector(READY, timeout=4_000)
    tabs[0].close()
    seventh.wait_for_selector(READY, timeout=60_000)
