"""The whole server with sandboxed kernels (athena_nb/kernel/isolation.py through
athena_nb/service): what code run through a worksheet can no longer reach, a fork bomb that
ends only its own kernel, a pooled kernel that writes in its worksheet's directory, and the
page and the Share panel saying what protects the kernels.

The server runs in this process on a 127.0.0.1 port (``NotebookService``, its real store, pool
and hubs); viewers are ``livefragments.client`` pages over HTTP. Each test needs bubblewrap
(conftest.sandboxOrSkip: a skip, or a failure under CI=true).
"""

from __future__ import annotations

import json
import os

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import Deferred

from athena_nb.options import Options
from athena_nb.service import NotebookService
from athena_nb.web.auth import COOKIE
from athena_nb.web.client import WIDGETS, worksheetOf
from livefragments.client import LiveClient, PlainHTTP
from tests.integration.conftest import sandboxOrSkip
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

TOKEN = "sandbox-test-token-0123456789"


class Server:
    async def start(self, tmp_path, *extra):
        options = Options(environ={})
        self.dataDir = str(tmp_path / "data")
        options.parseOptions(["--port", "0", "--data-dir", self.dataDir, "--token", TOKEN,
                              "--pool-size", "1", "--sage-pool-size", "0", *extra])
        self.service = NotebookService(options, reactor=reactor, announce=lambda url: None)
        self.service.startService()
        self.url = await self.service.ready
        self.origin = self.url.split("/?")[0]
        self.store = self.service.storeService.store
        pools = self.service.poolService.pool
        self.pool = pools.pools[pools.system]  # the server's own kernels (pools.py)
        self.https = []
        self.clients = []
        return self

    async def login(self):
        http = PlainHTTP(reactor)
        self.https.append(http)
        answer = await http.request(b"GET", self.url, {}, None)
        assert answer.code == 303
        cookie = answer.headers["set-cookie"][0].split(";")[0].split("=", 1)[1]
        self.cookies = {COOKIE: cookie}
        return http

    async def open(self, worksheetId):
        http = PlainHTTP(reactor)
        self.https.append(http)
        client = await LiveClient.open(reactor, f"{self.origin}/worksheets/{worksheetId}/",
                                       http=http, widgetClasses=WIDGETS, cookies=self.cookies)
        self.clients.append(client)
        return worksheetOf(client)

    async def stop(self):
        for client in self.clients:
            await client.close()
        await self.service.stopService()
        for http in self.https:
            await http.close()


@pytest.fixture
def server(tmp_path):
    servers = []

    async def start(*extra):
        started = await Server().start(tmp_path, *extra)
        servers.append(started)
        sandboxOrSkip(started.pool.factory(reactor, str(tmp_path)).isolation)
        return started

    start.tmp = tmp_path
    yield start
    for started in servers:
        pytest_twisted.blockon(Deferred.fromCoroutine(started.stop()))


async def runCell(page, index, code, timeout=60):
    cell = page.cells[index]
    cell.replaceAll(code)
    await cell.synced()
    count = (cell.run or {}).get("count") or 0
    assert await cell.callRemote("run") is True
    await eventually(lambda: (cell.run.get("count") or 0) > count and cell.state not in (
        "queued", "running"), "the cell's run", timeout=timeout)
    return cell


@pytest_twisted.ensureDeferred
async def test_a_cell_cannot_read_the_token_or_the_store_nor_see_or_signal_the_server(server):
    nb = await server("--kernel-network", "off")
    await nb.login()
    other = await nb.store.create_worksheet("Other", [""])
    otherDir = os.path.join(nb.dataDir, "worksheets", other.id)
    os.makedirs(otherDir)
    with open(os.path.join(otherDir, "theirs.txt"), "w") as f:
        f.write("another worksheet's file")
    sheet = await nb.store.create_worksheet("Probe", [""])
    page = await nb.open(sheet.id)
    serverPid = os.getpid()
    paths = [os.path.join(nb.dataDir, name) for name in ("server.json", "athena.sqlite",
                                                          "server.lock")]
    paths += [os.path.join(otherDir, "theirs.txt"), f"/proc/{serverPid}/cmdline",
              f"/proc/{serverPid}/environ"]
    code = f"""
import json, os
report = {{}}
for path in {paths!r}:
    try:
        open(path, "rb").read(1)
        report[path] = "read"
    except OSError as e:
        report[path] = type(e).__name__
token = {TOKEN!r}.encode()
report["found"] = []
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    for name in ("cmdline", "environ"):
        try:
            if token in open(f"/proc/{{pid}}/{{name}}", "rb").read():
                report["found"].append(pid + "/" + name)
        except OSError:
            pass
report["env"] = token.decode() in repr(dict(os.environ))
try:
    os.kill({serverPid}, 0)
    report["signal"] = "delivered"
except OSError as e:
    report["signal"] = type(e).__name__
print(json.dumps(report))
"""
    cell = await runCell(page, 0, code)
    assert cell.state == "done", cell.run
    report = json.loads(cell.streamText())
    for path in paths:
        assert report[path] in ("FileNotFoundError", "PermissionError"), (path, report[path])
    assert report["found"] == [] and report["env"] is False
    assert report["signal"] in ("ProcessLookupError", "PermissionError")


@pytest_twisted.ensureDeferred
async def test_a_pooled_kernel_works_in_its_worksheets_directory(server):
    nb = await server()
    await nb.login()
    await eventually(lambda: nb.pool.ready == 1, "the pool's kernel ready")
    sheet = await nb.store.create_worksheet("Files", [""])
    directory = os.path.join(nb.dataDir, "worksheets", sheet.id)
    os.makedirs(directory)
    with open(os.path.join(directory, "data.txt"), "w") as f:
        f.write("uploaded before")
    page = await nb.open(sheet.id)
    cell = await runCell(page, 0, "import os\nprint(open('data.txt').read())\n"
                                  "open('made.txt', 'w').write('by the cell')\nprint(os.getcwd())")
    assert cell.streamText() == "uploaded before\n/worksheet\n", cell.outputs
    with open(os.path.join(directory, "made.txt")) as f:
        assert f.read() == "by the cell"
    assert not os.listdir(os.path.join(nb.dataDir, "worksheets", ".pool")) or all(
        name.startswith("kernel-") for name in os.listdir(
            os.path.join(nb.dataDir, "worksheets", ".pool")))


@pytest_twisted.ensureDeferred
async def test_a_fork_bomb_ends_only_its_kernel_and_the_worksheet_says_so(server):
    nb = await server("--kernel-processes", "64", "--pool-size", "0", "--sage-pool-size", "0")
    await nb.login()
    bombSheet = await nb.store.create_worksheet("Bomb", ["x = 1", "", "x + 1"])
    calmSheet = await nb.store.create_worksheet("Calm", [""])
    bomb, calm = await nb.open(bombSheet.id), await nb.open(calmSheet.id)
    await runCell(bomb, 0, "x = 1")
    await runCell(calm, 0, "6 * 7")
    cell = await runCell(bomb, 1, "import os\nwhile True:\n    try:\n        os.fork()\n"
                                  "    except OSError:\n        pass", timeout=30)
    text = json.dumps(cell.outputs) + json.dumps(cell.run)
    assert "limit of 64 processes" in text, (cell.run, cell.outputs)
    again = await runCell(calm, 0, "6 * 7")
    assert again.plainResults() == ["42"], "the other worksheet's kernel kept working"
    after = await runCell(bomb, 2, "1 + 1")
    assert after.plainResults() == ["2"]
    saved = (await nb.store.load_worksheet(bombSheet.id)).cells
    assert [c.text for c in saved][2] == "1 + 1" and "os.fork()" in saved[1].text


@pytest_twisted.ensureDeferred
async def test_the_page_and_the_share_panel_say_what_protects_the_kernels(server):
    nb = await server("--kernel-network", "off")
    http = await nb.login()
    sheet = await nb.store.create_worksheet("Shown", [""])
    cookie = {"Cookie": f"{COOKIE}={nb.cookies[COOKIE]}"}
    page = await http.request(b"GET", f"{nb.origin}/worksheets/{sheet.id}/", cookie,
                              None)
    html = page.body.decode()
    assert 'class="nb-protection" data-sandboxed="true"' in html
    assert "Sandboxed, no network" in html
    home = await http.request(b"GET", f"{nb.origin}/", cookie, None)
    assert "The kernel is sandboxed" in home.body.decode()
    assert "It has no network." in home.body.decode()


@pytest_twisted.ensureDeferred
async def test_the_server_logs_what_protects_its_kernels_and_warns_when_unsandboxed(server):
    from twisted.logger import formatEvent, globalLogPublisher

    events = []
    globalLogPublisher.addObserver(events.append)
    try:
        await server()
        offServer = Server()
        started = await offServer.start(server.tmp / "off", "--kernel-sandbox", "off")
    finally:
        globalLogPublisher.removeObserver(events.append)
    try:
        lines = [(e.get("log_level").name, formatEvent(e)) for e in events if "log_level" in e]
        assert ("info", next(t for _, t in lines if t.startswith(
            "Kernel protection: Each kernel runs under bubblewrap"))) in lines
        warning = next(t for level, t in lines if level == "warn" and t.startswith(
            "Kernel protection missing: Kernels are not sandboxed (--kernel-sandbox off)"))
        assert "can read and change what this server's user can" in warning
        await started.login()
        sheet = await started.store.create_worksheet("Bare", [""])
        cookie = {"Cookie": f"{COOKIE}={started.cookies[COOKIE]}"}
        page = await started.https[0].request(
            b"GET", f"{started.origin}/worksheets/{sheet.id}/", cookie, None)
        assert 'data-sandboxed="false"' in page.body.decode()
        assert ">Not sandboxed</summary>" in page.body.decode()
    finally:
        await started.stop()
