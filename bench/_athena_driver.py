"""An athena-nb client process for the benchmarks: live worksheet pages driven by JSON-line commands.  Tests: tests/integration/test_bench_smoke.py.

Each "connection" is one ``livefragments.client.LiveClient`` on the worksheet page with a session
of its own (logged in with the token), over long-poll or WebSocket, as a browser tab would be.
One process runs many of them on its own reactor; connection 0 is the writer.  Commands (see
bench/common.py for the framing):

- ``connect {base, token, worksheet, count, transport}``: open ``count`` more pages, one at a time.
- ``setup {cells}``: make the worksheet have ``cells`` cells with a line of code each.
- ``kernelStart {base, token, n, transport}``: n times: create a worksheet (API), then time from
  opening its page until its first cell's ``1`` has its result.
- ``execute {code, n, warmup, lines}``: on the writer's first cell: time from the ``run`` call
  being sent until the page has the result (or, with ``lines``, that many lines of output).
- ``run {code}``: put ``code`` in the writer's first cell and run it; reply with the send time.
- ``key {trial}``: type ``kbench-<trial> <now>`` into the writer's second cell; reply once sent.
- ``collect {trial, kind, timeout}``: arrival times, on every page here, of the output line
  ``bench-<trial> <t>`` (kind "out") or the typed ``kbench-<trial> <t>`` (kind "key").
- ``loadOpen``, ``loadWarm``, ``loadRun``, ``texts``, ``misbehave``: bench/load.py's pages (bench/_loadwork.py).
- ``close``: close every page and exit.
"""

from __future__ import annotations

import json
import os
import re
import sys
from http.cookies import SimpleCookie
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from common import now  # noqa: E402
from twisted.internet import defer, reactor, stdio  # noqa: E402
from twisted.internet.task import deferLater  # noqa: E402
from twisted.protocols.basic import LineReceiver  # noqa: E402

from athena_nb import ot  # noqa: E402
from livefragments import expose  # noqa: E402
from livefragments.client import ClientWidget, LiveClient, PlainHTTP  # noqa: E402

OUT_MARK = re.compile(r"(?<!k)bench-(\d+) ([0-9.]+)")
KEY_MARK = re.compile(r"kbench-(\d+) ([0-9.]+)")
COOKIE = "athena_session"


class BenchCell(ClientWidget):
    """A cell as a browser shows it: its text, and its outputs as the server sends them."""

    def __init__(self, client, description):
        super().__init__(client, description)
        state = self.args[0]
        self.cellId = state["cellId"]
        self.text = state["text"]
        self.version = state["version"]
        self.generation = state["generation"]
        self.events = {e["n"]: e for e in state["outputs"] if "n" in e}
        self.run = state["run"]
        self.waiter = None
        client.page.cells[self.cellId] = self

    @expose
    def update(self, update):
        arrived = now()
        if update["generation"] != self.generation:
            self.generation, self.events = update["generation"], {}
        for event in update["outputs"]:
            self.events[event["n"]] = event
            if event["type"] == "stream":
                for trial, stamp in OUT_MARK.findall(event["text"]):
                    self.client.page.marks["out"].setdefault(int(trial), (arrived, float(stamp)))
        self.run = update["run"]
        if self.waiter is not None:
            self.waiter(arrived)

    @expose
    def ack(self, version):
        self.version = max(self.version, version)

    @expose
    def remoteOp(self, op, version):
        arrived = now()
        for component in op:
            text = component.get("insert") if isinstance(component, dict) else None
            if text:
                for trial, stamp in KEY_MARK.findall(text):
                    self.client.page.marks["key"].setdefault(int(trial), (arrived, float(stamp)))
        self.text = ot.apply(self.text, ot.Operation.fromJSON(op))
        self.version = version

    def lines(self) -> int:
        return sum(e["text"].count("\n") for e in self.events.values() if e["type"] == "stream")

    def hasResult(self) -> bool:
        return any(e["type"] in ("result", "error") for e in self.events.values())

    async def replaceText(self, text: str) -> None:
        if text == self.text:
            return
        components = ([ot.Delete(0, len(self.text))] if self.text else []) + [ot.Insert(0, text)]
        op = ot.Operation(components)
        self.text = text
        self.version = await self.callRemote("edit", op.toJSON(), self.version)

    async def runUntil(self, done, timeout: float = 60.0, onAnswer=None) -> tuple[float, float]:
        """(sent, done) times of one run of this cell; ``done(cell)`` says when it is done.

        It returns only once the run has ended too (``done`` may hold before, e.g. all the
        lines are there before the end): a cell still running is not run again."""
        finished = defer.Deferred()
        startGeneration = self.generation
        doneAt: list[float] = []

        def check(arrived):
            if self.generation == startGeneration or finished.called:
                return
            if not doneAt and done(self):
                doneAt.append(arrived)
            if doneAt and self.run.get("state") not in ("queued", "running"):
                finished.callback(doneAt[0])

        self.waiter = check
        timer = reactor.callLater(timeout, lambda: finished.called or finished.errback(
            TimeoutError(f"Cell {self.cellId} gave no result within {timeout:.0f} s.")))
        sent = now()
        try:
            if not await self.callRemote("run"):
                raise RuntimeError(f"Cell {self.cellId} was still queued or running; it did not "
                                   "run again.")
            if onAnswer is not None:
                onAnswer()
            answered = await finished
        finally:
            self.waiter = None
            if timer.active():
                timer.cancel()
        errors = [e for e in self.events.values() if e["type"] == "error"]
        if errors:
            raise RuntimeError(f"The cell failed: {errors[0]['ename']}: {errors[0]['evalue']}")
        return sent, answered


class BenchWorksheet(ClientWidget):
    """The worksheet widget; structure and presence changes are taken and ignored."""

    def __init__(self, client, description):
        super().__init__(client, description)
        self.inserted = []

    @expose
    def insertCell(self, index, widget):
        self.inserted.append(widget)

    @expose
    def moveCell(self, cellId, index):
        pass

    @expose
    def setTitle(self, title):
        pass

    @expose
    def updatePresence(self, changes):
        pass

    @expose
    def setKernel(self, info):
        pass


WIDGETS = {"athena_nb/cell.js:Cell": BenchCell, "athena_nb/worksheet.js:Worksheet": BenchWorksheet}


class Page:
    """One viewer: its session, its LiveClient, and what it has seen."""

    def __init__(self):
        self.cells: dict[int, BenchCell] = {}
        self.marks = {"out": {}, "key": {}}
        self.client = None
        self.http = None

    async def open(self, base: str, token: str, worksheetId: str, transport: str,
                   link: str | None = None, name: str = "", widgets: dict | None = None) -> Page:
        """Open the worksheet's page: logged in with the token, or, with ``link`` (a share
        link's path), as a visitor who entered through it under ``name``."""
        self.http = PlainHTTP(reactor)
        cookies = await (login(self.http, base, token) if link is None else
                         joinLink(self.http, base, link, name))
        classes = {k: _bound(v, self) for k, v in (widgets or WIDGETS).items()}
        kwargs = {"transport": transport} if transport != "longpoll" else {}
        self.client = await LiveClient.open(reactor, f"{base}/worksheets/{worksheetId}/",
                                            http=self.http, widgetClasses=classes,
                                            cookies=cookies, **kwargs)
        return self

    @property
    def worksheet(self) -> BenchWorksheet:
        return self.client.widgetsByClass("athena_nb/worksheet.js:Worksheet")[0]

    def orderedCells(self) -> list[BenchCell]:
        return sorted(self.client.widgetsByClass("athena_nb/cell.js:Cell"), key=lambda w: w.id)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()
        if self.http is not None:
            await self.http.close()


def _bound(cls, page: Page):
    """``cls`` with ``client.page`` available to its instances."""

    def make(client, description):
        client.page = page
        return cls(client, description)

    make.jsClass = cls
    return make


async def login(http, base: str, token: str) -> dict:
    """Log in with the token (a session of our own); the session cookie."""
    response = await http.request(b"GET", f"{base}/?token={token}", {}, None)
    cookies = {}
    for header in response.headers.get("set-cookie", []):
        for name, morsel in SimpleCookie(header).items():
            cookies[name] = morsel.value
    if COOKIE not in cookies:
        raise RuntimeError(f"Logging in with the token answered HTTP {response.code} "
                           "without a session cookie.")
    return cookies


async def joinLink(http, base: str, path: str, name: str) -> dict:
    """Enter through a share link under ``name`` (a session of its own); the session cookie."""
    body = f"name={quote(name)}".encode()
    response = await http.request(b"POST", base + path,
                                  {b"content-type": b"application/x-www-form-urlencoded"}, body)
    cookies = {name: morsel.value for header in response.headers.get("set-cookie", [])
               for name, morsel in SimpleCookie(header).items()}
    if response.code != 303 or COOKIE not in cookies:
        raise RuntimeError(f"Entering the share link answered HTTP {response.code}: "
                           f"{response.body[:200]!r}")
    return cookies


class Driver:
    def __init__(self):
        self.pages: list[Page] = []

    async def connect(self, base, token, worksheet, count, transport="longpoll", deadline=None):
        """Open pages one at a time; with ``deadline`` (s), stop then and count failures."""
        end = None if deadline is None else now() + deadline
        failed, firstError = 0, None
        for _ in range(count):
            if end is not None and now() > end:
                break
            try:
                self.pages.append(await Page().open(base, token, worksheet, transport))
            except Exception as e:
                if end is None:
                    raise
                failed += 1
                firstError = firstError or f"{type(e).__name__}: {e}"
        return {"open": len(self.pages), "failed": failed, "firstError": firstError}

    @property
    def writer(self) -> Page:
        return self.pages[0]

    async def setup(self, cells):
        page = self.writer
        while len(page.orderedCells()) < cells:
            await page.worksheet.callRemote("addCell")
            await deferLater(reactor, 0)
        for i, cell in enumerate(page.orderedCells()):
            if not cell.text:
                await cell.replaceText(f"x{i} = {i} * 2")
        return {"cells": len(page.orderedCells())}

    async def kernelStart(self, base, token, n, transport="longpoll", pause=1.0):
        http = PlainHTTP(reactor)
        cookies = await login(http, base, token)
        samples, phases = [], {"open": [], "runAnswered": [], "result": []}
        try:
            for _ in range(n):
                worksheetId = await createWorksheet(http, base, cookies)
                start = now()
                page = await Page().open(base, token, worksheetId, transport)
                opened = now()
                cell = page.orderedCells()[0]
                # As a browser does: the edit and the run go out together; the run does not
                # wait for the edit to be saved (the server applies them in order).
                saved = defer.ensureDeferred(cell.replaceText("1"))
                _, answered = await cell.runUntil(
                    BenchCell.hasResult, timeout=120,
                    onAnswer=lambda opened=opened: phases["runAnswered"].append(
                        (now() - opened) * 1000))
                await saved
                samples.append((answered - start) * 1000)
                phases["open"].append((opened - start) * 1000)
                phases["result"].append((answered - opened) * 1000)
                await page.close()
                await deferLater(reactor, pause)  # let the pool refill, as it would between two people
        finally:
            await http.close()
        return {"samples": samples, "phases": phases}

    async def execute(self, code, n, warmup=0, lines=0, timeout=60.0):
        cell = self.writer.orderedCells()[0]
        await cell.replaceText(code)
        if lines:
            def done(c):
                return c.lines() >= lines
        else:
            done = BenchCell.hasResult
        samples = []
        stats = self.writer.client.stats
        for i in range(warmup + n):
            if i == warmup:
                requests = stats["requests"]
            sent, answered = await cell.runUntil(done, timeout)
            if i >= warmup:
                samples.append((answered - sent) * 1000)
        # Long-poll: HTTP requests per run (WebSocket frames are not counted there).
        return {"samples": samples, "requestsPerRun": (stats["requests"] - requests) / max(n, 1)}

    async def run(self, code):
        cell = self.writer.orderedCells()[0]
        await cell.replaceText(code)
        sent = now()
        await cell.callRemote("run")
        return {"sent": sent}

    async def key(self, trial):
        cell = self.writer.orderedCells()[1]
        sent = now()
        text = f"kbench-{trial} {sent:.6f}\n"
        op = ot.Operation.insert(len(cell.text), text)
        cell.text += text
        cell.version = await cell.callRemote("edit", op.toJSON(), cell.version)
        return {"sent": sent}

    async def collect(self, trial, kind="out", timeout=30.0):
        deadline = now() + timeout
        while now() < deadline and not all(trial in p.marks[kind] for p in self.pages):
            await deferLater(reactor, 0.005)
        found = [p.marks[kind].get(trial) for p in self.pages]
        return {"arrivals": [f[0] if f else None for f in found],
                "kernelTimes": [f[1] if f else None for f in found]}

    # bench/load.py: typing and running pages, the misbehaving kernel, the texts afterwards.
    async def loadOpen(self, **kwargs):
        import _loadwork
        return await _loadwork.openPages(self, **kwargs)

    async def loadWarm(self, **kwargs):
        import _loadwork
        return await _loadwork.warmUp(self, **kwargs)

    async def loadRun(self, **kwargs):
        import _loadwork
        return await _loadwork.runLoad(self, **kwargs)

    async def texts(self, **kwargs):
        import _loadwork
        return await _loadwork.texts(**kwargs)

    async def misbehave(self, **kwargs):
        import _loadwork
        return await _loadwork.misbehave(self, **kwargs)

    async def close(self):
        pages, self.pages = self.pages, []
        await defer.DeferredList([defer.ensureDeferred(p.close()) for p in pages],
                                 consumeErrors=True)
        return {}


async def createWorksheet(http, base: str, cookies: dict) -> str:
    headers = {b"content-type": b"application/json",
               b"cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()}
    response = await http.request(b"POST", f"{base}/api/worksheets", headers,
                                  json.dumps({"title": "bench"}).encode())
    if response.code != 201:
        raise RuntimeError(f"Creating a worksheet answered HTTP {response.code}: "
                           f"{response.body[:200]!r}")
    return json.loads(response.body)["worksheet"]["id"]


class Commands(LineReceiver):
    """One JSON command a line on stdin, answered in order, one JSON line each on stdout."""

    delimiter = b"\n"
    MAX_LENGTH = 1 << 20

    def __init__(self, driver):
        self.driver = driver
        self.queue = defer.DeferredLock()

    def connectionMade(self):
        self.reply({"ok": True, "ready": True, "pid": os.getpid()})

    def lineReceived(self, line):
        self.queue.run(self.handle, line)

    async def _call(self, line):
        command = json.loads(line)
        name = command.pop("cmd")
        return name, await getattr(self.driver, name)(**command)

    def handle(self, line):
        d = defer.ensureDeferred(self._call(line))

        def done(result):
            name, value = result
            self.reply({"ok": True, **value})
            if name == "close":
                self.transport.loseConnection()  # flushes the reply, then stops the reactor

        d.addCallbacks(done, lambda f: self.reply(
            {"ok": False, "error": f"{f.type.__name__}: {f.getErrorMessage()}"}))
        return d

    def reply(self, value):
        self.transport.write(json.dumps(value).encode() + b"\n")

    def connectionLost(self, reason):
        if reactor.running:
            reactor.stop()


def main():
    stdio.StandardIO(Commands(Driver()))
    reactor.run()


if __name__ == "__main__":
    # bench/_loadwork.py imports this module by name: let it find this copy, not load another.
    sys.modules.setdefault("_athena_driver", sys.modules["__main__"])
    main()
