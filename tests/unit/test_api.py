"""The REST API (/api/v1, athena_nb/web/api): a script with the token makes a worksheet, writes
and runs cells through the hub (open pages see both live), follows runs, exports and deletes;
and every malformed request is refused with a 4xx and a sentence.

Real HTTP through the production Site, the hubs and real Kernel objects with scripted workers
on a Clock (tests/support/notebook.py).
"""

from __future__ import annotations

import json
import os

import pytest

from tests.support.notebook import NotebookEnv, runPython
from tests.support.webenv import TOKEN

ORIGIN = b"http://127.0.0.1:8080"


@pytest.fixture
def env():
    return NotebookEnv(autoRun=runPython)


def send(env, method, path, body=None, *, token=TOKEN, headers=None):
    """Start an API request; returns its Deferred (settle it, or let time pass first)."""
    hdrs = {b"accept": b"application/json"}
    if token is not None:
        hdrs[b"authorization"] = f"Bearer {token}".encode()
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        hdrs[b"content-type"] = b"application/json"
    hdrs.update(headers or {})
    return env.http.request(method, "/api/v1" + path, hdrs, body)


def api(env, method, path, body=None, **kw):
    """An API call answered now: (status, decoded JSON or the raw body, headers)."""
    response = env.settle(send(env, method, path, body, **kw))
    try:
        value = json.loads(response.body)
    except ValueError:
        value = response.body
    return response.code, value, response.headers


def test_a_script_makes_a_worksheet_writes_a_cell_runs_it_and_reads_its_output(env):
    code, made, _ = api(env, b"POST", "/worksheets", {"title": "Scripted", "cells": ["", "2"]})
    assert code == 201 and made["worksheet"]["title"] == "Scripted"
    wid = made["worksheet"]["id"]
    code, listed, _ = api(env, b"GET", f"/worksheets/{wid}/cells")
    first = listed["cells"][0]
    assert [c["text"] for c in listed["cells"]] == ["", "2"] and first["index"] == 0
    code, written, _ = api(env, b"PUT", f"/worksheets/{wid}/cells/{first['id']}",
                           {"text": "print('hi')\n6 * 7", "version": first["version"]})
    assert code == 200 and written["cell"]["text"] == "print('hi')\n6 * 7"
    assert written["cell"]["version"] == first["version"] + 1
    d = send(env, b"POST", f"/worksheets/{wid}/cells/{first['id']}/run?wait=10")
    env.later(1)
    response = env.settle(d)
    run = json.loads(response.body)["run"]
    assert response.code == 200 and run["state"] == "done" and run["count"] == 1
    assert [o["type"] for o in run["outputs"]] == ["stream", "result"]
    assert run["outputs"][1]["data"]["text/plain"] == "42"
    code, again, _ = api(env, b"GET", f"/runs/{run['id']}")
    assert code == 200 and again["run"] == run
    code, outputs, _ = api(env, b"GET", f"/worksheets/{wid}/cells/{first['id']}/outputs")
    assert outputs["state"] == "done" and outputs["outputs"][0]["text"] == "hi\n"
    code, runs, _ = api(env, b"GET", "/runs")
    assert [r["id"] for r in runs["runs"]] == [run["id"]]
    # The store has it: the text and the outputs are what a reload shows.
    env.hubs.get(wid).runner.flushAll()
    snapshot = env.run(env.store.load_worksheet(wid))
    assert snapshot.cells[0].text == "print('hi')\n6 * 7" and snapshot.cells[0].outputs


def test_a_write_and_a_run_reach_an_open_page_live(env):
    """The page open on the worksheet sees the API's write as one edit and the run's output,
    as if someone on the page had typed and run it."""
    owner = env.owner()
    sheet = env.worksheet("Watched", ["old text"])
    page = env.open(sheet.id, owner)[1]
    cellId = page.cells[0].cellId
    code, _, _ = api(env, b"PUT", f"/worksheets/{sheet.id}/cells/{cellId}", {"text": "1 + 1"})
    assert code == 200
    env.settle()
    assert page.texts() == ["1 + 1"]
    code, started, _ = api(env, b"POST", f"/worksheets/{sheet.id}/cells/{cellId}/run")
    assert code in (200, 202)
    env.later(1)
    assert page.cells[0].state == "done" and page.cells[0].plainResults() == ["2"]
    code, polled, _ = api(env, b"GET", f"/runs/{started['run']['id']}")
    assert polled["run"]["state"] == "done"


def test_a_run_that_does_not_end_in_time_answers_202_and_can_be_waited_for(env):
    env = NotebookEnv()  # the test says when the cell ends
    sheet = env.worksheet("Slow", ["slow()"])
    cellId = env.run(env.hubs.open(sheet.id)).cells[0].id
    d = send(env, b"POST", f"/worksheets/{sheet.id}/cells/{cellId}/run?wait=2")
    env.later(2.5)
    response = env.settle(d)
    run = json.loads(response.body)["run"]
    assert response.code == 202 and run["state"] == "running" and run["ended"] is None
    code, busy, _ = api(env, b"POST", f"/worksheets/{sheet.id}/cells/{cellId}/run")
    assert code == 409 and "already queued or running" in busy["error"]["message"]
    waiting = send(env, b"GET", f"/runs/{run['id']}?wait=30")
    env.later(1)
    assert not waiting.called
    env.worker.print("tick\n")
    env.worker.done("error", [{"type": "error", "ename": "E", "evalue": "bad",
                               "traceback": "E: bad"}])
    env.later(0.5)
    ended = json.loads(env.settle(waiting).body)["run"]
    assert ended["state"] == "error" and ended["ended"] is not None
    assert [o["type"] for o in ended["outputs"]] == ["stream", "error"]


def test_interrupt_stops_the_running_cell_and_drops_the_queued_ones(env):
    env = NotebookEnv()  # the cells run until the test (or an interrupt) ends them
    sheet = env.worksheet("Runaway", ["while True: pass", "after()"])
    hub = env.run(env.hubs.open(sheet.id))
    first, second = (c.id for c in hub.cells)
    assert api(env, b"POST", f"/worksheets/{sheet.id}/interrupt")[1] == {"kernel": "idle"}
    runs = [api(env, b"POST", f"/worksheets/{sheet.id}/cells/{c}/run")[1]["run"]["id"]
            for c in (first, second)]
    env.later(1)
    code, answer, _ = api(env, b"POST", f"/worksheets/{sheet.id}/interrupt")
    assert code == 200 and answer["kernel"] in ("interrupted", "restarted")
    env.later(1)
    states = [api(env, b"GET", f"/runs/{r}")[1]["run"]["state"] for r in runs]
    assert states == ["interrupted", "interrupted"]
    assert api(env, b"POST", "/worksheets/0123456789abcdef/interrupt")[0] == 404


def test_export_import_files_and_delete(env):
    code, made, _ = api(env, b"POST", "/worksheets", {"title": "Round trip", "cells": ["x = 5"]})
    wid = made["worksheet"]["id"]
    response = env.settle(send(env, b"GET", f"/worksheets/{wid}/export/ipynb"))
    assert response.code == 200
    assert response.headers["content-type"] == ["application/x-ipynb+json"]
    assert "Round trip.ipynb" in response.headers["content-disposition"][0]
    notebook = json.loads(response.body)
    assert notebook["cells"][0]["source"] in ("x = 5", ["x = 5"])
    imported = env.settle(send(env, b"POST", "/worksheets/import?name=copy.ipynb",
                               response.body,
                               headers={b"content-type": b"application/octet-stream"}))
    assert imported.code == 201, imported.body
    directory = env.hubs.worksheetDir(wid)
    os.makedirs(os.path.join(directory, "data"))
    with open(os.path.join(directory, "data", "a.txt"), "wb") as f:
        f.write(b"hello")
    with open(os.path.join(os.fsencode(directory), b"bad\xff"), "wb") as f:
        f.write(b"a name that is not UTF-8 is left out of the list")
    code, files, _ = api(env, b"GET", f"/worksheets/{wid}/files")
    assert [(f["path"], f["size"]) for f in files["files"]] == [("data/a.txt", 5)]
    got = env.settle(send(env, b"GET", f"/worksheets/{wid}/files/data%2Fa.txt"))
    assert got.code == 200 and got.body == b"hello"
    code, refused, _ = api(env, b"GET", f"/worksheets/{wid}/files/..%2F..%2Fstore.sqlite")
    assert code == 400 and refused["error"]["type"] == "BadName"
    assert api(env, b"GET", f"/worksheets/{wid}/files/nothing.txt")[0] == 404
    code, deleted, _ = api(env, b"DELETE", f"/worksheets/{wid}")
    assert code == 200 and deleted["worksheet"]["trashed"] is True
    code, listed, _ = api(env, b"GET", "/worksheets")
    assert wid not in [w["id"] for w in listed["worksheets"]]
    assert wid in [w["id"] for w in api(env, b"GET", "/worksheets?trashed=true")[1]["worksheets"]]
    assert api(env, b"GET", f"/worksheets/{wid}/cells")[0] == 404


def test_a_worksheet_in_the_trash_is_restored_or_deleted_for_good(env):
    code, made, _ = api(env, b"POST", "/worksheets", {"title": "Term 1"})
    wid = made["worksheet"]["id"]
    directory = env.hubs.worksheetDir(wid)
    os.makedirs(directory, exist_ok=True)
    code, refused, _ = api(env, b"DELETE", f"/worksheets/{wid}?forever=true")
    assert code == 400 and "not in the trash" in refused["error"]["message"]
    assert api(env, b"GET", f"/worksheets/{wid}")[0] == 200, "nothing was deleted"
    assert api(env, b"DELETE", f"/worksheets/{wid}")[0] == 200
    code, restored, _ = api(env, b"POST", f"/worksheets/{wid}/restore")
    assert code == 200 and restored["worksheet"]["trashed"] is False
    assert api(env, b"GET", f"/worksheets/{wid}/cells")[0] == 200
    assert api(env, b"DELETE", f"/worksheets/{wid}")[0] == 200
    code, deleted, _ = api(env, b"DELETE", f"/worksheets/{wid}?forever=true")
    assert (code, deleted) == (200, {"deleted": wid})
    assert wid not in [w["id"] for w in api(env, b"GET", "/worksheets?trashed=true")[1]["worksheets"]]
    assert not os.path.exists(directory), "its files went with it"
    assert api(env, b"DELETE", f"/worksheets/{wid}?forever=true")[0] == 404
    assert api(env, b"POST", f"/worksheets/{wid}/restore")[0] == 404


def test_files_are_uploaded_renamed_and_deleted_and_open_pages_are_told(env):
    code, made, _ = api(env, b"POST", "/worksheets", {"title": "Files"})
    wid = made["worksheet"]["id"]
    hub = env.run(env.hubs.open(wid))
    told = []
    hub.audience.tell = lambda tell: told.append(tell)
    octet = {b"content-type": b"application/octet-stream"}
    code, put, _ = api(env, b"PUT", f"/worksheets/{wid}/files/data%2Fpoints.csv", b"1,2\n3,4\n",
                       headers=octet)
    assert code == 201 and put["file"]["path"] == "data/points.csv" and put["file"]["size"] == 8
    with open(os.path.join(hub.directory, "data", "points.csv"), "rb") as f:
        assert f.read() == b"1,2\n3,4\n", "where a cell reads it: open('data/points.csv')"
    code, renamed, _ = api(env, b"POST", f"/worksheets/{wid}/files/data%2Fpoints.csv/rename",
                           {"to": "points.csv"})
    assert code == 200 and renamed["file"]["path"] == "points.csv"
    api(env, b"PUT", f"/worksheets/{wid}/files/other.csv", b"x", headers=octet)
    code, clash, _ = api(env, b"POST", f"/worksheets/{wid}/files/other.csv/rename",
                         {"to": "points.csv"})
    assert code == 409 and "points.csv" in clash["error"]["message"]
    assert [f["path"] for f in api(env, b"GET", f"/worksheets/{wid}/files")[1]["files"]] == [
        "other.csv", "points.csv"]
    code, deleted, _ = api(env, b"DELETE", f"/worksheets/{wid}/files/other.csv")
    assert code == 200 and deleted == {"deleted": "other.csv"}
    assert api(env, b"DELETE", f"/worksheets/{wid}/files/other.csv")[0] == 404
    code, bad, _ = api(env, b"PUT", f"/worksheets/{wid}/files/.hidden", b"x", headers=octet)
    assert code == 400 and bad["error"]["type"] == "BadName"
    assert len(told) == 4, "two uploads, a rename and a deletion each tell the open pages"


def test_a_stale_version_is_refused_and_nothing_changes(env):
    sheet = env.worksheet("Race", ["a"])
    cellId = env.run(env.hubs.open(sheet.id)).cells[0].id
    code, answer, _ = api(env, b"PUT", f"/worksheets/{sheet.id}/cells/{cellId}",
                          {"text": "b", "version": 7})
    assert code == 409 and "changed since version 7" in answer["error"]["message"]
    assert env.hubs.get(sheet.id).cells[0].text == "a"


def test_cells_are_inserted_and_deleted_through_the_hub(env):
    owner = env.owner()
    sheet = env.worksheet("Cells", ["one"])
    page = env.open(sheet.id, owner)[1]
    code, made, _ = api(env, b"POST", f"/worksheets/{sheet.id}/cells", {"text": "zero",
                                                                        "index": 0})
    assert code == 201 and made["cell"]["index"] == 0
    env.settle()
    assert page.texts() == ["zero", "one"]
    assert api(env, b"DELETE", f"/worksheets/{sheet.id}/cells/{made['cell']['id']}")[0] == 200
    env.settle()
    assert page.texts() == ["one"]
    assert api(env, b"POST", f"/worksheets/{sheet.id}/cells", {"index": 5})[0] == 409
    code, made, _ = api(env, b"POST", f"/worksheets/{sheet.id}/cells", b'{"index": 1.0}',
                        headers={b"content-type": b"application/json"})
    assert code == 201 and made["cell"]["index"] == 1  # 1.0 is an integer, as JSON Schema says


# -- who may call it ---------------------------------------------------------------------------


def test_no_token_or_a_wrong_one_is_401_and_guesses_are_throttled(env):
    code, answer, headers = api(env, b"GET", "/worksheets", token=None)
    assert code == 401 and "Bearer" in answer["error"]["message"]
    assert headers["www-authenticate"][0].startswith("Bearer")
    codes = [api(env, b"GET", "/worksheets", token="wrong")[0] for _ in range(30)]
    assert codes[0] == 401 and codes[-1] == 429
    assert api(env, b"GET", "/worksheets", headers={b"authorization": b"Basic eDp5"})[0] in (
        401, 429)


def test_the_document_is_public_and_everything_else_needs_the_owner(env):
    code, document, _ = api(env, b"GET", "/openapi.json", token=None)
    assert code == 200 and document["openapi"].startswith("3.1")
    owner = env.owner()
    sheet = env.worksheet("Shared")
    guest, _ = env.guest(owner, sheet.id, "collaborator", "Carla")
    assert guest.request(b"GET", "/api/v1/worksheets").code == 403


def test_the_owner_s_cookie_works_and_keeps_the_csrf_defence(env):
    """With the session cookie, a change must come from this server's pages and be JSON; with
    the bearer token neither is needed (no browser sends that header by itself)."""
    owner = env.owner()
    assert owner.request(b"GET", "/api/v1/worksheets").code == 200
    foreign = owner.request(b"POST", "/api/v1/worksheets", {"title": "x"},
                            headers={b"origin": b"http://evil.example"})
    assert foreign.code == 403
    form = owner.request(b"POST", "/api/v1/worksheets", b"title=x",
                         headers={b"content-type": b"application/x-www-form-urlencoded"})
    assert form.code == 415
    assert owner.request(b"POST", "/api/v1/worksheets", {"title": "ok"}).code == 201
    scripted = api(env, b"POST", "/worksheets", {"title": "script"},
                   headers={b"origin": b"http://evil.example"})
    assert scripted[0] == 201
    titles = [w["title"] for w in api(env, b"GET", "/worksheets")[1]["worksheets"]]
    assert sorted(titles) == ["ok", "script"]


# -- malformed requests: a 4xx with a sentence, never a 5xx ------------------------------------


@pytest.mark.parametrize("method,path,body,headers,status,words", [
    (b"GET", "/nothing", None, {}, 404, "no such API call"),
    (b"PATCH", "/worksheets", None, {}, 405, "takes GET, POST"),
    (b"GET", "/worksheets/bad%20id", None, {}, 400, "worksheetId"),
    (b"GET", "/worksheets/0123456789abcdef", None, {}, 404, "no worksheet"),
    (b"GET", "/worksheets?trashed=maybe", None, {}, 400, "true or false"),
    (b"POST", "/worksheets", b"{oops", {b"content-type": b"application/json"}, 400,
     "not valid JSON"),
    (b"POST", "/worksheets", b'{"title": NaN}', {b"content-type": b"application/json"}, 400,
     "not valid JSON"),
    (b"POST", "/worksheets", b"[1]", {b"content-type": b"application/json"}, 400,
     "must be a JSON object"),
    (b"POST", "/worksheets", {"title": 5}, {}, 400, "'title' must be text"),
    (b"POST", "/worksheets", {"title": ""}, {}, 400, "at least 1"),
    (b"POST", "/worksheets", {"colour": "red"}, {}, 400, "does not take: 'colour'"),
    (b"POST", "/worksheets", {"cells": [1]}, {}, 400, "Item 0"),
    (b"POST", "/worksheets", b"{}", {b"content-type": b"text/plain"}, 415, "JSON"),
    (b"POST", "/worksheets/import", b"x", {b"content-type": b"application/octet-stream"}, 400,
     "name"),
    (b"POST", "/worksheets/import?name=a.doc", b"x",
     {b"content-type": b"application/octet-stream"}, 400, "is not of the right form"),
    (b"GET", "/worksheets/import", None, {}, 405, "takes POST"),
    (b"POST", "/worksheets/import?name=a.ipynb", b"not a notebook",
     {b"content-type": b"application/octet-stream"}, 400, ""),
    (b"GET", "/runs/12", None, {}, 404, "no run 12"),
    (b"GET", "/runs/x", None, {}, 400, "integer"),
    (b"GET", "/runs/1?wait=1000", None, {}, 400, "at most 60"),
    (b"GET", "/worksheets/0123456789abcdef/export/pdf", None, {}, 400, "one of"),
])
def test_malformed_requests_get_a_4xx_with_a_sentence(env, method, path, body, headers, status,
                                                      words):
    code, answer, _ = api(env, method, path, body, headers=headers)
    assert code == status, answer
    message = answer["error"]["message"]
    assert words in message and message.endswith((".", ".)"))


@pytest.mark.parametrize("body,status,words", [
    ({}, 400, "needs the field 'text'"),
    ({"text": "x", "version": -1}, 400, "at least 0"),
    ({"text": "x" * 1_000_001}, 400, "at most 1000000 characters"),
    (None, 400, "needs a JSON body"),
])
def test_malformed_writes_are_refused(env, body, status, words):
    sheet = env.worksheet("W", ["a"])
    cellId = env.run(env.hubs.open(sheet.id)).cells[0].id
    code, answer, _ = api(env, b"PUT", f"/worksheets/{sheet.id}/cells/{cellId}", body)
    assert code == status and words in answer["error"]["message"]
    assert api(env, b"GET", f"/worksheets/{sheet.id}/cells/999")[0] == 404


def test_a_text_cell_does_not_run(env):
    sheet = env.worksheet("T", ["%md\n# hi"])
    hub = env.run(env.hubs.open(sheet.id))
    env.run(hub.setKind(hub.cells[0].id, "text"))
    code, answer, _ = api(env, b"POST", f"/worksheets/{sheet.id}/cells/{hub.cells[0].id}/run")
    assert code == 409 and "text cell" in answer["error"]["message"]


def test_an_empty_cell_does_not_run(env):
    sheet = env.worksheet("E", ["  \n"])
    hub = env.run(env.hubs.open(sheet.id))
    code, answer, _ = api(env, b"POST", f"/worksheets/{sheet.id}/cells/{hub.cells[0].id}/run")
    assert code == 409 and answer["error"]["message"] == (
        f"Cell {hub.cells[0].id} is empty; there is nothing to run.")


# -- API tokens the owner makes on the home page ------------------------------------------------


def _token(env, owner, name, scope):
    made = owner.request(b"POST", "/api/tokens", {"name": name, "scope": scope})
    assert made.code == 201, made.body
    return json.loads(made.body)["token"]


def test_a_token_made_on_the_home_page_works_is_listed_and_ends(env):
    owner = env.owner()
    token = _token(env, owner, "nightly report", "full")
    code, made, _ = api(env, b"POST", "/worksheets", {"title": "By token"}, token=token)
    assert code == 201
    listed = json.loads(owner.request(b"GET", "/api/sessions").body)["sessions"]
    entry = next(s for s in listed if s["kind"] == "api")
    assert entry["name"] == "nightly report" and entry["scope"] == "full"
    assert owner.request(b"POST", f"/api/sessions/{entry['key']}/end", {}).code == 200
    code, refused, _ = api(env, b"GET", "/worksheets", token=token)
    assert code == 401 and "neither the server's token" in refused["error"]["message"]


def test_the_history_names_a_token_s_changes_after_it(env):
    """A teacher's grading script writes, adds and deletes cells: each version of the
    worksheet's history says it was the token, as the cells' runs do."""
    owner = env.owner()
    token = _token(env, owner, "grader", "full")
    sheet = env.worksheet("Marks", ["one"])
    cellId = env.run(env.store.load_worksheet(sheet.id)).cells[0].id
    assert api(env, b"PUT", f"/worksheets/{sheet.id}/cells/{cellId}", {"text": "two"},
               token=token)[0] == 200
    code, made, _ = api(env, b"POST", f"/worksheets/{sheet.id}/cells", {"text": "three"},
                        token=token)
    assert code == 201
    assert api(env, b"DELETE", f"/worksheets/{sheet.id}/cells/{made['cell']['id']}",
               token=token)[0] == 200
    env.settle()
    last = env.run(env.store.history_info(sheet.id))["last"]
    made = [env.run(env.store.history_at(sheet.id, v))["who"] for v in range(1, last + 1)]
    assert made == ["grader (API token)"] * 3, made
    past = env.run(env.store.history_at(sheet.id, 1))
    assert past["cells"][0]["by"] == "grader (API token)"


def test_a_read_only_token_reads_and_changes_nothing(env):
    owner = env.owner()
    token = _token(env, owner, "dashboard", "read")
    sheet = env.worksheet("Read me", ["1"])
    assert api(env, b"GET", f"/worksheets/{sheet.id}", token=token)[0] == 200
    code, refused, _ = api(env, b"DELETE", f"/worksheets/{sheet.id}", token=token)
    assert code == 403 and "may only read" in refused["error"]["message"]
    assert env.run(env.store.get_worksheet(sheet.id)).trashed is False


def test_a_token_is_never_a_cookie_and_a_session_is_never_a_token(env):
    owner = env.owner()
    token = _token(env, owner, "script", "full")
    thief = env.browser()
    thief.cookie = token
    assert thief.request(b"GET", "/").code == 403
    assert api(env, b"GET", "/worksheets", token=owner.cookie)[0] == 401


@pytest.mark.parametrize("body", [{"name": "", "scope": "full"}, {"name": "x", "scope": "root"},
                                  {"name": 5, "scope": "read"}])
def test_a_bad_token_request_is_refused(env, body):
    owner = env.owner()
    answer = owner.request(b"POST", "/api/tokens", body)
    assert answer.code == 400 and json.loads(answer.body)["error"]["message"].endswith(".")
