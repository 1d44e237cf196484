"""Fixtures for browser tests: Playwright's sync API driving Debian's Chromium, servers as
real subprocesses on ephemeral ports of 127.0.0.1.

- ``browser``: one headless Chromium for the session (``/usr/bin/chromium``).
- ``context``: a fresh browser context (its own cookies: one session) per test.
- ``startServer(argv, env=None) -> (url, process)``: starts ``argv`` in the repository root,
  waits for the first ``http://...`` it prints on stdout, and stops it after the test.
- ``watch(page) -> PageWatch`` (a fixture returning the function): collects CSP violations (through a binding and an init script,
  which the page's CSP cannot block), console errors and uncaught page errors.

Where Chromium or Playwright is missing the tests skip, except under CI=true, where that is a
failure.  Note: ``page.wait_for_function("...")`` evaluates a string, which a strict CSP blocks;
wait on selectors, attributes or ``expect(locator)`` instead.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
URL_LINE = re.compile(r"https?://\S+")


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


def _unavailable(why: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"Browser tests must run under CI=true, but {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def playwright():
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} does not exist.")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:
        _unavailable(f"Playwright is not importable ({e}).")
    manager = sync_playwright()
    driver = manager.start()
    yield driver
    manager.__exit__(None, None, None)


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context()
    context.set_default_timeout(20_000)
    yield context
    context.close()


class ServerProcess:
    """A server subprocess whose output is kept (for failure messages) and drained."""

    def __init__(self, argv, env=None, cwd=ROOT):
        self.argv = list(argv)
        self.process = subprocess.Popen(
            self.argv, cwd=cwd, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.output: list[str] = []
        self.url: str | None = None
        self._found = threading.Event()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            match = URL_LINE.search(line)
            if match and self.url is None:
                self.url = match.group(0)
                self._found.set()
        self._found.set()  # the process ended

    def waitForURL(self, timeout: float) -> str:
        if not self._found.wait(timeout) or self.url is None:
            self.stop()
            raise RuntimeError(
                f"{' '.join(self.argv)} printed no URL within {timeout:g} s; its output:\n"
                + "".join(self.output))
        return self.url

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


@pytest.fixture
def startServer():
    """``startServer(argv, env=None, timeout=60) -> (url, process)``; stopped after the test.

    ``argv`` is the whole command, e.g. ``[sys.executable, "examples/counter.py", "--port",
    "0"]``, run in the repository root; the URL is the first one the server prints.
    """
    servers: list[ServerProcess] = []

    def start(argv, env=None, timeout: float = 60):
        server = ServerProcess(argv, env)
        servers.append(server)
        return server.waitForURL(timeout), server.process

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def counterServer(startServer):
    """``counterServer(*flags) -> url``: examples/counter.py with test hooks."""

    def start(*flags):
        url, _ = startServer([sys.executable, "examples/counter.py", "--port", "0",
                              "--test-hooks", *flags])
        return url

    return start


class PageWatch:
    """What went wrong in a page: CSP violations, console errors, uncaught errors."""

    def __init__(self):
        self.violations: list[dict] = []
        self.consoleErrors: list[str] = []
        self.pageErrors: list[str] = []

    def assertClean(self) -> None:
        assert self.violations == [], f"CSP violations: {self.violations}"
        assert self.pageErrors == [], f"uncaught errors: {self.pageErrors}"
        csp = [m for m in self.consoleErrors if "Content Security Policy" in m]
        assert csp == [], f"CSP errors on the console: {csp}"


_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.__lfReportViolation({directive: event.violatedDirective, blocked: event.blockedURI,
                              sample: event.sample, source: event.sourceFile});
});
"""


@pytest.fixture
def server(tmp_path):
    """A real ``athena-nb`` process on a free port with its own data directory (modules that
    test something else, like the counter example, define their own ``server``)."""
    from tests.support.notebookbrowser import NotebookServer

    running = NotebookServer(tmp_path / "data").start()
    yield running
    running.stop()


@pytest.fixture
def watch():
    """``watch(page) -> PageWatch``: start watching ``page`` (call it before ``page.goto``)."""
    return watchPage


@pytest.fixture
def page(context, server, watch):
    """A page logged in as the owner; no CSP violation or script error may happen on it
    (test_home.py has a page of its own, which starts at the login form)."""
    from tests.support.notebookbrowser import login

    page = context.new_page()
    seen = watch(page)
    login(page, server)
    yield page
    seen.assertClean()


def watchPage(page) -> PageWatch:
    found = PageWatch()
    page.expose_binding("__lfReportViolation", lambda source, v: found.violations.append(v))
    page.add_init_script(_CSP_LISTENER)
    page.on("console", lambda m: m.type == "error" and found.consoleErrors.append(m.text))
    page.on("pageerror", lambda e: found.pageErrors.append(str(e)))
    return found


@pytest.fixture
def three(browser, server):
    """The owner, a collaborator (Carla) and a viewer (Vic), each in their own browser context
    on the same new worksheet."""
    from tests.support.notebookbrowser import join, login, newWorksheet, shareLink

    contexts = [browser.new_context() for _ in range(3)]
    for context in contexts:
        context.set_default_timeout(20_000)
    owner, carla, vic = (c.new_page() for c in contexts)
    login(owner, server)
    url = newWorksheet(owner)
    join(carla, server.origin, shareLink(owner, url, "collaborator"), "Carla")
    join(vic, server.origin, shareLink(owner, url, "viewer"), "Vic")
    yield owner, carla, vic
    for context in contexts:
        context.close()
