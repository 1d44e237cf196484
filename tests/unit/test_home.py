"""The home page's JSON API: list, create, rename, trash, restore, share links; and its refusals.

Real HTTP through the production Site, deterministic time and commits: tests/support/webenv.py.
"""

from __future__ import annotations

import json
import os
import tempfile

import pytest

from athena_nb.web.auth import COOKIE
from tests.support.logs import capturedLogs, failures
from tests.support.webenv import Env, call


class FakeHubs:
    """Records what the home page tells the hub registry."""

    def __init__(self):
        self.told = []
        self.dataDir = tempfile.mkdtemp(prefix="athena-home-test-")

    def get(self, worksheetId):
        return None  # no worksheet is open

    def worksheetDir(self, worksheetId):
        return os.path.join(self.dataDir, "worksheets", worksheetId)

    def renamed(self, worksheetId, title):
        self.told.append(("renamed", worksheetId, title))

    def closeHub(self, worksheetId, reason):
        self.told.append(("closeHub", worksheetId, reason))


@pytest.fixture
def hubs():
    return FakeHubs()


@pytest.fixture
def env(hubs):
    return Env(hubs=hubs)


def test_new_worksheets_are_untitled_with_one_empty_cell_and_listed_newest_first(env):
    owner = env.owner()
    code, made = call(owner, b"POST", "/api/worksheets")
    assert code == 201
    sheet = made["worksheet"]
    assert sheet["title"] == "Untitled" and sheet["trashed"] is False
    assert sheet["url"] == f"/worksheets/{sheet['id']}/"
    snapshot = env.run(env.store.load_worksheet(sheet["id"]))
    assert [cell.text for cell in snapshot.cells] == [""]
    env.clock.advance(10)
    call(owner, b"POST", "/api/worksheets", {"title": "Second"})
    code, listed = call(owner, b"GET", "/api/worksheets")
    assert [w["title"] for w in listed["worksheets"]] == ["Second", "Untitled"]
    # The next untitled ones can be told apart, as Jupyter's are; a freed name is used again.
    for _ in range(2):
        env.clock.advance(10)
        call(owner, b"POST", "/api/worksheets")
    code, listed = call(owner, b"GET", "/api/worksheets")
    assert [w["title"] for w in listed["worksheets"]][:2] == ["Untitled 3", "Untitled 2"]
    call(owner, b"POST", f"/api/worksheets/{sheet['id']}/trash")
    assert call(owner, b"POST", "/api/worksheets")[1]["worksheet"]["title"] == "Untitled"


def test_rename_trash_and_restore_answer_with_the_changed_worksheet(env, hubs):
    """Each call answers with the worksheet as stored, and open pages are told through the
    hub registry (renamed at once, closed when trashed)."""
    owner = env.owner()
    sheet = env.worksheet("Old")
    code, renamed = call(owner, b"POST", f"/api/worksheets/{sheet.id}/rename",
                         {"title": "  New name "})
    assert code == 200 and renamed["worksheet"]["title"] == "New name"
    code, trashed = call(owner, b"POST", f"/api/worksheets/{sheet.id}/trash")
    assert code == 200 and trashed["worksheet"]["trashed"] is True
    assert call(owner, b"GET", "/api/worksheets")[1]["worksheets"][0]["trashed"] is True
    code, restored = call(owner, b"POST", f"/api/worksheets/{sheet.id}/restore")
    assert code == 200 and restored["worksheet"]["trashed"] is False
    assert hubs.told == [("renamed", sheet.id, "New name"),
                         ("closeHub", sheet.id, "The worksheet was moved to the trash.")]


def test_a_worksheet_in_the_trash_is_deleted_forever_with_its_files(env, hubs):
    """Only from the trash (else a sentence, and nothing goes); then it is gone from the list,
    the trash, the store and the disk."""
    owner = env.owner()
    sheet = env.worksheet("Marks")
    files = hubs.worksheetDir(sheet.id)
    os.makedirs(files)
    with open(os.path.join(files, "grades.csv"), "w") as f:
        f.write("ann,1\n")
    code, refused = call(owner, b"POST", f"/api/worksheets/{sheet.id}/delete")
    assert code == 400 and refused["error"]["message"] == (
        "'Marks' is not in the trash: move it to the trash first; nothing was deleted.")
    assert os.path.exists(files)
    call(owner, b"POST", f"/api/worksheets/{sheet.id}/trash")
    code, deleted = call(owner, b"POST", f"/api/worksheets/{sheet.id}/delete")
    assert code == 200 and deleted == {"deleted": sheet.id}
    assert call(owner, b"GET", "/api/worksheets")[1]["worksheets"] == []
    assert not os.path.exists(files)
    code, missing = call(owner, b"POST", f"/api/worksheets/{sheet.id}/delete")
    assert code == 404, missing


@pytest.mark.parametrize("title", ["", "   ", "x" * 501, 7])
def test_a_bad_title_is_refused_and_nothing_changes(env, hubs, title):
    owner = env.owner()
    sheet = env.worksheet("Keep")
    code, answer = call(owner, b"POST", f"/api/worksheets/{sheet.id}/rename", {"title": title})
    assert code == 400 and answer["error"]["message"].endswith(".")
    assert env.run(env.store.get_worksheet(sheet.id)).title == "Keep"
    assert hubs.told == []


def test_unknown_worksheets_and_calls_are_404(env):
    owner = env.owner()
    code, answer = call(owner, b"POST", "/api/worksheets/nope/trash")
    assert code == 404 and answer["error"]["type"] == "NotFound"
    assert call(owner, b"GET", "/api/worksheets/nope/bogus")[0] == 404
    assert call(owner, b"DELETE", "/api/worksheets")[0] == 405


def test_calls_need_a_json_body_from_this_site(env):
    """A cross-site form cannot change anything: POSTs must be JSON and come from our origin."""
    owner = env.owner()
    sheet = env.worksheet("Safe")
    form = owner.request(b"POST", f"/api/worksheets/{sheet.id}/trash", b"x=1",
                         headers={b"content-type": b"application/x-www-form-urlencoded"})
    assert form.code == 415
    foreign = owner.request(b"POST", f"/api/worksheets/{sheet.id}/trash", {},
                            headers={b"origin": b"http://evil.example"})
    assert foreign.code == 403
    broken = owner.request(b"POST", f"/api/worksheets/{sheet.id}/rename", b"{not json",
                           headers={b"content-type": b"application/json"})
    assert broken.code == 400 and b"not valid JSON" in broken.body
    assert env.run(env.store.get_worksheet(sheet.id)).trashed is False


def test_share_links_are_made_listed_and_revoked(env):
    owner = env.owner()
    sheet = env.worksheet()
    code, made = call(owner, b"POST", f"/api/worksheets/{sheet.id}/links", {"role": "viewer"})
    assert code == 201
    link = made["link"]
    assert link["role"] == "viewer" and link["path"] == f"/share/{link['token']}"
    assert len(link["token"]) >= 30
    assert call(owner, b"POST", f"/api/worksheets/{sheet.id}/links", {"role": "owner"})[0] == 400
    assert [x["token"] for x in call(owner, b"GET", f"/api/worksheets/{sheet.id}/links")[1][
        "links"]] == [link["token"]]
    code, revoked = call(owner, b"POST", f"/api/links/{link['token']}/revoke")
    assert code == 200 and revoked["link"]["revoked"] is True
    assert call(owner, b"GET", f"/api/worksheets/{sheet.id}/links")[1]["links"] == []
    assert call(owner, b"POST", "/api/links/unknown/revoke")[0] == 404


def test_the_home_page_loads_its_script_and_styles_from_static(env):
    owner = env.owner()
    body = owner.get("/").body.decode()
    root = env.site.resource.moduleRoot
    assert f'<script type="module" src="{root}athena_nb/home.js">' in body
    assert f'<link rel="stylesheet" href="{root}athena_nb/notebook.css">' in body
    assert "<script>" not in body and "style=" not in body
    for name in ("athena_nb/home.js", "athena_nb/notebook.css"):
        assert owner.get(root + name).code == 200


def test_an_answer_whose_connection_was_lost_meanwhile_is_dropped_quietly(env):
    """The worksheet is made; the browser that asked is gone, so nothing is written to it and
    nothing is logged as a failure (AthenaRequest.lost)."""
    owner = env.owner()
    headers = {b"accept": b"application/json", b"content-type": b"application/json",
               b"origin": b"http://127.0.0.1:8080", b"cookie": f"{COOKIE}={owner.cookie}".encode()}
    with capturedLogs() as logged:
        env.http.request(b"POST", "/api/worksheets", headers, b"{}")
        assert env.http.dropAll() == 1, "the answer waits for the store"
        env.writer.flush()
        env.clock.advance(1)
    assert failures(logged) == []
    assert len(call(owner, b"GET", "/api/worksheets")[1]["worksheets"]) == 1


def test_search_finds_words_in_titles_and_cells_with_a_snippet(env):
    owner = env.owner()
    env.worksheet("Group theory", ("G = SymmetricGroup(4)",))
    env.worksheet("Other", ("x = 1",))
    code, answer = call(owner, b"GET", "/api/search?q=symmetricgr")
    assert code == 200
    assert [(r["worksheet"]["title"], r["snippet"]) for r in answer["results"]] == [
        ("Group theory", "G = «SymmetricGroup»(4)")]
    assert call(owner, b"GET", "/api/search?q=")[1] == {"results": []}


def test_duplicate_copies_cells_outputs_and_kind(env):
    owner = env.owner()
    sheet = env.worksheet("Source", ("# notes", "2 + 2"))
    cells = env.run(env.store.load_worksheet(sheet.id)).cells
    env.run(env.store.set_cell_kind(cells[0].id, "text"))
    env.run(env.store.append_outputs(cells[1].id, [("result", {"data": {"text/plain": "4"}})]))
    code, made = call(owner, b"POST", f"/api/worksheets/{sheet.id}/duplicate")
    assert code == 201 and made["worksheet"]["title"] == "Copy of Source"
    copy = env.run(env.store.load_worksheet(made["worksheet"]["id"]))
    assert [(c.text, c.kind.value) for c in copy.cells] == [("# notes", "text"), ("2 + 2", "code")]
    assert copy.cells[1].outputs[0].payload == {"data": {"text/plain": "4"}}


def test_duplicate_copies_the_worksheets_files(env, hubs):
    owner = env.owner()
    sheet = env.worksheet("With data", ("open('t.csv').read()",))
    os.makedirs(hubs.worksheetDir(sheet.id))
    with open(os.path.join(hubs.worksheetDir(sheet.id), "t.csv"), "w") as f:
        f.write("1,2\n")
    code, made = call(owner, b"POST", f"/api/worksheets/{sheet.id}/duplicate")
    assert code == 201
    copied = os.path.join(hubs.worksheetDir(made["worksheet"]["id"]), "t.csv")
    assert open(copied).read() == "1,2\n"


class HeldPool:
    """A thread pool whose work waits until the test runs it (``runHeld``)."""

    def __init__(self):
        self.held = []

    def callInThreadWithCallback(self, onResult, function, *args, **kwargs):
        self.held.append((onResult, function, args, kwargs))

    def runHeld(self):
        from twisted.python.failure import Failure

        held, self.held = self.held, []
        for onResult, function, args, kwargs in held:
            try:
                onResult(True, function(*args, **kwargs))
            except Exception:
                onResult(False, Failure())


def test_duplicate_copies_the_files_in_the_thread_pool_and_answers_once_they_are_in(env, hubs):
    """The copy (blocking disk work) is not done on the reactor's thread: the answer waits."""
    owner = env.owner()
    sheet = env.worksheet("With data", ("",))
    os.makedirs(os.path.join(hubs.worksheetDir(sheet.id), "data"))
    with open(os.path.join(hubs.worksheetDir(sheet.id), "data", "t.csv"), "w") as f:
        f.write("1,2\n")
    pool = HeldPool()
    env.clock.getThreadPool = lambda: pool
    env.clock.callFromThread = lambda f, *a, **kw: f(*a, **kw)
    answers = []
    env.http.request(b"POST", f"/api/worksheets/{sheet.id}/duplicate",
                     {b"accept": b"application/json", b"content-type": b"application/json",
                      b"origin": b"http://127.0.0.1:8080", b"cookie": f"{COOKIE}={owner.cookie}"
                      .encode()}, b"{}").addCallback(answers.append)
    for _ in range(5):
        env.writer.flush()
        env.clock.advance(0)
    assert len(pool.held) == 1 and answers == []
    assert len(env.run(env.store.list_worksheets())) == 1, "nothing stored before the copy"
    pool.runHeld()
    env.run(env.store.list_worksheets())
    assert len(answers) == 1 and answers[0].code == 201
    copyId = json.loads(answers[0].body)["worksheet"]["id"]
    assert open(os.path.join(hubs.worksheetDir(copyId), "data", "t.csv")).read() == "1,2\n"
    assert [n for n in os.listdir(os.path.join(hubs.dataDir, "worksheets"))
            if n.startswith(".")] == [], "nothing left aside"


def test_a_duplicate_past_the_quotas_is_refused_with_a_sentence_and_nothing_is_stored(env, hubs):
    from athena_nb.quotas import Quotas

    owner = env.owner()
    sheet = env.worksheet("Long", ("a", "b", "c"))
    hubs.quotas = Quotas(maxCells=2)
    code, answer = call(owner, b"POST", f"/api/worksheets/{sheet.id}/duplicate")
    assert code == 400 and answer["error"]["type"] == "QuotaExceeded"
    assert answer["error"]["message"] == ("This worksheet has 3 cells, and a worksheet may have "
                                          "at most 2; nothing was copied.")
    hubs.quotas = Quotas(maxChars=2)
    code, answer = call(owner, b"POST", f"/api/worksheets/{sheet.id}/duplicate")
    assert code == 400 and "holds 3 characters of text and output" in answer["error"]["message"]
    assert [w.id for w in env.run(env.store.list_worksheets())] == [sheet.id]
