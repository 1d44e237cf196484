"""Chromium for bench/browser.py: the browser, its contexts and pages, and the in-page timing probe.  Tests: tests/integration/test_bench_smoke.py.

One headless Chromium (Debian's /usr/bin/chromium through Playwright; never a browser of
Playwright's own). Each "person" is a browser context of their own (own cookies, own session).
Every page gets bench/_browser_probe.js as an init script; the helpers here arm its waits and
read its times (ms on one clock for all pages, see the probe).

Traffic stays on this machine: Chromium resolves no host name but 127.0.0.1 (a host resolver
rule), and every request to another host is counted (``Browser.offMachine``) so the run can
say so.
"""

from __future__ import annotations

import os
import time

from common import say

HERE = os.path.dirname(os.path.abspath(__file__))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run",
                 # Nothing but this machine: every other host name fails to resolve.
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                 # Pages in the background (the second person, the watchers) run at full speed.
                 "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
                 "--disable-backgrounding-occluded-windows"]
VIEWPORT = {"width": 1280, "height": 900}
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")

with open(os.path.join(HERE, "_browser_probe.js")) as _f:
    PROBE = _f.read()


def missing() -> str | None:
    """Why no browser can be driven here, or None."""
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} does not exist (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as e:
        return f"Playwright is not importable ({e}); pip install '.[test]'"
    return None


class Browser:
    """Playwright's sync API driving one headless Chromium; ``with Browser() as b: ...``."""

    def __init__(self):
        self.manager = self.playwright = self.browser = None
        self.offMachine: list[str] = []
        #: Times the browser was gone when a new person came (it is started again then).
        self.restarts = 0

    def __enter__(self) -> Browser:
        from playwright.sync_api import sync_playwright

        self.manager = sync_playwright()
        self.playwright = self.manager.start()
        self._launch()
        return self

    def _launch(self) -> None:
        self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                       args=CHROMIUM_ARGS)

    def __exit__(self, *exc) -> None:
        try:
            if self.browser is not None:
                self.browser.close()
        finally:
            if self.manager is not None:
                self.manager.__exit__(None, None, None)

    def context(self, timeout: float = 60.0):
        """A new person: a context of its own with the probe in each of its pages (in a browser
        started again if the last one went away: a 20 MB notebook's page may take it down)."""
        if not self.browser.is_connected():
            self.restarts += 1
            self._launch()
        context = self.browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(timeout * 1000)
        context.add_init_script(PROBE)
        context.on("request", self._request)
        return context

    def _request(self, request) -> None:
        if not request.url.startswith(LOCAL):
            self.offMachine.append(request.url)


class Side:
    """What the athena-nb and JupyterLab sides of bench/browser.py share: a page load timed
    from the start, and the caret put in a cell's editor (``editor(page, index)``)."""

    loadURL: str

    def openLoad(self, page, readyTest: str, url: str | None = None, args=None,
                 timeout: float = 120.0) -> None:
        """Load the 20-cell notebook (or ``url``) in ``page``, waiting from its start for
        ``readyTest`` (given ``args``)."""
        armAtStart(page, "ready", readyTest, args, timeout)
        page.goto(url or self.loadURL, wait_until="commit")

    def focusEnd(self, page, index: int) -> None:
        """Click into cell ``index``'s editor and put the caret at the end of its text."""
        self.editor(page, index).click()
        page.keyboard.press("Control+End")


def pageLoads(browser, login, load, n: int, timeout: float = 60.0, after=None):
    """(warm samples, the first load with a cold cache), ms from a new tab's navigation start
    until the probe's "ready": ``login(context)`` once, then ``load(page)`` n + 1 times;
    ``after(page, ready, i)`` runs on each load once it is ready."""
    context = browser.context(timeout)
    try:
        login(context).close()
        samples, first = [], None
        for i in range(n + 1):
            page = context.new_page()
            page.on("crash", lambda p: say(f"  !! the page {p.url} crashed"))
            load(page)
            ready = result(page, "ready")
            ms = ready - page.evaluate("() => performance.timeOrigin")
            if i == 0:
                first = ms
            else:
                samples.append(ms)
            if after is not None:
                after(page, ready, i)
            page.close()
            pause(0.3)
        return samples, first
    finally:
        context.close()


# -- the probe, from Python -------------------------------------------------------------------

def arm(page, name: str, test: str, args=None, timeout: float = 60.0,
        frames: bool = False) -> None:
    """Start waiting in ``page`` until the JS arrow function ``test`` (given ``args``) holds,
    looked at on every DOM change (and every animation frame if ``frames``: a test of layout)."""
    # The test is part of the evaluated source (a page's CSP forbids eval, not this).
    page.evaluate(f"([name, args, ms, frames]) => __bench.arm(name, () => ({test})(args), ms, frames)",
                  [name, args, int(timeout * 1000), frames])


def result(page, name: str) -> float:
    """The probe's time (ms) at which ``name``'s test first held; waits for it."""
    t = page.evaluate("(name) => __bench.result(name)", name)
    if isinstance(t, str):
        raise TimeoutError(f"In {page.url}: {name}: {t}.")
    return t


def armAtStart(page, name: str, test: str, args=None, timeout: float = 120.0) -> None:
    """``arm`` in the page's next document, before any of its own scripts (for page loads)."""
    import json

    page.add_init_script(f"__bench.arm({json.dumps(name)}, () => ({test})({json.dumps(args)}), "
                         f"{int(timeout * 1000)}, true);")


def clearKeys(page) -> None:
    page.evaluate("() => __bench.clearKeys()")


def keyTime(page, key: str | None = None) -> float:
    """When the page saw the first keydown (of ``key``, if given) since ``clearKeys``."""
    keys = page.evaluate("() => __bench.keys.slice()")
    for k in keys:
        if key is None or k["key"] == key:
            return k["t"]
    raise RuntimeError(f"The page saw no keydown of {key or 'any key'}; it saw {keys}.")


def markOutputs(page, index: int) -> None:
    page.evaluate("(i) => __bench.markOutputs(i)", index)


#: How a person presses Shift+Enter: Shift goes down some time before Enter (none when typing
#: fast, "at once"), and Enter is held some 80 ms (s). Playwright's ``press`` lets go of both
#: keys within a millisecond, which no person does, and which costs the page a frame: Chromium
#: holds a page's tasks after each key event while a frame is due, so a key-up right after
#: the key-down holds the answer to the key-down until that frame is drawn
#: (docs/performance.md, "The caret that held every answer"). The same for both sides.
SHIFT_LEAD = 0.1
ENTER_HOLD = 0.08


def shiftEnter(page, lead: float = SHIFT_LEAD) -> None:
    """Shift+Enter as a person presses it: Shift ``lead`` s before Enter, Enter held."""
    page.keyboard.down("Shift")
    if lead:
        pause(lead)
    page.keyboard.down("Enter")
    pause(ENTER_HOLD)
    page.keyboard.up("Enter")
    page.keyboard.up("Shift")


def pause(seconds: float) -> None:
    time.sleep(seconds)


#: JS tests for ``arm``; each is an arrow function of one argument.
NEW_OUTPUT = """([i, want]) => {
  const cell = __bench.cells()[i];
  if (!cell) return false;
  const outs = __bench.outputs(cell);
  if (!outs.length || outs.some((o) => o.hasAttribute('data-bench-old'))) return false;
  const text = outs.map((o) => o.textContent).join('').trim();
  return want === null ? text.length > 0 : text === want;
}"""

#: The new output ends with the line ``want`` (the last of a long stream).
NEW_OUTPUT_ENDS = """([i, want]) => {
  const cell = __bench.cells()[i];
  if (!cell) return false;
  const outs = __bench.outputs(cell);
  if (!outs.length || outs.some((o) => o.hasAttribute('data-bench-old'))) return false;
  const last = outs[outs.length - 1].textContent.trimEnd();
  return last.endsWith('\\n' + want);
}"""

EDITOR_TEXT = """([i, want]) => {
  const cell = __bench.cells()[i];
  return !!cell && __bench.editorText(cell) === want;
}"""

