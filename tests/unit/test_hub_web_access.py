"""Who may do what on a worksheet through the real site: read-only viewers, revoked share links,
trashed worksheets, and the cell files and HTML outputs served to the right people only.

Each viewer is a ``livefragments.client`` page or a plain browser over in-memory HTTP on a Clock.
"""

import inspect
import re

import pytest
from twisted.logger import formatEvent

from athena_nb.audience import PRESENCE_DELAY
from athena_nb.web.fragments import CellFragment, WorksheetFragment
from livefragments._expose import exposedMethod
from livefragments._json import loads
from livefragments._mistakes import BURST, INTERVAL
from livefragments.client import ClientState, _BootParser
from tests.support.logs import capturedLogs
from tests.support.notebook import NotebookEnv
from tests.unit.test_hub_web import together


@pytest.fixture
def env():
    return NotebookEnv()


# -- roles -----------------------------------------------------------------------------------


def _exposed(cls):
    return [name for name, _ in inspect.getmembers(cls)
            if not name.startswith("_") and getattr(getattr(cls, name), "__livefragments_exposed__", False)]


ARGS = {"edit": ([{"at": 0, "insert": "evil"}], 0), "move": (1,), "insert": ("below",),
        "paste": ("below", [{"kind": "code", "text": "evil"}]), "moveBeside": (1, "below"),
        "split": (1, 0), "complete": ("x", 1), "introspect": ("x",), "setTitle": ("Evil",),
        "addCell": (0,), "focus": (None,), "setKind": ("text",), "setTypeset": (False,),
        "setTypesetResults": (True,), "setSystem": ("sage",), "cursor": (0, 0, 0), "answer": ("x",), "restoreCell": (1,), "unjoinCell": (1,),
        "help": ("x",), "signature": ("x",), "historyAt": (0,), "historyDiff": (0, 0),
        "historyRestore": (0,), "historyRestoreCell": (0, 1), "historyName": (0, "x"),
        "historySnapshot": ("x",), "historyOutputs": (1,)}
#: A viewer may read, and show the others where it is (presence: its cell and its selection).
READABLE = {"text", "outputs", "focus", "cursor", "historyInfo", "historyAt", "historyDiff"}


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
        if name == "historyOutputs":  # reading: refused only for want of such a snapshot
            assert result.type == "StoreError" and "no snapshot" in result.message
            continue
        assert getattr(result, "type", None) == "NotAllowed", (name, result)
        assert "read-only access" in result.message
        refused.append(name)
    env.settle()
    after = env.run(env.store.load_worksheet(sheet.id))
    assert after == before
    assert [c.text for c in hub.cells] == [c.text for c in before.cells]
    assert env.kernels == [] and env.workers.made == [], "no kernel was started"
    assert len(refused) >= 15


def test_a_viewers_page_offers_only_the_cell_actions_a_viewer_can_take(env):
    """No button that would only be refused: a viewer's cell has no Run, Cancel or Delete, only
    its menu (whose items cell.js makes when it opens: Copy input and Hide output for a viewer,
    tests/browser/test_newuser.py); an editor's has them all."""
    owner = env.owner()
    sheet = env.worksheet("Shown", ["1"])
    vic, _ = env.guest(owner, sheet.id, "viewer", "Vic")
    pages = {who: browser.get(f"/worksheets/{sheet.id}/").body.decode()
             for who, browser in (("owner", owner), ("viewer", vic))}
    actions = {who: re.findall(r'<section .*?</section>', html, re.S)[0] for who, html in pages.items()}
    found = {who: re.findall(r'data-action="(\w+)"', html) for who, html in actions.items()}
    assert found["viewer"] == ["more"]
    assert found["owner"] == ["run", "cancel", "delete", "more"]


def test_exposed_methods_are_exactly_the_reviewed_ones():
    """A new exposed method must be added here, with a thought about who may call it."""
    assert set(_exposed(WorksheetFragment)) == {
        "focus", "setTitle", "addCell", "runAll", "interrupt", "restart", "clearAll",
        "setTypeset", "setTypesetResults", "setSystem", "restoreCell", "unjoinCell",
        # History (historycalls.py): reading for everyone, restoring and naming for editors,
        # a snapshot with outputs for the owner.
        "historyInfo", "historyAt", "historyDiff", "historyOutputs", "historyRestore",
        "historyRestoreCell", "historyName", "historySnapshot"}
    assert set(_exposed(CellFragment)) == {
        "edit", "text", "outputs", "run", "runAbove", "delete", "move", "moveBeside", "insert",
        "paste",
        "split", "joinNext", "clear", "complete", "introspect", "setKind", "cursor", "cancel", "answer",
        "help", "signature"}
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
        env.worker.event({"type": "file", "path": path, "change": "created"})
    env.worker.event({"type": "display", "data": {"text/plain": "<HTML>",
                                                 "text/html": "<script>x=1</script><b>hi</b>"}})
    env.worker.done()
    env.settle()
    return owner, sheet, hub, page.cells[0].cellId


def test_cell_files_are_downloads_with_nosniff_and_images_are_inline(env):
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

    owner, sheet, hub, cellId = _cellWithFiles(env, {"ok.txt": b"ok"})
    os.remove(os.path.join(hub.directory, "ok.txt"))
    os.symlink("/etc/hostname", os.path.join(hub.directory, "ok.txt"))
    assert owner.get(f"/worksheets/{sheet.id}/files/{cellId}/ok.txt").code == 404


def test_html_output_is_served_sandboxed_with_scripts_but_no_same_origin(env):
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
    owner, sheet, hub, cellId = _cellWithFiles(env, {"a.txt": b"secret"})
    other = env.worksheet("Other")
    guest, _ = env.guest(owner, other.id, "collaborator", "Eve")
    answer = guest.get(f"/worksheets/{sheet.id}/files/{cellId}/a.txt")
    assert answer.code == 403 and b"secret" not in answer.body


# -- errors and mistakes --------------------------------------------------------------------


class Recording:
    """An HTTP client that passes requests on and records their bodies."""

    def __init__(self, inner, bodies):
        self.inner, self.bodies = inner, bodies

    def request(self, method, url, headers, body):
        self.bodies.append(body or b"")
        return self.inner.request(method, url, headers, body)


def test_one_big_envelope_of_refused_notifications_keeps_the_log_small(env):
    """A read-only viewer's client sends one ~42 KB envelope of 500 edits as notifications;
    each is refused, and the log gets a few one-line warnings, then one count, no traceback."""
    sheet, (ann, carla, vic), hub = together(env)
    env.settle()
    op = [{"at": 0, "insert": "evil " * 8}]
    bodies = []
    http = vic.client.transport.http
    vic.client.transport.http = Recording(http, bodies)
    with capturedLogs("livefragments", "athena_nb") as events:
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
    with capturedLogs("livefragments", "athena_nb") as events:
        error = env.call(ann.cells[0].callRemote("move", 1))
    assert error.type == "InternalError" and "deep in the hub" not in error.message
    errorId = re.search(r"error id ([0-9a-f]{8}) in the server log", error.message).group(1)
    [bug] = [e for e in events if "log_failure" in e]
    assert errorId in formatEvent(bug) and bug["log_failure"].check(ValueError)
