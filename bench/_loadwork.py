"""bench/load.py's pages in a driver process: people typing and running, a misbehaving kernel.  Tests: tests/integration/test_load.py.

Loaded by bench/_athena_driver.py for its commands ``loadOpen``, ``loadRun``, ``texts`` and
``misbehave``.  A person's page types as the browser does (js/athena_nb/editor/celltext.js):
its cell text is an OT ``SyncClient``, an edit goes as an ``edit`` call against the version the
page has, the hub's ``ack`` and ``remoteOp`` notifications move the version, and the call's
answer says the edit is saved.  Every edit inserts one line ``# <marker>`` at the end of the
text; the markers whose edit was answered are *acknowledged*, and bench/load.py looks for each
of them in the worksheet afterwards.

Anything a well-behaved page meets that a person would see as a failure is an error: an edit
or run refused or failed, a run whose cell ends in an error or never ends, a remote op out of
order, the page closed by the server.  ``StaleVersion`` is not one: the browser fetches the
text and sends its edit again without a word (counted as a resync).
"""

from __future__ import annotations

import random

from _athena_driver import BenchCell, BenchWorksheet, Page
from common import now
from twisted.internet import defer, reactor
from twisted.internet.task import deferLater

from athena_nb import ot
from livefragments import expose
from livefragments.client import ClientState

#: A well-behaved page in one of these states has failed its person.
ENDED = (ClientState.CLOSED, ClientState.EXPIRED)
#: How many error sentences a process keeps (all of them are counted).
KEEP_ERRORS = 20
#: An edit not saved within this many seconds is an error (TimeoutError), not a person who
#: waits for ever and keeps bench/load.py from reporting.
EDIT_TIMEOUT = 30


class Tally:
    """What one driver process saw: latencies, errors, acknowledged markers."""

    def __init__(self):
        self.edits, self.runs = [], []
        self.errors, self.errorCount = [], 0
        self.acked: dict[str, list[str]] = {}  # worksheet -> markers
        self.resyncs = 0

    def error(self, who: str, what: str) -> None:
        self.errorCount += 1
        if len(self.errors) < KEEP_ERRORS:
            self.errors.append(f"{who}: {what}")


class LoadCell(BenchCell):
    """A cell whose text is shared as the browser shares it (one edit in flight)."""

    def __init__(self, client, description):
        super().__init__(client, description)
        self.sync = ot.SyncClient(self.text, self.version, self._send)
        self.unsent: list[tuple[str, float, defer.Deferred]] = []  # typed, not yet on the wire

    @expose
    def ack(self, version):
        try:
            self.sync.acknowledge(version)
        except ot.SyncError as e:
            self.client.page.problem(f"cell {self.cellId}: {e}")
        self.version = self.sync.version

    @expose
    def remoteOp(self, op, version):
        try:
            self.sync.applyRemote(ot.Operation.fromJSON(op), version)
        except ot.SyncError as e:
            self.client.page.problem(f"cell {self.cellId}: {e}")
        self.text, self.version = self.sync.text, self.sync.version

    def type(self, marker: str) -> defer.Deferred:
        """Type one line with ``marker`` at the end; fires with the ms until it was saved."""
        saved = defer.Deferred()
        self.unsent.append((marker, now(), saved))
        self.sync.applyLocal(ot.Operation.insert(len(self.sync.text), f"# {marker}\n"))
        self.text = self.sync.text
        return saved

    def _send(self, op, base, follows) -> None:
        riding, self.unsent = self.unsent, []
        d = self.callRemote("edit", op.toJSON(), base, follows)

        def saved(_):
            at = now()
            for marker, typed, waiter in riding:
                waiter.callback((marker, (at - typed) * 1000))

        def failed(failure):
            if getattr(failure.value, "type", None) == "StaleVersion":
                self.unsent = riding + self.unsent
                self.client.page.tally.resyncs += 1
                return defer.ensureDeferred(self._resync()).addErrback(
                    lambda f: [w.errback(f) for _, _, w in self.unsent])
            for _, _, waiter in riding:
                waiter.errback(failure)

        d.addCallbacks(saved, failed)

    async def _resync(self) -> None:
        state = await self.callRemote("text")
        self.sync.resync(state["text"], state["version"])
        self.text, self.version = self.sync.text, self.sync.version


class LoadWorksheet(BenchWorksheet):
    @expose
    def cellCursor(self, *args):  # other people's carets: nothing to show
        pass


WIDGETS = {"athena_nb/cell.js:Cell": LoadCell, "athena_nb/worksheet.js:Worksheet": LoadWorksheet}


class LoadPage(Page):
    def __init__(self, tally: Tally, name: str, worksheet: str, own: int):
        super().__init__()
        self.tally, self.name, self.worksheetId, self.own = tally, name, worksheet, own

    def problem(self, what: str) -> None:
        self.tally.error(self.name, what)


async def openPages(driver, base, token, pages):
    """Open ``pages`` ({worksheet, link, name, transport, own}) one at a time."""
    driver.tally = Tally()
    driver.loadPages = []
    for spec in pages:
        page = LoadPage(driver.tally, spec["name"], spec["worksheet"], spec["own"])
        await page.open(base, token, spec["worksheet"], spec["transport"], link=spec.get("link"),
                        name=spec["name"], widgets=WIDGETS)
        driver.pages.append(page)
        driver.loadPages.append(page)
    return {"open": len(driver.loadPages)}


def _done(cell) -> bool:
    return cell.run.get("state") not in ("queued", "running")


async def _person(page: LoadPage, until: float, editEvery: float, runEvery: float,
                  seed: int) -> None:
    """Type a marker every ``editEvery`` s or so (into the shared first cell about a third of
    the time, else into the page's own cell) and run the own cell every ``runEvery`` s."""
    rng = random.Random(seed)
    tally = page.tally
    cells = page.orderedCells()
    shared, own = cells[0], cells[page.own]
    nextRun = now() + rng.uniform(0, runEvery)
    n = 0
    while now() < until:
        await deferLater(reactor, editEvery * rng.uniform(0.5, 1.5))
        if page.client.state in ENDED:
            page.problem(f"the page ended ({page.client.state.value}): "
                         f"{page.client.closeReason}")
            return
        cell = shared if rng.random() < 0.33 else own
        try:
            marker, ms = await cell.type(f"{page.name}-{n}").addTimeout(EDIT_TIMEOUT, reactor)
            tally.edits.append(ms)
            tally.acked.setdefault(page.worksheetId, []).append(marker)
        except Exception as e:
            page.problem(f"edit {n}: {type(e).__name__}: {e}")
        n += 1
        if now() >= nextRun:
            nextRun = now() + runEvery * rng.uniform(0.5, 1.5)
            try:
                sent, answered = await own.runUntil(_done, timeout=60)
                tally.runs.append((answered - sent) * 1000)
            except Exception as e:
                page.problem(f"run: {type(e).__name__}: {e}")


async def warmUp(driver):
    """Each worksheet's owner runs its cell once, so that the kernels are started before the
    clock runs; how long each of those first runs took (ms)."""
    owners = [p for p in driver.loadPages if p.own == 1]
    runs = await defer.DeferredList(
        [defer.ensureDeferred(p.orderedCells()[1].runUntil(_done, timeout=120)) for p in owners],
        consumeErrors=True)
    for page, (ok, value) in zip(owners, runs, strict=True):
        if not ok:
            page.problem(f"first run: {value.getErrorMessage()}")
    return {"firstRuns": [(v[1] - v[0]) * 1000 for ok, v in runs if ok]}


async def runLoad(driver, seconds, editEvery=1.0, runEvery=5.0, seed=0):
    """Every page of ``loadOpen`` works for ``seconds``; then what they saw."""
    until = now() + seconds
    people = [defer.ensureDeferred(_person(p, until, editEvery, runEvery, seed * 1000 + i))
              for i, p in enumerate(driver.loadPages)]
    await defer.DeferredList(people, consumeErrors=True)
    tally = driver.tally
    for page in driver.loadPages:  # a page the server closed meanwhile is an error too
        if page.client.state in ENDED:
            page.problem(f"the page ended ({page.client.state.value}): "
                         f"{page.client.closeReason}")
    return {"edits": tally.edits, "runs": tally.runs, "errors": tally.errors,
            "errorCount": tally.errorCount, "acked": tally.acked, "resyncs": tally.resyncs}


async def texts(base, token, worksheet, transport="longpoll"):
    """Every cell's text of ``worksheet`` as a page opened now is given it."""
    page = await Page().open(base, token, worksheet, transport)
    try:
        return {"texts": [c.text for c in page.orderedCells()]}
    finally:
        await page.close()


def _interrupt(page) -> None:
    page.worksheet.callRemote("interrupt").addErrback(lambda f: None)  # it ended meanwhile


async def misbehave(driver, seconds, codes, interruptAfter=3.0):
    """On the first page's first cell: run each of ``codes`` in turn until ``seconds`` have
    passed and each has run once; a run still going after ``interruptAfter`` s is interrupted.  How each ended."""
    page = driver.pages[0]
    cell = page.orderedCells()[0]
    until = now() + seconds
    outcomes = []
    while now() < until:
        for name, code in codes:
            await cell.replaceText(code)
            start = now()
            timer = reactor.callLater(interruptAfter, _interrupt, page)
            try:
                await cell.runUntil(_done, timeout=120)
                outcome = "ended"
            except Exception as e:
                outcome = str(e)[:200]
            finally:
                if timer.active():
                    timer.cancel()
            outcomes.append({"code": name, "seconds": now() - start, "outcome": outcome})
            if now() >= until and len(outcomes) >= len(codes):  # each one at least once
                break
    return {"outcomes": outcomes}
