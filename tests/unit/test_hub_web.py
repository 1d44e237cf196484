"""Several viewers on one worksheet through the real site: live pages, roles, files.

Each viewer is a ``livefragments.client`` page (athena_nb.web.client) over in-memory HTTP on a
Clock, logged in through the service's real gate (the owner with the token, others through
share links).
"""

import inspect
import re

import pytest
from twisted.logger import formatEvent

from athena_nb import ot
from athena_nb.hub import PRESENCE_DELAY, SETTLE_DELAY
from athena_nb.web.fragments import CellFragment, WorksheetFragment
from livefragments import Shared
from livefragments._expose import exposedMethod
from livefragments._json import loads
from livefragments._mistakes import BURST, INTERVAL
from livefragments.client import ClientState, _BootParser
from tests.support.logs import capturedLog
from tests.support.memoryhttp import FaultyHTTP
from tests.support.notebook import NotebookEnv, autoPython


@pytest.fixture
def env():
    return NotebookEnv(autoRun=autoPython)


class Recording:
    """An HTTP client that passes requests on and records their bodies."""

    def __init__(self, inner, bodies):
        self.inner, self.bodies = inner, bodies

    def request(self, method, url, headers, body):
        self.bodies.append(body or b"")
        return self.inner.request(method, url, headers, body)


def together(env, cells=("x = 1", "x + 1")):
    """Owner, a collaborator and a read-only viewer on one worksheet."""
    owner = env.owner()
    sheet = env.worksheet("Together", cells)
    collab, _ = env.guest(owner, sheet.id, "collaborator", "Carla")
    viewer, _ = env.guest(owner, sheet.id, "viewer", "Vic")
    pages = [env.open(sheet.id, b)[1] for b in (owner, collab, viewer)]
    return sheet, pages, env.hubs.get(sheet.id)


def assertSame(hub, *sheets):
    want = [c.text for c in hub.cells]
    for sheet in sheets:
        assert sheet.texts() == want, (sheet.viewerId, sheet.texts(), want)


# -- the page --------------------------------------------------------------------------------


def test_the_page_carries_the_accessibility_contract(env):
    owner = env.owner()
    sheet = env.worksheet("A <b> title", ["2+2", ""])
    page = owner.get(f"/worksheets/{sheet.id}/")
    assert page.code == 200
    html = page.body.decode()
    for needle in ('role="group" aria-label="Cell 1"', 'aria-label="Cell 2"',
                   'aria-label="Cell input"', 'role="region" aria-label="Cell output"',
                   '>Run</button>', '>Delete cell</button>', '>Run all</button>',
                   '>Interrupt</button>', '>Restart</button>', '>Add cell</button>',
                   'aria-label="Worksheet title"', 'value="A &lt;b&gt; title"',
                   "athena_nb/worksheet.css", "athena_nb/notebook.css", ">2+2</textarea>"):
        assert needle in html, needle
    assert "content-security-policy" in page.headers


def test_without_a_session_the_page_is_refused_and_a_trashed_worksheet_is_not_found(env):
    owner = env.owner()
    sheet = env.worksheet()
    assert env.browser().get(f"/worksheets/{sheet.id}/").code == 403
    env.run(env.store.trash_worksheet(sheet.id))
    answer = owner.get(f"/worksheets/{sheet.id}/")
    assert answer.code == 404 and b"trash" in answer.body
    assert owner.get("/worksheets/nosuchsheet/").code == 404


# -- text ------------------------------------------------------------------------------------


def test_typing_reaches_every_viewer_and_the_call_answers_after_the_commit(env):
    sheet, (ann, carla, vic), hub = together(env)
    cell = ann.cells[0]
    cell.type(5, "0")
    env.clock.advance(0)  # the op reaches the hub, but the store has not committed yet
    env.settle()
    assert cell.saves and env.call(cell.saves[0]) == 1
    assert env.run(env.store.load_worksheet(sheet.id)).cells[0].text == "x = 10"
    assertSame(hub, ann, carla, vic)


def test_concurrent_typing_in_one_cell_converges_with_every_keystroke(env):
    sheet, (ann, carla, vic), hub = together(env, cells=("ab",))
    a, c = ann.cells[0], carla.cells[0]
    for n in range(5):
        a.type(0, f"A{n}")
        c.type(len(c.text), f"C{n}")
        env.clock.advance(0)
    env.settle()
    text = hub.cells[0].text
    for n in range(5):
        assert f"A{n}" in text and f"C{n}" in text
    assertSame(hub, ann, carla, vic)


def test_a_stale_client_resyncs_from_the_text_call(env):
    """After StaleVersion a client fetches the text and resends its edit; nothing is lost."""
    sheet, (ann, carla, vic), hub = together(env, cells=("abc",))
    hub.cells[0].doc.historyLimit = 1
    a, c = ann.cells[0], carla.cells[0]
    a.type(0, "1")
    c.type(3, "2")  # both against version 0; Carla's arrives second...
    env.clock.advance(0)
    env.run(hub.edit(hub.cells[0].id, ot.Operation.insert(0, "_"), 1, "someone"))
    env.settle()
    failures = [e for e in c.errors]
    if failures:  # ...and is refused as stale once the history is this short
        assert failures[0].type == "StaleVersion"
        answer = env.call(c.callRemote("text"))
        c.sync.resync(answer["text"], answer["version"])
        env.settle()
    assert "1" in hub.cells[0].text and "2" in hub.cells[0].text
    assertSame(hub, ann, carla, vic)


# -- structure -------------------------------------------------------------------------------


def test_structure_changes_reach_every_viewer_in_the_same_order(env):
    sheet, (ann, carla, vic), hub = together(env, cells=("one\ntwo", "three"))
    first = ann.cells[0]
    new = env.call(ann.callRemote("addCell"))
    above = env.call(first.callRemote("insert", "above"))
    env.call(carla.cell(new).callRemote("move", -1))
    tail = env.call(first.callRemote("split", 4, first.sync.version))
    assert [c.text for c in hub.cells] == ["", "one", "two", "", "three"]
    env.call(carla.cell(tail).callRemote("joinNext"))
    env.call(ann.cell(above).callRemote("delete"))
    env.call(vic.client.widgets[carla.cell(tail).id].callRemote("text"))
    env.call(ann.cell(tail).callRemote("joinNext"))
    env.settle()
    assert [c.text for c in hub.cells] == ["one", "two\nthree"]
    assertSame(hub, ann, carla, vic)
    ids = [c.id for c in hub.cells]
    for page in (ann, carla, vic):
        assert [c.cellId for c in page.cells] == ids


# -- running and outputs -----------------------------------------------------------------------


def test_running_shows_state_and_output_to_every_viewer(env):
    sheet, (ann, carla, vic), hub = together(env)
    env.call(ann.cells[0].callRemote("run"))
    env.call(carla.cells[1].callRemote("run"))
    env.later(SETTLE_DELAY)
    for page in (ann, carla, vic):
        assert [c.state for c in page.cells] == ["done", "done"]
        assert page.cells[1].plainResults() == ["2"]
        assert page.cells[1].run["ranBy"] == "Carla"
        assert page.kernel["state"] == "idle"


def test_viewers_at_one_point_share_each_update_and_answer_none(env, monkeypatch):
    """Fan-out: one encoded update per change for all viewers, sent as a notification, so a
    watching viewer sends the server nothing back."""
    sheet, (ann, carla, vic), hub = together(env)
    env.settle()
    sent = []
    original = CellFragment.notifyRemoteCoalesced

    def spy(self, key, method, *args):
        sent.append((self.worksheet.viewerId, args[0]))
        return original(self, key, method, *args)

    monkeypatch.setattr(CellFragment, "notifyRemoteCoalesced", spy)
    servers = {v.viewerId: v.page for v in hub.viewers.values()}
    received = {viewerId: page.channel.ack for viewerId, page in servers.items()}
    env.call(ann.callRemote("runAll"))
    env.settle()
    assert vic.cells[1].plainResults() == ["2"] and carla.cells[1].state == "done"
    updates = {id(update): update for _, update in sent}
    assert len(updates) >= 2 and len(sent) == 3 * len(updates), "each update went to all three"
    assert all(isinstance(u, Shared) and u._encoded is not None for u in updates.values())
    for page in (carla, vic):
        assert servers[page.viewerId].channel.ack == received[page.viewerId], "nothing came back"


def test_a_fast_printing_cell_is_coalesced_for_a_slow_viewer(env):
    """A viewer whose requests take a while gets far fewer updates than a fast one, and ends
    with exactly the same output; the kernel is never held up."""
    env = NotebookEnv()
    owner = env.owner()
    sheet = env.worksheet("Fast", ["loop"])
    fast = env.open(sheet.id, owner)[1]
    slow = _openSlow(env, sheet.id, owner)
    env.call(fast.cells[0].callRemote("run"))
    for n in range(200):
        env.kernel.print(f"{n}\n")
        env.clock.advance(0.005)
        env.settle(rounds=2)
    env.kernel.finish()
    env.later(3)
    expected = "".join(f"{n}\n" for n in range(200))
    assert fast.cells[0].streamText() == slow.cells[0].streamText() == expected
    assert slow.cells[0].updates * 4 < fast.cells[0].updates, (
        slow.cells[0].updates, fast.cells[0].updates)


def test_a_slow_viewer_still_sees_cells_finish_in_order(env):
    """Output alone may wait for a slow viewer; a change of run state goes out at once, so
    cell 1's end never arrives after cell 2's start."""
    env = NotebookEnv()
    owner = env.owner()
    sheet = env.worksheet("Order", ["first", "second"])
    fast = env.open(sheet.id, owner)[1]
    slow = _openSlow(env, sheet.id, owner)
    env.call(fast.callRemote("runAll"))
    for n in range(30):
        env.kernel.print(f"{n}\n")
        env.clock.advance(0.01)
        env.settle(rounds=2)
    env.kernel.finish()
    env.clock.advance(0.01)
    env.settle(rounds=2)
    env.kernel.print("second\n")
    env.kernel.finish()
    env.later(3)
    log = slow.client.cellUpdates
    ids = [c.cellId for c in slow.cells]
    started = next(i for i, (cell, state) in enumerate(log) if cell == ids[1] and state != "queued")
    assert log.index((ids[0], "done")) < started, log
    assert slow.cells[0].streamText() == "".join(f"{n}\n" for n in range(30))


def _openSlow(env, worksheetId, browser):
    from twisted.internet.defer import Deferred

    from athena_nb.web.auth import COOKIE
    from athena_nb.web.client import WIDGETS, worksheetOf
    from livefragments.client import LiveClient

    slowHTTP = FaultyHTTP(env.http, env.clock, lambda: "delay", delay=0.1)
    d = Deferred.fromCoroutine(LiveClient.open(
        env.clock, f"http://127.0.0.1:8080/worksheets/{worksheetId}/", http=slowHTTP,
        widgetClasses=WIDGETS, cookies={COOKIE: browser.cookie}))
    client = env.run(d)
    env.later(0.5)
    assert slowHTTP.counts["delay"] > 0
    return worksheetOf(client)


def test_a_viewer_joining_mid_run_gets_the_output_so_far_then_the_rest(env):
    env = NotebookEnv()
    owner = env.owner()
    sheet = env.worksheet("Late", ["long"])
    early = env.open(sheet.id, owner)[1]
    env.call(early.cells[0].callRemote("run"))
    env.kernel.print("before\n")
    env.later(0.5)
    late = env.open(sheet.id, owner)[1]
    assert late.cells[0].state == "running"
    assert late.cells[0].streamText() == "before\n"
    env.kernel.print("after\n")
    env.kernel.finish()
    env.settle()
    for page in (early, late):
        assert page.cells[0].streamText() == "before\nafter\n"
        assert page.cells[0].state == "done"


def test_clearing_outputs_reaches_viewers_as_a_reset(env):
    sheet, (ann, carla, vic), hub = together(env)
    env.call(ann.callRemote("runAll"))
    env.settle()
    assert vic.cells[1].plainResults() == ["2"]
    env.call(carla.callRemote("clearAll"))
    env.settle()
    for page in (ann, carla, vic):
        assert [c.outputs for c in page.cells] == [[], []]
        assert [c.state for c in page.cells] == ["idle", "idle"]


def test_interrupt_and_restart_from_the_toolbar(env):
    env = NotebookEnv()
    owner = env.owner()
    sheet = env.worksheet("Stop", ["while True: pass", "after"])
    page = env.open(sheet.id, owner)[1]
    env.call(page.callRemote("runAll"))
    assert env.call(page.callRemote("interrupt")) == "interrupted"
    env.settle()
    assert [c.state for c in page.cells] == ["interrupted", "interrupted"]
    env.kernel.namespace["x"] = 1
    assert env.call(page.callRemote("restart")) is None
    assert env.kernel.namespace == {}


def test_completion_is_answered_by_the_kernel(env):
    owner = env.owner()
    sheet = env.worksheet("C", ["pri"])
    page = env.open(sheet.id, owner)[1]
    env.call(page.cells[0].callRemote("run"))
    env.kernel.completions = {"matches": ["print"], "start": 0, "end": 3}
    assert env.call(page.cells[0].callRemote("complete", "pri", 3))["matches"] == ["print"]
    assert env.call(page.cells[0].callRemote("introspect", "len", 0))["text"] == "len: help"


# -- presence and title ------------------------------------------------------------------------


def test_presence_shows_who_is_here_and_in_which_cell(env):
    sheet, (ann, carla, vic), hub = together(env)
    env.clock.advance(PRESENCE_DELAY)
    env.settle()
    assert sorted(p["name"] for p in ann.presence) == ["Carla", "Owner", "Vic"]
    env.call(vic.callRemote("focus", vic.cells[1].cellId))
    env.clock.advance(PRESENCE_DELAY)
    env.settle()
    where = {p["name"]: p["cell"] for p in carla.presence}
    assert where["Vic"] == vic.cells[1].cellId and where["Owner"] is None
    client = vic.client
    env.run(client.close())
    env.clock.advance(PRESENCE_DELAY)
    env.settle()
    assert sorted(p["name"] for p in ann.presence) == ["Carla", "Owner"]


def test_title_changes_reach_every_viewer_also_from_the_home_page(env):
    sheet, (ann, carla, vic), hub = together(env)
    assert env.call(carla.callRemote("setTitle", "Renamed")) == "Renamed"
    env.settle()
    assert ann.title == vic.title == "Renamed"
    owner = env.owner()
    answer = owner.post(f"/api/worksheets/{sheet.id}/rename", {"title": "From home"})
    assert answer.code == 200, answer.body
    env.settle()
    assert ann.title == carla.title == vic.title == "From home"


# -- roles -----------------------------------------------------------------------------------


def _exposed(cls):
    return [name for name, _ in inspect.getmembers(cls)
            if not name.startswith("_") and getattr(getattr(cls, name), "__livefragments_exposed__", False)]


ARGS = {"edit": ([{"at": 0, "insert": "evil"}], 0), "move": (1,), "insert": ("below",),
        "split": (1, 0), "complete": ("x", 1), "introspect": ("x",), "setTitle": ("Evil",),
        "addCell": (0,), "focus": (None,)}
READABLE = {"text", "outputs", "focus"}


def test_a_read_only_viewer_is_refused_every_change_and_nothing_changes(env):
    """Every exposed method but the read-only ones refuses a viewer with NotAllowed and a
    sentence; the model, the store and the kernel are untouched."""
    sheet, (ann, carla, vic), hub = together(env)
    before = env.run(env.store.load_worksheet(sheet.id))
    calls = [(vic, name) for name in _exposed(WorksheetFragment)]
    calls += [(vic.cells[0], name) for name in _exposed(CellFragment)]
    assert {"edit", "run", "delete", "runAll", "restart", "setTitle"} <= {n for _, n in calls}
    refused = []
    for widget, name in calls:
        result = env.call(widget.callRemote(name, *ARGS.get(name, ())))
        if name in READABLE:
            assert not isinstance(result, Exception), (name, result)
            continue
        assert getattr(result, "type", None) == "NotAllowed", (name, result)
        assert "read-only access" in result.message
        refused.append(name)
    env.settle()
    after = env.run(env.store.load_worksheet(sheet.id))
    assert after == before
    assert [c.text for c in hub.cells] == [c.text for c in before.cells]
    assert env.kernels == [], "no kernel was started"
    assert len(refused) >= 15


def test_one_big_envelope_of_refused_notifications_keeps_the_log_small(env):
    """A read-only viewer's client sends one ~42 KB envelope of 500 edits as notifications;
    each is refused, and the log gets a few one-line warnings, then one count, no traceback."""
    sheet, (ann, carla, vic), hub = together(env)
    env.settle()
    op = [{"at": 0, "insert": "evil " * 8}]
    bodies = []
    http = vic.client.transport.http
    vic.client.transport.http = Recording(http, bodies)
    with capturedLog("livefragments", "athena_nb") as events:
        for _ in range(500):
            assert vic.cells[0].notifyRemote("edit", op, 0)
        env.settle()
        assert [c.text for c in hub.cells] == ["x = 1", "x + 1"], "nothing changed"
        warned = len(events)
        env.clock.advance(INTERVAL)
    assert [len(b) > 40_000 for b in bodies].count(True) == 1, "one big envelope"
    assert warned == BURST and len(events) == BURST + 1
    assert "495 more mistakes" in formatEvent(events[-1])
    assert all("log_failure" not in e for e in events), "no traceback"
    assert sum(len(formatEvent(e)) for e in events) < 3000


def test_bad_arguments_are_refused_and_a_bug_is_an_internal_error_with_an_id(env, monkeypatch):
    """The user is told what to fix; a bug's details stay in the log, under the id the user
    is told (a ValueError from our code is not a message for the user)."""
    sheet, (ann, carla, vic), hub = together(env)
    bad = env.call(ann.cells[0].callRemote("move", 5))
    assert (bad.type, bad.message) == ("BadArguments", "A cell moves by -1 (up) or 1 (down), not 5.")
    assert env.call(ann.callRemote("setTitle", " ")).type == "BadArguments"
    assert env.call(ann.callRemote("focus", "one")).type == "BadArguments"
    refused = env.call(ann.cells[0].callRemote("edit", [{"at": 99, "insert": "x"}], 0))
    assert refused.type == "OperationOutOfRange", "the notebook's refusals are told as they are"

    def broken(*args, **kwargs):
        raise ValueError("a bug deep in the hub")

    monkeypatch.setattr(hub, "moveCell", broken)
    with capturedLog("livefragments", "athena_nb") as events:
        error = env.call(ann.cells[0].callRemote("move", 1))
    assert error.type == "InternalError" and "deep in the hub" not in error.message
    errorId = re.search(r"error id ([0-9a-f]{8}) in the server log", error.message).group(1)
    [bug] = [e for e in events if "log_failure" in e]
    assert errorId in formatEvent(bug) and bug["log_failure"].check(ValueError)


def test_exposed_methods_are_exactly_the_reviewed_ones():
    """A new exposed method must be added here, with a thought about who may call it."""
    assert set(_exposed(WorksheetFragment)) == {
        "focus", "setTitle", "addCell", "runAll", "interrupt", "restart", "clearAll"}
    assert set(_exposed(CellFragment)) == {
        "edit", "text", "outputs", "run", "runAbove", "delete", "move", "insert", "split",
        "joinNext", "clear", "complete", "introspect"}
    assert exposedMethod(CellFragment, "push") is None


def test_revoking_a_share_link_closes_its_live_pages_at_once(env):
    owner = env.owner()
    sheet = env.worksheet()
    guest, token = env.guest(owner, sheet.id, "collaborator", "Gus")
    client, page = env.open(sheet.id, guest)
    ownerPage = env.open(sheet.id, owner)[1]
    answer = owner.post(f"/api/links/{token}/revoke", {})
    assert answer.code == 200, answer.body
    env.settle()
    assert client.state is ClientState.CLOSED
    assert "revoked" in client.closeReason.message
    env.clock.advance(PRESENCE_DELAY)
    env.settle()
    assert [p["name"] for p in ownerPage.presence] == ["Owner"]
    assert guest.get(f"/worksheets/{sheet.id}/").code == 403


def test_a_visitors_poll_that_comes_after_the_revocation_still_gets_the_reason(env):
    """The page had no request parked when the link was revoked (its next poll was on the
    way): that poll gets the close and its sentence, not the gate's 403."""
    owner = env.owner()
    sheet = env.worksheet()
    guest, token = env.guest(owner, sheet.id, "viewer", "Gus")
    html = guest.get(f"/worksheets/{sheet.id}/").body.decode()
    parser = _BootParser()
    parser.feed(html)
    boot = loads(parser.boot)
    assert owner.post(f"/api/links/{token}/revoke", {}).code == 200
    poll = guest.post(boot["transport"], b"[-1, []]", headers={
        b"content-type": b"application/json", b"x-lf-csrf": boot["csrf"].encode()})
    assert poll.code == 200, poll.body
    closes = [m for _, m in loads(poll.body)[1] if m[0] == "close"]
    assert "revoked" in closes[0][1][0]["message"]
    assert guest.get(f"/worksheets/{sheet.id}/").code == 403, "and nothing else gets through"
    other = env.browser()
    assert other.post(boot["transport"], b"[-1, []]", headers={
        b"content-type": b"application/json", b"x-lf-csrf": boot["csrf"].encode()}).code == 403


def test_trashing_an_open_worksheet_closes_its_pages(env):
    owner = env.owner()
    sheet = env.worksheet()
    client, page = env.open(sheet.id, owner)
    answer = owner.post(f"/api/worksheets/{sheet.id}/trash", {})
    assert answer.code == 200, answer.body
    env.settle()
    assert client.state is ClientState.CLOSED and "trash" in client.closeReason.message


# -- files and HTML outputs ------------------------------------------------------------------


def _cellWithFiles(env, files):
    import os

    owner = env.owner()
    sheet = env.worksheet("Files", ["make files"])
    page = env.open(sheet.id, owner)[1]
    hub = env.hubs.get(sheet.id)
    env.call(page.cells[0].callRemote("run"))
    for path, data in files.items():
        full = os.path.join(hub.directory, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
        env.kernel.emit({"type": "file", "path": path, "change": "created"})
    env.kernel.emit({"type": "display", "data": {"text/plain": "<HTML>",
                                                 "text/html": "<script>x=1</script><b>hi</b>"}})
    env.kernel.finish()
    env.settle()
    return owner, sheet, hub, page.cells[0].cellId


def test_cell_files_are_downloads_with_nosniff_and_images_are_inline(env):
    env = NotebookEnv()
    owner, sheet, hub, cellId = _cellWithFiles(env, {
        "data/out.html": b"<script>alert(1)</script>", "plot.png": b"\x89PNG\r\n\x1a\n..."})
    base = f"/worksheets/{sheet.id}/files/{cellId}/"
    answer = owner.get(base + "data/out.html")
    assert answer.code == 200 and answer.body == b"<script>alert(1)</script>"
    assert answer.headers["content-disposition"] == ["attachment; filename*=UTF-8''out.html"]
    assert answer.headers["x-content-type-options"] == ["nosniff"]
    assert answer.headers["content-type"] == ["application/octet-stream"]
    assert "sandbox" in answer.headers["content-security-policy"][0]
    image = owner.get(base + "plot.png")
    assert image.code == 200 and image.headers["content-type"] == ["image/png"]
    assert "content-disposition" not in image.headers
    for bad in ("missing.txt", "../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd"):
        assert owner.get(base + bad).code == 404, bad
    assert env.browser().get(base + "plot.png").code == 403


def test_a_recorded_file_reached_through_a_symlink_out_of_the_directory_is_refused(env):
    import os

    env = NotebookEnv()
    owner, sheet, hub, cellId = _cellWithFiles(env, {"ok.txt": b"ok"})
    os.remove(os.path.join(hub.directory, "ok.txt"))
    os.symlink("/etc/hostname", os.path.join(hub.directory, "ok.txt"))
    assert owner.get(f"/worksheets/{sheet.id}/files/{cellId}/ok.txt").code == 404


def test_html_output_is_served_sandboxed_with_scripts_but_no_same_origin(env):
    env = NotebookEnv()
    owner, sheet, hub, cellId = _cellWithFiles(env, {})
    n = next(i for i, e in enumerate(hub.findCell(cellId).outputs) if e["type"] == "display")
    answer = owner.get(f"/worksheets/{sheet.id}/outputs/{cellId}/{n}.html")
    assert answer.code == 200
    assert answer.headers["content-security-policy"] == ["sandbox allow-scripts"]
    assert answer.headers["content-type"] == ["text/html; charset=utf-8"]
    assert b"<script>x=1</script><b>hi</b>" in answer.body
    for bad in (f"{n + 1}.html", "99.html", "x.html", f"{n}.htm"):
        assert owner.get(f"/worksheets/{sheet.id}/outputs/{cellId}/{bad}").code == 404, bad
    assert env.browser().get(f"/worksheets/{sheet.id}/outputs/{cellId}/{n}.html").code == 403


def test_a_share_visitor_cannot_fetch_another_worksheets_files(env):
    env = NotebookEnv()
    owner, sheet, hub, cellId = _cellWithFiles(env, {"a.txt": b"secret"})
    other = env.worksheet("Other")
    guest, _ = env.guest(owner, other.id, "collaborator", "Eve")
    answer = guest.get(f"/worksheets/{sheet.id}/files/{cellId}/a.txt")
    assert answer.code == 403 and b"secret" not in answer.body
