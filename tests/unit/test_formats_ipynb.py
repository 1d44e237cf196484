"""Jupyter notebooks in and out (athena_nb.formats.ipynb): real notebooks shipped in installed
packages go in and come out the same; every kind of output maps both ways; broken files are
refused with a sentence naming the problem, and nothing is stored."""

from __future__ import annotations

import base64
import glob
import json
import os
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from athena_nb.cells import CellModel
from athena_nb.formats import FormatError, ipynb
from athena_nb.store import CellKind, OutputKind, RunState

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n fake").decode()


def roundTrip(db, data: bytes, name="n.ipynb"):
    """File -> store -> file; also returns the stored snapshot."""
    title, cells, metadata, _files = ipynb.read(data, name)
    sheet = db.run(db.store.import_worksheet(title, cells, metadata))
    snapshot = db.run(db.store.load_worksheet(sheet.id))
    return snapshot, ipynb.write(snapshot)


def comparable(notebook):
    """What must survive a round trip: everything but the title athena-nb adds."""
    notebook = json.loads(json.dumps(notebook))
    notebook["metadata"].pop("title", None)
    return notebook


def test_every_kind_of_cell_and_output_goes_in_and_comes_out_the_same(db):
    notebook = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "P",
                                                     "language": "python"}, "custom": [1, 2]})
    notebook.cells = [
        new_markdown_cell("# Title\n\n![x](attachment:x.png)", id="md-1",
                          attachments={"x.png": {"image/png": PNG}}, metadata={"tags": ["a"]}),
        new_code_cell("print('hi')\n1 + 1", id="code-1", execution_count=3, outputs=[
            new_output("stream", name="stdout", text="hi\n"),
            new_output("stream", name="stderr", text="careful\n"),
            new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"},
                       metadata={"image/png": {"width": 320}}),
            new_output("display_data", data={"text/html": "<b>x</b>", "text/latex": "$x$",
                                             "application/json": {"a": [1]},
                                             "text/plain": "x"}),
            new_output("execute_result", data={"text/plain": "2"}, execution_count=3),
        ], metadata={"collapsed": False, "scrolled": True}),
        new_code_cell("1/0", id="code-2", execution_count=4, outputs=[
            new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                       traceback=["\x1b[0;31mZeroDivisionError\x1b[0m", "division by zero"])]),
        new_raw_cell("raw text", id="raw-1"),
        new_code_cell("", id="empty"),
    ]
    data = nbformat.writes(notebook).encode()
    snapshot, out = roundTrip(db, data)
    assert comparable(nbformat.reads(out.decode(), as_version=4)) == comparable(notebook)
    kinds = [c.kind for c in snapshot.cells]
    assert kinds == [CellKind.TEXT, CellKind.CODE, CellKind.CODE, CellKind.TEXT, CellKind.CODE]
    assert [c.state for c in snapshot.cells] == [
        RunState.IDLE, RunState.DONE, RunState.ERROR, RunState.IDLE, RunState.IDLE]
    assert [o.kind for o in snapshot.cells[1].outputs] == [
        OutputKind.STREAM, OutputKind.STREAM, OutputKind.DISPLAY, OutputKind.DISPLAY,
        OutputKind.RESULT]
    assert snapshot.cells[2].outputs[0].payload["traceback"].startswith("\x1b[0;31m")
    # Shown as Jupyter shows them: the attached image in the Markdown, the raw cell as text.
    shown = [CellModel.fromStore(c).rendered() for c in snapshot.cells]
    assert f'<img src="data:image/png;base64,{PNG}" alt="x">' in shown[0]
    assert shown[3] == '<pre class="nb-md-plain nb-raw">raw text</pre>'


def test_athena_only_outputs_are_readable_in_jupyter_and_come_back_whole(db):
    sheet = db.run(db.store.create_worksheet("Mine", ("open('f', 'w')", "input()")))
    cells = db.run(db.store.load_worksheet(sheet.id)).cells
    db.run(db.store.append_outputs(cells[0].id, [
        ("file", {"path": "f", "change": "created"}),
        ("notice", {"text": "The kernel was restarted."}),
        ("display", {"data": {"text/latex": "$x$", "text/plain": "x"}, "math": "<math/>"})]))
    db.run(db.store.append_outputs(cells[1].id, [
        ("input", {"prompt": "Name? ", "password": False, "answer": "Ann"})]))
    out = ipynb.write(db.run(db.store.load_worksheet(sheet.id)))
    notebook = nbformat.reads(out.decode(), as_version=4)
    texts = [o.data["text/plain"] for c in notebook.cells for o in c.outputs]
    assert texts == ["File: f", "The kernel was restarted.", "x", "Name? Ann"]
    assert "math" not in out.decode(), "HTML made here stays here"
    snapshot, _ = roundTrip(db, out)
    payloads = [(o.kind, o.payload) for c in snapshot.cells for o in c.outputs]
    assert payloads == [
        (OutputKind.FILE, {"path": "f", "change": "created"}),
        (OutputKind.NOTICE, {"text": "The kernel was restarted."}),
        (OutputKind.DISPLAY, {"data": {"text/latex": "$x$", "text/plain": "x"}}),
        (OutputKind.INPUT, {"prompt": "Name? ", "password": False, "answer": "Ann"})]
    assert snapshot.worksheet.title == "Mine"


def test_a_stream_written_in_batches_goes_out_as_one_output_per_stream(db):
    sheet = db.run(db.store.create_worksheet("Loop", ("for i in range(3): print(i)",)))
    cell = db.run(db.store.load_worksheet(sheet.id)).cells[0]
    db.run(db.store.append_outputs(cell.id, [
        ("stream", {"name": "stdout", "text": "0\n"}), ("stream", {"name": "stdout", "text": "1\n"}),
        ("stream", {"name": "stderr", "text": "warn\n"}), ("stream", {"name": "stdout", "text": "2\n"}),
        ("stream", {"name": "stdout", "text": "3\n"})]))
    notebook = nbformat.reads(ipynb.write(db.run(db.store.load_worksheet(sheet.id))).decode(),
                              as_version=4)
    assert [(o.name, o.text) for o in notebook.cells[0].outputs] == [
        ("stdout", "0\n1\n"), ("stderr", "warn\n"), ("stdout", "2\n3\n")]


def test_an_older_notebook_is_converted_and_the_kernelspec_follows_the_system(db):
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "old"}, "worksheets": [
        {"cells": [{"cell_type": "code", "input": "x = 1", "language": "python",
                    "outputs": [], "metadata": {}, "prompt_number": 1}], "metadata": {}}]}
    title, cells, metadata, _files = ipynb.read(json.dumps(v3).encode(), "old work.ipynb")
    assert title == "old work" and [c.text for c in cells] == ["x = 1"]
    sheet = db.run(db.store.create_worksheet("New", ("2^3",)))
    out = nbformat.reads(ipynb.write(db.run(db.store.load_worksheet(sheet.id)), "sage").decode(),
                         as_version=4)
    assert out.metadata.kernelspec.name == "sagemath" and out.metadata.title == "New"


@pytest.mark.parametrize("data, problem", [
    (b"\xff\xfe not utf-8", "is not UTF-8 text"),
    (b"{not json", "it is not JSON"),
    (b"[1, 2]", "is not a Jupyter notebook: its JSON is a list, where a notebook is an object"),
    (b'{"metadata": {}, "nbformat": 4, "cells": 5}', "its JSON object does not have a notebook's"),
    (b'"just text"', "its JSON is a string"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                 "cells": [{"cell_type": "code", "source": "x"}]}).encode(),
     "is not a valid Jupyter notebook"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "sorcery", "id": "a", "source": "", "metadata": {}}]}).encode(),
     "(at cells/0)"),
])
def test_a_broken_file_is_refused_with_a_sentence_and_nothing_is_stored(db, data, problem):
    with pytest.raises(FormatError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        ipynb.read(data, "bad.ipynb")
    assert db.run(db.store.list_worksheets()) == []


def installedNotebooks():
    """Real notebooks that installed packages ship (GAP's packages in passagemath)."""
    roots = {os.path.dirname(p) for p in sys.path if p.endswith("site-packages")}
    found = sorted(f for root in roots for f in glob.glob(os.path.join(root, "**", "*.ipynb"),
                                                           recursive=True))
    return found[:40]


@pytest.mark.parametrize("path", installedNotebooks() or [pytest.param(None, marks=pytest.mark.skip(
    reason="no installed package ships a notebook here (Sage's GAP packages do)"))])
def test_real_notebooks_round_trip(db, path):
    data = open(path, "rb").read()
    original = nbformat.reads(data.decode(), as_version=4)
    snapshot, out = roundTrip(db, data, os.path.basename(path))
    assert comparable(nbformat.reads(out.decode(), as_version=4)) == comparable(original)
