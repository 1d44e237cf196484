"""How a worksheet's page reaches the server, in a real Chromium: over WebSocket by default (a
keystroke is one frame each way), over long-poll with ``--no-websocket``, and a page whose
browser goes offline says so at once, whatever the transport, and comes back by itself.
"""

from __future__ import annotations

import re

import pytest

from tests.support.notebookbrowser import (
    NotebookServer,
    expectText,
    login,
    newWorksheet,
    typeInto,
)

T = 20_000


def expect():
    from playwright.sync_api import expect

    return expect


class Sockets:
    """The WebSockets a page opens, and the text frames it sends on them."""

    def __init__(self, page):
        self.opened: list[str] = []
        self.sent: list[str] = []
        page.on("websocket", self._opened)

    def _opened(self, socket) -> None:
        self.opened.append(socket.url)
        socket.on("framesent", lambda payload: self.sent.append(payload)
                  if isinstance(payload, str) else None)


@pytest.fixture(params=["websocket", "long-poll"])
def two(request, browser, tmp_path):
    """The owner and Carla on one worksheet of a server with WebSocket (the default) or
    without it; each page's WebSockets recorded."""
    flags = ("--no-websocket",) if request.param == "long-poll" else ()
    server = NotebookServer(tmp_path / "data", *flags).start()
    contexts = [browser.new_context() for _ in range(2)]
    try:
        owner, carla = (context.new_page() for context in contexts)
        sockets = Sockets(owner), Sockets(carla)
        login(owner, server)
        url = newWorksheet(owner)
        login(carla, server)
        carla.goto(url)
        yield request.param, (owner, carla), sockets
    finally:
        for context in contexts:
            context.close()
        server.stop()


def kernelStatus(page):
    return page.locator(".nb-kernel")


def test_pages_connect_over_websocket_unless_the_server_says_long_poll_only(two):
    kind, (owner, carla), sockets = two
    typeInto(owner, 1, "x = 41 + 1")
    expectText(carla, 1, "x = 41 + 1", timeout=T)
    if kind == "websocket":
        for page in sockets:
            assert [url for url in page.opened if re.search(r"/ws$", url)], page.opened
        edits = [frame for frame in sockets[0].sent if '"edit"' in frame]
        assert edits, "the owner's keystrokes went as WebSocket frames"
    else:
        assert sockets[0].opened == [] and sockets[1].opened == []


def test_a_page_whose_browser_goes_offline_says_so_at_once_and_comes_back(two):
    kind, (owner, carla), _ = two
    typeInto(owner, 1, "before = 1")
    expectText(carla, 1, "before = 1", timeout=T)
    carla.context.set_offline(True)
    # Nothing else happens on the worksheet: the page knows from the browser, not from a
    # failed request (an open WebSocket or a parked poll may not fail for minutes).
    expect()(kernelStatus(carla)).to_have_text("Disconnected — reconnecting…", timeout=5_000)
    typeInto(owner, 1, "\nafter = 2")
    carla.context.set_offline(False)
    expectText(carla, 1, "before = 1\nafter = 2", timeout=T)
    expect()(kernelStatus(carla)).not_to_have_text(re.compile("Disconnected"), timeout=T)


def _freePort() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_edits_made_while_the_server_was_down_are_made_again_after_a_reload(browser, tmp_path):
    """The server dies; the person types on; it comes back (same address); they reload. The
    page that ended kept its unsaved edits in the tab (js/athena_nb/unsaved.js), and the new
    one makes them again: the server has every character, once."""
    server = NotebookServer(tmp_path / "data", "--port", str(_freePort())).start()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # "Leave the page?" (unsaved edits)
        login(page, server)
        url = newWorksheet(page)
        typeInto(page, 1, "a = 1")
        expect()(page.locator(".nb-saved")).to_have_text("Saved", timeout=T)
        server.kill()
        expect()(kernelStatus(page)).to_have_text(re.compile("Disconnected"), timeout=T)
        typeInto(page, 1, "\nb = 2")
        server.start()
        page.reload()
        expectText(page, 1, "a = 1\nb = 2", timeout=T)
        expect()(page.locator(".nb-hint")).to_have_text(
            "Your unsaved edits to cell 1 were made again.", timeout=T)
        expect()(page.locator(".nb-saved")).to_have_text("Saved", timeout=T)
        other = browser.new_context()
        try:
            fresh = other.new_page()
            login(fresh, server)
            fresh.goto(url)
            expectText(fresh, 1, "a = 1\nb = 2", timeout=T)
        finally:
            other.close()
    finally:
        context.close()
        server.stop()
