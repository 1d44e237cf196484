"""Worksheets out as a percent-format script and as an .sws the Sage Notebook (and our own
import) reads back (athena_nb.formats.percent, athena_nb.formats.sws.write)."""

from __future__ import annotations

import os

from athena_nb.formats import percent, sws
from athena_nb.store import CellKind
from tests.support.notebook import NotebookEnv


def sheetWithEverything(db):
    sheet = db.run(db.store.create_worksheet("Week 4", ("# Notes\n\nSome $x$", "2 + 2", "")))
    cells = db.run(db.store.load_worksheet(sheet.id)).cells
    db.run(db.store.set_cell_kind(cells[0].id, "text"))
    db.run(db.store.append_outputs(cells[1].id, [
        ("stream", {"name": "stdout", "text": "hi\n"}),
        ("result", {"data": {"text/plain": "4"}})]))
    return sheet


def test_a_percent_script_has_each_cell_and_comments_out_text(db):
    sheet = sheetWithEverything(db)
    script = percent.write(db.run(db.store.load_worksheet(sheet.id))).decode()
    assert script == ("# Week 4\n# (athena-nb worksheet; system: python)\n\n"
                      "# %% [markdown]\n# # Notes\n#\n# Some $x$\n\n# %%\n2 + 2\n\n# %%\n")
    compile(script, "week4.py", "exec")  # it is Python


def test_an_sws_out_comes_back_in_with_its_cells_outputs_and_data(db, tmp_path):
    sheet = sheetWithEverything(db)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "table.csv").write_bytes(b"a,b\n")
    os.symlink("/etc/passwd", tmp_path / "data" / "link")
    data = sws.write(db.run(db.store.load_worksheet(sheet.id)), "gp", str(tmp_path))
    back = sws.read(data, "week4.sws")
    assert back.title == "Week 4" and back.metadata == {"system": "gp"}
    assert [c.kind for c in back.cells] == [CellKind.TEXT, CellKind.CODE, CellKind.CODE]
    assert "<h1>Notes</h1>" in back.cells[0].text
    assert back.cells[1].text == "2 + 2"
    assert back.cells[1].outputs[0][1]["text"] == "hi\n4\n"
    assert back.files == {"table.csv": b"a,b\n"}, "a link is never followed out"


def test_downloads_in_every_format():
    env = NotebookEnv()
    owner = env.owner()
    sheet = env.worksheet("Both", ("x = 1",))
    for fmt, ctype in (("py", "text/x-python; charset=utf-8"), ("sws", "application/x-bzip2")):
        answer = owner.get(f"/worksheets/{sheet.id}/download/{fmt}")
        assert answer.code == 200 and answer.headers["content-type"] == [ctype]
        assert answer.headers["content-disposition"][0].endswith(f"Both.{fmt}")
