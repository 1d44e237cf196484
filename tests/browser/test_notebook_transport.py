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
