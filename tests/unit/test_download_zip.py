"""Several worksheets as one .zip (athena_nb/web/archive.py) through the real site: each as a
notebook nbformat reads back, with its files beside it (no link followed out); the owner only;
a clear 4xx for no choice, too many, a missing worksheet and an archive too big."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile

import nbformat

from athena_nb.web import archive
from athena_nb.web.auth import COOKIE
from tests.support.notebook import NotebookEnv


def zipOf(answer) -> zipfile.ZipFile:
    assert answer.code == 200, answer.body
    assert answer.headers["content-type"] == ["application/zip"]
    assert answer.headers["content-disposition"][0].startswith('attachment; filename="worksheets.zip"')
    assert answer.headers["content-length"] == [str(len(answer.body))]
    return zipfile.ZipFile(io.BytesIO(answer.body))


def test_the_worksheets_chosen_come_as_notebooks_with_their_files():
    env = NotebookEnv()
    owner = env.owner()
    first = env.worksheet("Week 1", ("a = 1",))
    second = env.worksheet("Week 1", ("b = 2", "print(b)"))
    env.worksheet("Not chosen", ("secret",))
    directory = env.hubs.worksheetDir(first.id)
    os.makedirs(os.path.join(directory, "data"))
    with open(os.path.join(directory, "data", "table.csv"), "w") as f:
        f.write("x,y\n1,2\n")
    with open(os.path.join(env.dataDir, "outside.txt"), "w") as f:
        f.write("not in any worksheet")
    os.symlink(os.path.join(env.dataDir, "outside.txt"), os.path.join(directory, "link.txt"))
    answer = owner.get(f"/download/worksheets.zip?id={first.id}&id={second.id}&id={first.id}")
    with zipOf(answer) as z:
        assert sorted(z.namelist()) == ["Week 1 (2).ipynb", "Week 1 files/data/table.csv",
                                        "Week 1.ipynb"]
        one = nbformat.reads(z.read("Week 1.ipynb").decode(), as_version=4)
        two = nbformat.reads(z.read("Week 1 (2).ipynb").decode(), as_version=4)
        assert z.read("Week 1 files/data/table.csv") == b"x,y\n1,2\n"
    nbformat.validate(one)
    assert [c.source for c in one.cells] == ["a = 1"]
    assert [c.source for c in two.cells] == ["b = 2", "print(b)"]


def test_bad_choices_get_a_4xx_with_a_sentence():
    env = NotebookEnv()
    owner = env.owner()
    sheet = env.worksheet("S", ("x = 1",))
    empty = owner.get("/download/worksheets.zip")
    assert empty.code == 400 and b"Choose at least one worksheet" in empty.body
    missing = owner.get(f"/download/worksheets.zip?id={sheet.id}&id=0123456789abcdef")
    assert missing.code == 404 and b"no longer there" in missing.body
    odd = owner.get("/download/worksheets.zip?id=../etc")
    assert odd.code == 400 and b"letters, digits" in odd.body
    many = "&".join(f"id=w{n}" for n in range(archive.MAX_WORKSHEETS + 1))
    tooMany = owner.get(f"/download/worksheets.zip?{many}")
    assert tooMany.code == 400 and f"At most {archive.MAX_WORKSHEETS}".encode() in tooMany.body
    elsewhere = owner.get("/download/other.zip?id=" + sheet.id)
    assert elsewhere.code == 404 and b"/download/worksheets.zip" in elsewhere.body


def test_an_archive_past_the_cap_is_a_413_and_nothing_is_sent(monkeypatch):
    env = NotebookEnv()
    owner = env.owner()
    sheet = env.worksheet("Big", ("x" * 5000,))
    monkeypatch.setattr(archive, "MAX_BYTES", 4000)
    answer = owner.get(f"/download/worksheets.zip?id={sheet.id}")
    assert answer.code == 413 and b"more than one .zip holds" in answer.body
    monkeypatch.setattr(archive, "MAX_BYTES", 1 << 20)
    assert owner.get(f"/download/worksheets.zip?id={sheet.id}").code == 200


def test_only_the_owner_downloads_several_and_nobody_without_a_session():
    env = NotebookEnv()
    owner = env.owner()
    sheet = env.worksheet("S", ("x = 1",))
    carla, _ = env.guest(owner, sheet.id, "collaborator", "Carla")
    refused = carla.get(f"/download/worksheets.zip?id={sheet.id}")
    assert refused.code == 403 and b"Only the notebook's owner" in refused.body
    assert env.browser().get(f"/download/worksheets.zip?id={sheet.id}").code == 403


def test_the_archive_is_written_in_the_thread_pool_one_worksheet_at_a_time():
    """Blocking work (writing notebooks, reading files) is off the reactor's thread, and only
    one worksheet is loaded and written at a time; the answer waits for the last."""
    from tests.unit.test_home import HeldPool

    env = NotebookEnv()
    owner = env.owner()
    first, second = env.worksheet("One", ("1",)), env.worksheet("Two", ("2",))
    pool = HeldPool()
    env.clock.getThreadPool = lambda: pool
    env.clock.callFromThread = lambda f, *a, **kw: f(*a, **kw)
    answers = []
    env.http.request(b"GET", f"/download/worksheets.zip?id={first.id}&id={second.id}",
                     {b"cookie": f"{COOKIE}={owner.cookie}".encode()}, None
                     ).addCallback(answers.append)
    env.settle()
    assert [held[2][0].worksheet.title for held in pool.held] == ["One"] and answers == []
    pool.runHeld()
    env.settle()
    assert [held[2][0].worksheet.title for held in pool.held] == ["Two"] and answers == []
    pool.runHeld()
    env.settle()
    assert len(answers) == 1
    with zipOf(answers[0]) as z:
        assert z.namelist() == ["One.ipynb", "Two.ipynb"]


class PausingRequest:
    """A request whose connection pauses its producer after every write, until resumed."""

    def __init__(self):
        self.written, self.finished, self.lost = [], False, False
        self.producer = None

    def registerProducer(self, producer, streaming):
        assert streaming
        self.producer = producer

    def unregisterProducer(self):
        self.producer = None

    def notifyFinish(self):
        from twisted.internet.defer import Deferred

        return Deferred()

    def write(self, data):
        self.written.append(data)
        self.producer.pauseProducing()

    def finish(self):
        self.finished = True


def test_the_archive_is_sent_a_piece_at_a_time_and_waits_while_the_connection_is_full():
    from twisted.internet.task import Clock

    clock = Clock()
    body = bytes(range(256)) * 1000  # four pieces
    file = tempfile.TemporaryFile()
    file.write(body)
    file.seek(0)
    request = PausingRequest()
    archive._Sender(clock, file, request).start()
    clock.advance(0)
    clock.advance(0)
    assert len(request.written) == 1 and not request.finished  # paused: nothing more
    for _ in range(4):
        request.producer.resumeProducing()
        clock.advance(0)
    assert b"".join(request.written) == body and request.finished and file.closed
