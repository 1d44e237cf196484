"""A worksheet's files through the real site (athena_nb/web/folder.py): upload, list, download,
rename and delete by role, every bad request a 4xx with a sentence, the body limits before the
body is read, and every page told of a change.  In-memory HTTP on a Clock (NotebookEnv)."""

from __future__ import annotations

import json
import os
from urllib.parse import quote

import pytest

from athena_nb.quotas import Quotas
from livefragments import Settings
from tests.support.notebook import NotebookEnv
from tests.support.webenv import COOKIE

OCTETS = {b"content-type": b"application/octet-stream"}
SITE_LIMIT = 4000
FILE_LIMIT = 10_000


@pytest.fixture
def env():
    env = NotebookEnv(settings=Settings(cookieName=COOKIE, maxMessageBytes=SITE_LIMIT))
    env.hubs.quotas = Quotas(maxFileBytes=FILE_LIMIT, maxFilesBytes=25_000)
    return env


@pytest.fixture
def sheet(env):
    return env.worksheet("Files", ["open('a.txt').read()"])


def url(sheet, name=""):
    return f"/worksheets/{sheet.id}/folder/{quote(name)}"


def upload(browser, sheet, name, data: bytes, replace=False, **kw):
    return browser.post(url(sheet, name) + ("?replace=1" if replace else ""), data,
                        headers=kw.pop("headers", OCTETS), **kw)


def listing(browser, sheet) -> dict:
    answer = browser.get(url(sheet))
    assert answer.code == 200, answer.body
    return json.loads(answer.body)


def error(answer, code):
    assert answer.code == code, (answer.code, answer.body)
    message = json.loads(answer.body)["error"]["message"]
    assert message.endswith(".") and message[0].isupper(), message
    return message


def onDisk(env, sheet):
    root = env.hubs.worksheetDir(sheet.id)
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


def test_the_owner_uploads_lists_downloads_renames_and_deletes_and_every_page_is_told(env, sheet):
    owner = env.owner()
    _, page = env.open(sheet.id, owner)
    _, other = env.open(sheet.id, env.owner())
    answer = upload(owner, sheet, "a.txt", b"hello")
    assert answer.code == 201, answer.body
    assert json.loads(answer.body)["file"]["name"] == "a.txt"
    upload(owner, sheet, "data/b.csv", b"1,2\n")
    env.settle()
    assert page.filesChanges >= 1 and other.filesChanges >= 1
    listed = listing(owner, sheet)
    assert [(f["name"], f["size"]) for f in listed["files"]] == [("a.txt", 5), ("data/b.csv", 4)]
    assert listed["used"] == 9 and listed["canChange"] is True
    assert listed["limits"] == {"maxFileBytes": FILE_LIMIT, "maxFilesBytes": 25_000}

    got = owner.get(url(sheet, "data/b.csv"))
    assert got.code == 200 and got.body == b"1,2\n"
    assert got.headers["content-disposition"] == ["attachment; filename*=UTF-8''b.csv"]
    assert got.headers["content-security-policy"] == ["sandbox; default-src 'none'"]

    seen = other.filesChanges
    renamed = owner.post(url(sheet, "a.txt"), {"action": "rename", "to": "c.txt"})
    assert renamed.code == 200 and json.loads(renamed.body)["file"]["name"] == "c.txt"
    assert owner.post(url(sheet, "data/b.csv"), {"action": "delete"}).code == 200
    env.settle()
    assert other.filesChanges > seen
    assert [f["name"] for f in listing(owner, sheet)["files"]] == ["c.txt"]
    assert "c.txt" in onDisk(env, sheet) and "a.txt" not in onDisk(env, sheet)


def test_a_viewer_lists_and_downloads_but_changes_nothing_a_collaborator_may(env, sheet):
    owner = env.owner()
    upload(owner, sheet, "a.txt", b"hello")
    viewer, _ = env.guest(owner, sheet.id, "viewer", "Vic")
    carla, _ = env.guest(owner, sheet.id, "collaborator", "Carla")
    listed = listing(viewer, sheet)
    assert [f["name"] for f in listed["files"]] == ["a.txt"] and listed["canChange"] is False
    assert viewer.get(url(sheet, "a.txt")).body == b"hello"
    for answer in (upload(viewer, sheet, "b.txt", b"x"), upload(viewer, sheet, "a.txt", b"x", True),
                   viewer.post(url(sheet, "a.txt"), {"action": "rename", "to": "z"}),
                   viewer.post(url(sheet, "a.txt"), {"action": "delete"})):
        assert "Vic" in error(answer, 403) and "read-only" in answer.body.decode()
    assert onDisk(env, sheet) == ["a.txt"]
    assert upload(carla, sheet, "b.txt", b"from Carla").code == 201
    assert listing(carla, sheet)["canChange"] is True
    assert onDisk(env, sheet) == ["a.txt", "b.txt"]


def test_a_share_link_to_another_worksheet_and_no_session_reach_no_files(env, sheet):
    owner = env.owner()
    upload(owner, sheet, "a.txt", b"hello")
    elsewhere = env.worksheet("Other")
    stranger, _ = env.guest(owner, elsewhere.id, "collaborator", "Sam")
    assert stranger.get(url(sheet)).code == 403
    assert stranger.get(url(sheet, "a.txt")).code == 403
    assert upload(stranger, sheet, "b.txt", b"x").code == 403
    assert env.browser().get(url(sheet, "a.txt")).code == 403
    assert onDisk(env, sheet) == ["a.txt"]


@pytest.mark.parametrize("name", ["../escape.txt", "..", ".hidden", "a//b", "a\\b", "%2e%2e/x"])
def test_names_outside_the_directory_are_refused(env, sheet, name):
    owner = env.owner()
    answer = owner.post(f"/worksheets/{sheet.id}/folder/{name}", b"x", headers=OCTETS)
    assert 400 <= answer.code < 500, answer.body
    assert not os.path.exists(os.path.join(env.dataDir, "worksheets", "escape.txt"))
    assert onDisk(env, sheet) == []


def test_every_bad_request_is_a_4xx_with_a_sentence(env, sheet):
    owner = env.owner()
    upload(owner, sheet, "a.txt", b"hello")
    os.symlink("/etc/passwd", os.path.join(env.hubs.worksheetDir(sheet.id), "link"))
    cases = [
        (owner.get(url(sheet, "missing")), 404, "There is no file 'missing'"),
        (owner.get(url(sheet, "link")), 400, "a link"),
        (owner.get("/worksheets/nope/folder/"), 404, "no worksheet"),
        (upload(owner, sheet, "a.txt", b"again"), 409, "already"),
        (upload(owner, sheet, "", b"x"), 404, "Name the file"),
        (owner.post(url(sheet, "a.txt"), b"x", headers={b"content-type": b"text/plain"}), 415,
         "application/octet-stream"),
        (owner.post(url(sheet, "a.txt"), b"x", headers={**OCTETS, b"origin": b"http://evil"}),
         403, "own pages"),
        (owner.post(url(sheet, "a.txt"), b"{nope", headers={b"content-type": b"application/json"}),
         400, "Say what to do"),
        (owner.post(url(sheet, "a.txt"), {"action": "explode"}), 400, "Say what to do"),
        (owner.post(url(sheet, "a.txt"), {"action": "rename", "to": 3}), 400, "needs a name"),
        (owner.post(url(sheet, "a.txt"), {"action": "rename", "to": "../x"}), 400, "'..'"),
        (owner.post(url(sheet, "nope"), {"action": "delete"}), 404, "There is no file"),
        (owner.post(url(sheet, "link"), {"action": "delete"}), 400, "a link"),
    ]
    for answer, code, words in cases:
        assert words in error(answer, code), (words, answer.body)
    assert sorted(onDisk(env, sheet)) == ["a.txt", "link"]
    assert os.path.exists("/etc/passwd")


def test_a_file_over_the_limit_is_refused_from_its_declared_length_with_the_sentence(env, sheet):
    owner = env.owner()
    big = b"x" * (FILE_LIMIT + 1)
    message = error(upload(owner, sheet, "big.bin", big), 413)
    assert message == ("The file 'big.bin' is 9.8 KiB, and a file uploaded to a worksheet may have at "
                       "most 9.8 KiB; nothing was uploaded.")
    # Far over the limit: refused at once, unread, and the connection closes.
    huge = upload(owner, sheet, "huge.bin", b"x" * (3 * FILE_LIMIT))
    assert "may have at most 9.8 KiB" in error(huge, 413)
    assert env.http.transports[-1].disconnecting
    assert onDisk(env, sheet) == []
    # At the limit it is taken (larger than any other request may be).
    assert upload(owner, sheet, "ok.bin", b"x" * FILE_LIMIT).code == 201


def test_others_keep_the_sites_limit(env, sheet):
    """Only someone who may change the worksheet may send a body larger than the site's limit:
    without a session, or as a viewer, it is refused before it is read."""
    owner = env.owner()
    viewer, _ = env.guest(owner, sheet.id, "viewer", "Vic")
    body = b"x" * (SITE_LIMIT + 1)
    for browser in (env.browser(), viewer):
        assert "server's limit of 4000 bytes" in error(upload(browser, sheet, "a.bin", body), 413)
    # JSON calls keep it too.
    big = owner.post(url(sheet, "a.bin"), b"{" + b" " * SITE_LIMIT + b"}",
                     headers={b"content-type": b"application/json"})
    assert "server's limit" in error(big, 413)
    assert onDisk(env, sheet) == []


def test_the_worksheets_total_is_kept(env, sheet):
    owner = env.owner()
    for name in ("a", "b"):
        assert upload(owner, sheet, name, b"x" * FILE_LIMIT).code == 201
    message = error(upload(owner, sheet, "c", b"x" * 6000), 413)
    assert "take 19.5 KiB of the 24.4 KiB they may have together" in message
    assert owner.post(url(sheet, "b"), {"action": "delete"}).code == 200
    assert upload(owner, sheet, "c", b"x" * 6000).code == 201
    assert upload(owner, sheet, "c", b"y" * 9000, replace=True).code == 201
    assert onDisk(env, sheet) == ["a", "c"]


def test_a_file_a_cell_writes_is_listed_and_every_page_is_told(env, sheet):
    owner = env.owner()
    _, page = env.open(sheet.id, owner)
    _, other = env.open(sheet.id, env.owner())
    hub = env.hubs.get(sheet.id)
    env.call(page.cells[0].callRemote("run"))
    with open(os.path.join(hub.directory, "made.txt"), "wb") as f:
        f.write(b"made by a cell")
    env.worker.event({"type": "file", "path": "made.txt", "change": "created"})
    env.worker.done()
    env.settle()
    assert page.filesChanges >= 1 and other.filesChanges >= 1
    assert [f["name"] for f in listing(owner, sheet)["files"]] == ["made.txt"]
