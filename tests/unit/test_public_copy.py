""""Edit a copy" of a published snapshot (athena_nb/web/publiccopy.py) through the real site:
the owner gets a button that makes a new worksheet of the snapshot (cells, outputs, files,
within the quotas) and is sent to it; anyone else gets a link to log in, and their POST is
refused with a sentence; nothing is stored then."""

from __future__ import annotations

import json
import os
import re

from athena_nb.quotas import Quotas
from athena_nb.store import CellKind, NewCell, OutputKind
from athena_nb.textcells import TYPESET_KEY
from athena_nb.web.public import KEY
from tests.support.notebook import NotebookEnv


def published(env, owner):
    """A worksheet with a text cell, outputs and a file, published: (sheet, public path)."""
    sheet = env.run(env.store.import_worksheet("Lecture 3", [
        NewCell("# Waves $\\omega$", CellKind.TEXT),
        NewCell("plot()", CellKind.CODE, (
            (OutputKind.STREAM, {"name": "stdout", "text": "drawn\n"}),
            (OutputKind.DISPLAY, {"data": {"text/latex": "$x^2$", "text/plain": "x**2"}}),
            (OutputKind.FILE, {"path": "wave.png", "change": "created"})), 1)],
        {TYPESET_KEY: False}))
    directory = env.hubs.worksheetDir(sheet.id)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "wave.png"), "wb") as f:
        f.write(b"\x89PNG wave")
    answer = owner.post(f"/api/worksheets/{sheet.id}/publish", {})
    assert answer.code == 200, answer.body
    return sheet, json.loads(answer.body)["published"]["path"]


def worksheetIds(env):
    return [w.id for w in env.run(env.store.list_worksheets())]


def test_the_owner_edits_a_copy_and_is_sent_to_it():
    env = NotebookEnv()
    owner = env.owner()
    sheet, path = published(env, owner)
    page = owner.get(path)
    body = page.body.decode()
    assert f'<form class="public-copy" method="post" action="{path}/copy">' in body
    assert ">Edit a copy</button>" in body and "Log in to edit a copy" not in body
    assert "form-action 'self'" in page.headers["content-security-policy"][0]
    made = owner.post(path + "/copy")
    assert made.code == 303, made.body
    location = made.headers["location"][0]
    assert re.fullmatch(r"/worksheets/[0-9a-f]+/", location)
    copyId = location.split("/")[2]
    assert copyId != sheet.id and sorted(worksheetIds(env)) == sorted([sheet.id, copyId])
    copy = env.run(env.store.load_worksheet(copyId))
    assert copy.worksheet.title == "Copy of Lecture 3"
    assert [(c.text, c.kind) for c in copy.cells] == [("# Waves $\\omega$", CellKind.TEXT),
                                                     ("plot()", CellKind.CODE)]
    outputs = [(o.kind, o.payload.get("text") or o.payload.get("path")
                or o.payload["data"]["text/latex"]) for o in copy.cells[1].outputs]
    assert outputs == [(OutputKind.STREAM, "drawn\n"), (OutputKind.DISPLAY, "$x^2$"),
                       (OutputKind.FILE, "wave.png")]
    assert KEY not in copy.metadata and copy.metadata[TYPESET_KEY] is False
    with open(os.path.join(env.hubs.worksheetDir(copyId), "wave.png"), "rb") as f:
        assert f.read() == b"\x89PNG wave"
    assert owner.get(location).code == 200


def test_a_visitor_without_a_session_is_offered_the_login_that_comes_back():
    env = NotebookEnv()
    owner = env.owner()
    sheet, path = published(env, owner)
    stranger = env.browser()
    page = stranger.get(path)
    body = page.body.decode()
    assert f'<a class="button-like" href="/login?next={path}">Log in to edit a copy</a>' in body
    assert "<form" not in body and "form-action 'none'" in page.headers["content-security-policy"][0]
    refused = stranger.post(path + "/copy")
    assert refused.code == 403 and b"Only the notebook&#x27;s owner" in refused.body
    assert worksheetIds(env) == [sheet.id]
    form = stranger.get(f"/login?next={path}")
    assert form.code == 200 and f'name="next" value="{path}"'.encode() in form.body
    back = owner.get(f"/login?next={path}")  # already logged in: straight back
    assert back.code == 303 and back.headers["location"] == [path]


def test_a_share_link_visitor_cannot_make_worksheets():
    env = NotebookEnv()
    owner = env.owner()
    sheet, path = published(env, owner)
    carla, _ = env.guest(owner, sheet.id, "collaborator", "Carla")
    body = carla.get(path).body.decode()
    assert "Log in to edit a copy" in body and "one worksheet only" in body and "<form" not in body
    assert carla.post(path + "/copy").code == 403
    assert worksheetIds(env) == [sheet.id]


def test_refusals_say_why_and_store_nothing():
    env = NotebookEnv()
    owner = env.owner()
    sheet, path = published(env, owner)
    crossSite = owner.post(path + "/copy", headers={b"origin": b"http://evil.example"})
    assert crossSite.code == 403 and b"came from another site" in crossSite.body
    env.hubs.quotas = Quotas(maxCells=1)
    tooBig = owner.post(path + "/copy")
    assert tooBig.code == 400
    assert (b"This published worksheet has 2 cells, and a worksheet may have at most 1; "
            b"nothing was copied.") in tooBig.body
    wrong = owner.post(path[:-3] + "xyz/copy")
    assert wrong.code == 404
    assert owner.post(path + "/other").code == 404
    assert owner.post(path).code == 404 and owner.post(path + "/").code == 404
    assert worksheetIds(env) == [sheet.id]
    assert [n for n in os.listdir(os.path.join(env.dataDir, "worksheets"))
            if n.startswith(".")] == [], "nothing left aside"


def test_an_interact_is_copied_as_the_store_keeps_one():
    from athena_nb.interactmodel import clean, fromStored, storedPayload

    env = NotebookEnv()
    owner = env.owner()
    event = clean({"type": "interact", "id": "i", "session": "s", "name": "f", "controls": [
        {"name": "n", "kind": "slider", "label": "n", "n": 3, "labels": ["a", "b", "c"]}],
        "values": {"n": 2}, "outputs": [{"type": "stream", "name": "stdout", "text": "ran\n"}]})
    sheet = env.run(env.store.import_worksheet("Interact", [
        NewCell("@interact ...", CellKind.CODE, ((OutputKind.DISPLAY, storedPayload(event)),))],
        {}))
    path = json.loads(owner.post(f"/api/worksheets/{sheet.id}/publish", {}).body)["published"]["path"]
    made = owner.post(path + "/copy")
    assert made.code == 303
    copy = env.run(env.store.load_worksheet(made.headers["location"][0].split("/")[2]))
    [output] = copy.cells[0].outputs
    assert output.kind is OutputKind.DISPLAY
    assert fromStored(output.payload) == fromStored(storedPayload(event))
