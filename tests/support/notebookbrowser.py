"""Driving worksheets in Chromium through the real ``athena-nb`` process (browser tests).

``NotebookServer`` runs ``python -m athena_nb.cli`` on an ephemeral port with a fixed token and
its own data directory, and can be killed and started again on the same directory.  The
helpers find cells by the accessibility contract (groups "Cell N" holding a textbox "Cell
input", a region "Cell output" and buttons "Run" and "Delete cell").
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import sys
import time
from pathlib import Path

from tests.browser.conftest import ServerProcess

TIMEOUT = 20_000


class NotebookServer:
    def __init__(self, dataDir, *extra: str):
        self.dataDir = str(dataDir)
        self.token = secrets.token_urlsafe(16)
        self.extra = extra
        self.server: ServerProcess | None = None
        self.url: str | None = None

    @property
    def origin(self) -> str:
        return self.url.split("/?")[0]

    @property
    def loginURL(self) -> str:
        return f"{self.origin}/?token={self.token}"

    def start(self, port: int = 0) -> NotebookServer:
        """Start the server, on a free port unless ``port`` says which."""
        self.server = ServerProcess(
            [sys.executable, "-m", "athena_nb.cli", "--port", str(port), "--data-dir", self.dataDir,
             "--token", self.token, "--system", "python", "--pool-size", "1",
             "--sage-pool-size", "0", *self.extra])
        self.url = self.server.waitForURL(60)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs at all."""
        process = self.server.process
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        assert process.returncode == -signal.SIGKILL

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    @property
    def output(self) -> str:
        return "".join(self.server.output) if self.server else ""


def login(page, server: NotebookServer) -> None:
    page.goto(server.loginURL)
    page.wait_for_url(server.origin + "/")


def worksheetDir(server: NotebookServer, url: str) -> Path:
    """The directory of the worksheet at ``url`` on the server: the one place of the server's
    that its (sandboxed) kernel sees, where a test leaves a file for a cell to find by name."""
    return Path(server.dataDir, "worksheets", url.rstrip("/").rsplit("/", 1)[1])


def newWorksheet(page) -> str:
    """From the home page: "New worksheet"; returns the worksheet's URL."""
    page.get_by_role("button", name="New worksheet").click()
    page.wait_for_url(re.compile(r"/worksheets/[0-9a-f]+/$"))
    waitLive(page)
    return page.url


def _expect():
    from playwright.sync_api import expect

    return expect


def waitLive(page) -> None:
    """Until the worksheet is live: it renders busy, with its controls locked, until then."""
    _expect()(page.get_by_role("main")).not_to_have_attribute("aria-busy", "true", timeout=30_000)


def toolbarMenu(page, name: str = "More worksheet actions"):
    """Opens a menu of the worksheet's toolbar (⋯, or "Download"), unless it is open."""
    opener = page.locator(".nb-toolbar").get_by_role("button", name=name, exact=True)
    _expect()(opener).to_be_enabled()
    if opener.get_attribute("aria-expanded") != "true":
        opener.click()
    return opener


def cell(page, n: int):
    return page.get_by_role("group", name=f"Cell {n}", exact=True)


def box(page, n: int):
    return cell(page, n).get_by_role("textbox", name="Cell input")


#: The text of a cell's input: the editor's document once made (CodeMirror, found from its
#: content element), the server-rendered text before (a <pre>, while the cell is far from the
#: screen, editor.js).
_TEXT = """async (el) => {
  if (el.tagName === 'PRE') return el.textContent;
  const {EditorView} = await import('@codemirror/view');
  return EditorView.findFromDOM(el).state.doc.toString();
}"""
_SELECTION = """async (el) => {
  if (el.tagName === 'PRE') throw new Error('The cell has no editor yet: it has no selection.');
  const {EditorView} = await import('@codemirror/view');
  const main = EditorView.findFromDOM(el).state.selection.main;
  return [main.from, main.to];
}"""


def textOf(page, n: int) -> str:
    """Cell ``n``'s input text, exactly (newlines and indentation included)."""
    return box(page, n).evaluate(_TEXT)


def selectionOf(page, n: int) -> tuple[int, int]:
    """Cell ``n``'s selection (UTF-16 offsets, as the browser counts)."""
    return tuple(box(page, n).evaluate(_SELECTION))


def expectText(page, n: int, text: str, timeout: float = TIMEOUT) -> None:
    """Waits until cell ``n``'s input reads exactly ``text`` (like ``to_have_value``)."""
    deadline = time.monotonic() + timeout / 1000
    seen = None
    while True:
        try:
            seen = textOf(page, n)
        except Exception as e:  # not there yet, or being replaced by the editor
            seen = e
        if seen == text:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"Cell {n}'s input reads {seen!r}, not {text!r}.")
        page.wait_for_timeout(50)


def output(page, n: int):
    return cell(page, n).get_by_role("region", name="Cell output")


def typeInto(page, n: int, code: str) -> None:
    """Click into cell ``n`` and type ``code`` (newlines included) as a person would, each
    line with the indentation it has in ``code`` (the editor's own indentation is replaced)."""
    target = box(page, n)
    _expect()(target).to_be_editable(timeout=30_000)
    target.click()
    target.press("End")
    for i, line in enumerate(code.split("\n")):
        if i:
            target.press("Enter")
            # The editor indents the new line itself; the line brings its own indentation.
            target.press("Shift+Home")
        if line:
            target.press_sequentially(line)


def runCell(page, n: int, code: str, keys: str = "Shift+Enter") -> None:
    typeInto(page, n, code)
    box(page, n).press(keys)


def shareLink(page, worksheetURL: str, role: str) -> str:
    """Make a share link as the owner (from the owner's page, with the page's own fetch)."""
    worksheetId = worksheetURL.rstrip("/").rsplit("/", 1)[1]
    answer = page.evaluate(
        """async ([id, role]) => {
          const r = await fetch(`/api/worksheets/${id}/links`, {method: 'POST',
            headers: {'content-type': 'application/json', accept: 'application/json'},
            body: JSON.stringify({role})});
          return await r.text();
        }""", [worksheetId, role])
    return json.loads(answer)["link"]["path"]


def join(page, origin: str, path: str, name: str) -> None:
    page.goto(origin + path)
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(r"/worksheets/[0-9a-f]+/$"))
    waitLive(page)
