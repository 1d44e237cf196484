"""athena-nb as bench/browser.py drives it in Chromium: its server, its worksheets, its markup.  Tests: tests/integration/test_bench_smoke.py.

The server is the checkout's ``python -m athena_nb.cli`` on 127.0.0.1 with a token (see
bench/_athena.py), over WebSocket (the default) unless told ``transport="longpoll"`` (then ``--no-websocket``). The worksheets are
made as a person makes them, in the browser: typed into and run.

Markup used (the accessibility contract of the browser tests): cells are ``.nb-cell`` groups
"Cell N"; a cell's input is labelled "Cell input" (its CodeMirror editor near the screen, its
text in a ``<pre>`` elsewhere), its output region "Cell output"; the page's ``main`` is ``aria-busy`` until it is live; the kernel's state is
``.nb-kernel[data-state]``. Today's athena-nb shows LaTeX as its source text (``text/latex``
falls back to text); the page-ready row waits for typeset math where the page makes it
(KaTeX's ``.katex``, MathJax's ``mjx-container`` or MathML's ``math``), else for the text.
"""

from __future__ import annotations

import json
import os

import _bigsheet
from _athena import AthenaServer
from _browser import EDITOR_TEXT, Side, arm, result

TYPESET = ".katex, mjx-container, math"


class AthenaSide(Side):
    """athena-nb: one server, a 20-cell worksheet to load and a worksheet to work in."""

    kind = "athena"

    def __init__(self, procs, transport: str = "longpoll"):
        self.procs, self.transport = procs, transport
        self.key = "athena_lp" if transport == "longpoll" else "athena_ws"
        self.label = "athena-nb LP" if transport == "longpoll" else "athena-nb WS"
        self.token = "bench-" + os.urandom(12).hex()
        self.server = self.bigServer = None
        self.loadURL = self.workURL = self.bigURL = None
        self.mathShown = "text"  # what the page shows for LaTeX: "typeset" or "text"
        self.notes: list[str] = []

    # -- the server ---------------------------------------------------------------------------

    def start(self) -> None:
        extra = ("--no-websocket",) if self.transport == "longpoll" else ()
        self.server = AthenaServer(self.procs, self.token, name=f"browser-{self.key}",
                                   extra=extra)
        self.server.waitUntilUp()

    def stop(self) -> None:
        for server in (self.server, self.bigServer):
            if server is not None:
                server.stop()
        self.server = self.bigServer = None

    def url(self, worksheetId: str) -> str:
        return f"{self.server.base}/worksheets/{worksheetId}/"

    def login(self, context):
        """A person logged in with the token; their first page (left on the home page)."""
        page = context.new_page()
        page.goto(f"{self.server.base}/?token={self.token}")
        page.wait_for_url(self.server.base + "/")
        return page

    # -- the worksheets -----------------------------------------------------------------------

    def prepare(self, browser, cells, mathCells, workCells) -> None:
        """Make the load worksheet (``cells`` run, ``mathCells`` of them showing LaTeX) and
        the work worksheet (``workCells``, not run), through a browser."""
        context = browser.context()
        try:
            page = self.login(context)
            self.loadURL = self.url(self._create(page, "bench: page load"))
            page.goto(self.loadURL)
            self.waitLive(page)
            for i, (code, _) in enumerate(cells):
                self._fill(page, i, code)
                page.locator(".nb-cell").nth(i).get_by_label("Cell input").press(
                    "Shift+Enter" if i < len(cells) - 1 else "Control+Enter")
                if i < len(cells) - 1:
                    page.locator(".nb-cell").nth(i + 1).wait_for()
            for i in range(len(cells)):  # every cell has its output
                page.locator(".nb-cell").nth(i).locator(
                    "[aria-label='Cell output'] > *").first.wait_for(timeout=120_000)
            self.workURL = self.url(self._create(page, "bench: work"))
            page.goto(self.workURL)
            self.waitLive(page)
            for i, code in enumerate(workCells):
                if i:
                    page.get_by_role("button", name="Add cell").click()
                    page.locator(".nb-cell").nth(i).wait_for()
                if code:
                    self._fill(page, i, code)
            for i, code in enumerate(workCells):
                arm(page, "saved", EDITOR_TEXT, [i, code])
                result(page, "saved")
            page.wait_for_timeout(1000)  # the last edits reach the server
        finally:
            context.close()

    def prepareBig(self, browser, sheet) -> None:
        """A server of its own for the big notebook (``sheet``, bench/_bigsheet.py), written
        into its store before it starts, as a server that ran the cells would have it."""
        dataDir = self.procs.tempDir("athena-bench-big-")
        worksheetId = _bigsheet.writeStore(dataDir, "bench: 2,000 cells", sheet)
        extra = ("--no-websocket",) if self.transport == "longpoll" else ()
        self.bigServer = AthenaServer(self.procs, self.token, name=f"browser-{self.key}-big",
                                      extra=extra, dataDir=dataDir)
        self.bigServer.waitUntilUp()
        self.bigURL = f"{self.bigServer.base}/worksheets/{worksheetId}/"

    def bigLogin(self, context):
        page = context.new_page()
        page.goto(f"{self.bigServer.base}/?token={self.token}")
        page.wait_for_url(self.bigServer.base + "/")
        return page

    #: What scrolls the big notebook (None: the page itself).
    bigScroller = None
    live = True

    def _create(self, page, title: str) -> str:
        answer = page.evaluate(
            """async (title) => {
              const r = await fetch('/api/worksheets', {method: 'POST',
                headers: {'content-type': 'application/json', accept: 'application/json'},
                body: JSON.stringify({title})});
              return [r.status, await r.text()];
            }""", title)
        if answer[0] != 201:
            raise RuntimeError(f"Creating a worksheet answered HTTP {answer[0]}: {answer[1][:200]}")
        return json.loads(answer[1])["worksheet"]["id"]

    def _fill(self, page, index: int, code: str) -> None:
        box = page.locator(".nb-cell").nth(index).get_by_label("Cell input")
        box.click()
        box.fill(code)

    # -- what bench/browser.py waits for -----------------------------------------------------

    def waitLive(self, page) -> None:
        page.locator("main:not([aria-busy='true']) .nb-cell").first.wait_for(timeout=60_000)

    def waitIdle(self, page) -> None:
        """Until the worksheet's kernel is idle (after a first run has started it)."""
        page.locator(".nb-kernel[data-state='idle']").wait_for(timeout=120_000)

    def waitKernel(self, page) -> None:
        """athena-nb starts a worksheet's kernel (from its pool) at the first run: the rows'
        warm-up runs do that, untimed."""

    def readyTest(self, cells: int, mathIndexes: list[int], mathText: list[str]) -> str:
        """JS: the load worksheet is live, shows every cell's text and every LaTeX output."""
        typeset = self.mathShown == "typeset"
        return f"""() => {{
          if (document.querySelector('main[aria-busy="true"]') || !document.querySelector('main')) return false;
          const cells = __bench.cells();
          if (cells.length !== {cells}) return false;
          if (cells.some((c) => !__bench.editorText(c))) return false;
          // The cells on the screen have their editors (the others show their text until
          // they come near it, js/athena_nb/nearscreen.js).
          const shown = cells.filter((c) => c.getBoundingClientRect().top < innerHeight);
          if (shown.some((c) => !c.querySelector('.cm-editor'))) return false;
          const math = {json.dumps(mathIndexes)}, text = {json.dumps(mathText)};
          return math.every((i, k) => {{
            const c = cells[i];
            return {"!!c.querySelector(" + json.dumps(TYPESET) + ")" if typeset else
                    "__bench.outputs(c).some((o) => o.textContent.includes(text[k]))"};
          }});
        }}"""

    def probeMath(self, browser, mathIndexes: list[int]) -> str:
        """Open the load worksheet once: does the page typeset LaTeX? Sets ``mathShown``."""
        context = browser.context()
        try:
            page = self.login(context)
            page.goto(self.loadURL)
            self.waitLive(page)
            try:
                page.locator(f".nb-cell [aria-label='Cell output'] :is({TYPESET})").first.wait_for(
                    timeout=5000)
                self.mathShown = "typeset"
            except Exception:
                self.mathShown = "text"
        finally:
            context.close()
        return self.mathShown

    def openWork(self, context):
        page = self.login(context)
        page.goto(self.workURL)
        self.waitLive(page)
        return page

    def editor(self, page, index: int):
        return page.locator(".nb-cell").nth(index).get_by_label("Cell input")
