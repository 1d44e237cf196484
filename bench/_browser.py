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

    def __enter__(self) -> Browser:
        from playwright.sync_api import sync_playwright

        self.manager = sync_playwright()
        self.playwright = self.manager.start()
        self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                       args=CHROMIUM_ARGS)
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.browser is not None:
                self.browser.close()
        finally:
            if self.manager is not None:
                self.manager.__exit__(None, None, None)

    def context(self, timeout: float = 60.0):
        """A new person: a context of its own with the probe in each of its pages."""
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


# -- the probe, from Python -------------------------------------------------------------------

def arm(page, name: str, test: str, args=None, timeout: float = 60.0) -> None:
    """Start waiting in ``page`` until the JS arrow function ``test`` (given ``args``) holds."""
    # The test is part of the evaluated source (a page's CSP forbids eval, not this).
    page.evaluate(f"([name, args, ms]) => __bench.arm(name, () => ({test})(args), ms)",
                  [name, args, int(timeout * 1000)])


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
                         f"{int(timeout * 1000)});")


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

#: The big notebook is ready: its first ``k`` cells (what the screen shows) have an editor with
#: their code and show the output that contains their text; with ``live``, athena-nb's ``main``
#: is no longer busy.
BIG_READY = """([k, codes, outs, live]) => {
  if (live && (!document.querySelector('main') || document.querySelector('main[aria-busy="true"]'))) return false;
  const cells = __bench.cells();
  for (let i = 0; i < k; i++) {
    const c = cells[i];
    if (!c || !c.querySelector('.cm-editor') || __bench.editorText(c) !== codes[i]) return false;
    if (!__bench.outputs(c).some((o) => o.textContent.includes(outs[i]))) return false;
  }
  return true;
}"""

#: Scrolled to the end of the big notebook: its last cell has an editor with its ``code`` and an
#: output holding ``shown`` (a selector). Until then every check scrolls ``scroller`` (or the
#: page) to its end again, since the heights of the cells not drawn yet are only estimates.
BIG_END = """([code, shown, scroller]) => {
  const cells = __bench.cells();
  const c = cells[cells.length - 1];
  if (c && c.querySelector('.cm-editor') && __bench.editorText(c) === code
      && __bench.outputs(c).some((o) => o.matches(shown) || !!o.querySelector(shown))) return true;
  const boxes = scroller ? [...document.querySelectorAll(scroller)].filter((e) => e.clientHeight > 0)
    : [document.scrollingElement];
  const box = boxes[boxes.length - 1];
  if (box) box.scrollTop = box.scrollHeight;
  return false;
}"""
