"""Sage Notebook worksheets in (athena_nb.formats.sws): .sws archives built here the way sagenb
wrote them, the plain-text format, and hostile archives (path traversal, links, devices, a
bomb, a truncated file, a pickle that would run code) refused or skipped with nothing written
(athena_nb.formats.files puts the DATA files in whole)."""

from __future__ import annotations

import base64
import io
import json
import os
import pickle
import tarfile

import pytest

from athena_nb.formats import FormatError, sws
from athena_nb.store import CellKind, OutputKind
from tests.support.notebook import NotebookEnv

PNG = b"\x89PNG\r\n\x1a\n a plot"
BODY = """<h1>Week 3</h1>
<p>Some <b>notes</b>.</p>

{{{id=1|
x = var('x')
plot(sin(x), (x, 0, pi))
///
<html><font color='black'><img src='cell://sage0.png'></font></html>
}}}

{{{id=2|
factor(2^10 - 1)
///
3 * 11 * 31
}}}

{{{id=3|
open(DATA + 'numbers.csv').read()
///
}}}
<p>The end.</p>
"""


def sws_archive(conf=None, body=BODY, extra=(), compression="bz2") -> bytes:
    """An .sws as sagenb's export_worksheet made it (a bzip2 tar of sage_worksheet/)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=f"w:{compression}") as tar:
        def add(name, data, **fields):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            for key, value in fields.items():
                setattr(info, key, value)
            tar.addfile(info, io.BytesIO(data))
        settings = conf if conf is not None else {"name": "Calculus, week 3", "system": "sage",
                                                  "pretty_print": False}
        add("sage_worksheet/worksheet_conf.pickle", pickle.dumps(settings, protocol=2))
        add("sage_worksheet/worksheet.html", body.encode())
        add("sage_worksheet/worksheet.txt",
            f"{settings.get('name')}\nsystem:{settings.get('system')}\n{body}".encode())
        add("sage_worksheet/data/numbers.csv", b"1,2,3\n")
        add("sage_worksheet/cells/1/sage0.png", PNG)
        for name, data, fields in extra:
            add(name, data, **fields)
    return buffer.getvalue()


def test_an_sws_becomes_text_and_code_cells_with_outputs_images_and_data():
    imported = sws.read(sws_archive(), "week3.sws")
    assert imported.title == "Calculus, week 3" and imported.metadata == {"system": "sage"}
    kinds = [c.kind for c in imported.cells]
    assert kinds == [CellKind.TEXT, CellKind.CODE, CellKind.CODE, CellKind.CODE, CellKind.TEXT]
    assert imported.cells[0].text == "<h1>Week 3</h1>\n<p>Some <b>notes</b>.</p>"
    assert imported.cells[1].text == "x = var('x')\nplot(sin(x), (x, 0, pi))"
    [(kind, image)] = imported.cells[1].outputs
    assert kind is OutputKind.DISPLAY
    assert base64.b64decode(image["data"]["image/png"]) == PNG
    assert imported.cells[2].outputs == (
        (OutputKind.STREAM, {"name": "stdout", "text": "3 * 11 * 31\n"}),)
    assert imported.cells[3].outputs == ()
    assert imported.files == {"numbers.csv": b"1,2,3\n"}


def test_an_sws_from_sage_before_4_1_2_has_only_worksheet_txt():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:bz2") as tar:
        data = f"Old one\nsystem:gap\n{BODY}".encode()
        info = tarfile.TarInfo("sage_worksheet/worksheet.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    imported = sws.read(buffer.getvalue(), "old.sws")
    assert imported.title == "Old one" and imported.metadata == {"system": "gap"}
    assert len(imported.cells) == 5


def test_the_plain_text_format():
    imported = sws.readText(f"Linear algebra\nsystem:python\n{BODY}".encode(), "la.txt")
    assert imported.title == "Linear algebra" and imported.metadata == {"system": "python"}
    assert imported.cells[2].text == "factor(2^10 - 1)"
    with pytest.raises(FormatError, match="has no {{{ cells"):
        sws.readText(b"just some notes", "notes.txt")


@pytest.mark.parametrize("name, fields", [
    ("sage_worksheet/../../escape.txt", {}),
    ("/etc/passwd-copy", {}),
    ("sage_worksheet/data/../../../up.txt", {}),
    ("sage_worksheet/data/link", {"type": tarfile.SYMTYPE, "linkname": "/etc/passwd"}),
    ("sage_worksheet/data/hard", {"type": tarfile.LNKTYPE, "linkname": "sage_worksheet/worksheet.html"}),
    ("sage_worksheet/data/dev", {"type": tarfile.CHRTYPE, "devmajor": 1, "devminor": 3}),
    ("sage_worksheet/data/fifo", {"type": tarfile.FIFOTYPE}),
])
def test_dangerous_members_are_never_read(name, fields):
    imported = sws.read(sws_archive(extra=[(name, b"x", fields)]), "evil.sws")
    assert imported.files == {"numbers.csv": b"1,2,3\n"}, "only the plain data file"


def test_a_bomb_a_crowd_a_truncated_file_and_a_code_pickle_are_refused(monkeypatch):
    monkeypatch.setattr(sws, "MAX_BYTES", 100_000)
    bomb = sws_archive(extra=[("sage_worksheet/data/zeros", b"\0" * 200_000, {})])
    assert len(bomb) < 5_000
    with pytest.raises(FormatError, match=r"^bomb\.sws unpacks to more than \d+ MiB; it is refused"):
        sws.read(bomb, "bomb.sws")
    monkeypatch.setattr(sws, "MAX_MEMBERS", 20)
    crowd = sws_archive(extra=[(f"sage_worksheet/data/{n}", b"", {}) for n in range(30)])
    with pytest.raises(FormatError, match=r"^crowd\.sws holds more than 20 files; it is refused"):
        sws.read(crowd, "crowd.sws")
    whole = sws_archive()
    with pytest.raises(FormatError, match="damaged"):
        sws.read(whole[:len(whole) // 2], "cut.sws")
    with pytest.raises(FormatError, match="not a tar archive"):
        sws.read(b"PK\x03\x04 a zip", "zip.sws")

    class Evil:
        def __reduce__(self):
            return (os.system, ("touch /tmp/athena-pwned",))

    evil = sws_archive(conf={"name": Evil()})
    with pytest.raises(FormatError, match="cannot be read safely"):
        sws.read(evil, "evil.sws")
    assert not os.path.exists("/tmp/athena-pwned")


def test_an_imported_sws_has_its_data_files_in_its_directory_all_or_nothing(tmp_path):
    env = NotebookEnv()
    owner = env.owner()
    headers = {b"content-type": b"application/octet-stream", b"accept": b"application/json"}
    answer = owner.post("/api/import?name=week3.sws", sws_archive(), headers=headers)
    assert answer.code == 201, answer.body
    sheetId = json.loads(answer.body)["worksheet"]["id"]
    directory = env.hubs.worksheetDir(sheetId)
    assert open(os.path.join(directory, "data", "numbers.csv"), "rb").read() == b"1,2,3\n"
    hub = env.run(env.hubs.open(sheetId))
    assert hub.system == "sage" and hub.title == "Calculus, week 3"
    assert [n for n in os.listdir(os.path.dirname(directory)) if n.startswith(".import")] == []
