"""Worksheets as files over HTTP: importing a notebook from the home page's API (owner only,
clear 4xx for a bad file, nothing half-stored) and downloading a worksheet as one (anyone it
is shared with), through the real site (athena_nb.web.download, athena_nb.web.home)."""

from __future__ import annotations

import json

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tests.support.notebook import NotebookEnv

OCTET = {b"content-type": b"application/octet-stream", b"accept": b"application/json"}


def notebookBytes():
    notebook = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "P3",
                                                     "language": "python"}})
    notebook.cells = [new_markdown_cell("# Week 1 — vectors"),
                      new_code_cell("2 + 2", execution_count=1, outputs=[
                          new_output("execute_result", data={"text/plain": "4"},
                                     execution_count=1)])]
    return nbformat.writes(notebook).encode()


def upload(browser, name, data, headers=OCTET):
    answer = browser.post(f"/api/import?name={name}", data, headers=headers)
    return answer.code, json.loads(answer.body)


def test_a_notebook_imported_opens_as_a_worksheet_and_downloads_the_same():
    env = NotebookEnv()
    owner = env.owner()
    code, made = upload(owner, "week1.ipynb", notebookBytes())
    assert code == 201 and made["worksheet"]["title"] == "week1"
    sheetId = made["worksheet"]["id"]
    hub = env.run(env.hubs.open(sheetId))
    assert [c.text for c in hub.cells] == ["# Week 1 — vectors", "2 + 2"]
    assert [c.kind.value for c in hub.cells] == ["text", "code"]
    assert hub.cells[1].outputs == [{"type": "result", "data": {"text/plain": "4"}, "count": 1}]
    answer = owner.get(f"/worksheets/{sheetId}/download/ipynb")
    assert answer.code == 200
    assert answer.headers["content-type"] == ["application/x-ipynb+json"]
    assert answer.headers["content-disposition"] == [
        "attachment; filename=\"week1.ipynb\"; filename*=UTF-8''week1.ipynb"]
    back = nbformat.reads(answer.body.decode(), as_version=4)
    assert [c.source for c in back.cells] == ["# Week 1 — vectors", "2 + 2"]
    assert back.cells[1].outputs[0].data == {"text/plain": "4"}
    for again in ("week1 2", "week1 3"):  # imported again: told apart on the home page
        code, made = upload(owner, "week1.ipynb", notebookBytes())
        assert code == 201 and made["worksheet"]["title"] == again


def test_anyone_the_worksheet_is_shared_with_may_download_it_and_nobody_else():
    env = NotebookEnv()
    owner = env.owner()
    sheet = env.worksheet("Maths: a/b <c>?", ("x = 1",))
    viewer, _ = env.guest(owner, sheet.id, "viewer", "Vic")
    answer = viewer.get(f"/worksheets/{sheet.id}/download/ipynb")
    assert answer.code == 200 and b'"x = 1"' in answer.body
    assert answer.headers["content-disposition"][0].startswith(
        'attachment; filename="Maths_ a_b _c.ipynb"')
    other = env.worksheet("Not shared", ("secret",))
    assert viewer.get(f"/worksheets/{other.id}/download/ipynb").code == 403
    assert env.browser().get(f"/worksheets/{sheet.id}/download/ipynb").code in (302, 303, 401, 403)
    missing = owner.get(f"/worksheets/{sheet.id}/download/docx")
    assert missing.code == 404 and b"there is ipynb" in missing.body


def test_a_bad_file_is_refused_with_a_sentence_and_nothing_is_stored():
    env = NotebookEnv()
    owner = env.owner()
    before = env.run(env.store.list_worksheets())
    code, answer = upload(owner, "broken.ipynb", b'{"nbformat": 4, "cells": "no"}')
    assert code == 400 and "broken.ipynb is not a" in answer["error"]["message"]
    code, answer = upload(owner, "notes.docx", b"PK\x03\x04")
    assert code == 400 and "reads .ipynb, .sws, .txt files" in answer["error"]["message"]
    code, answer = upload(owner, "a.ipynb", notebookBytes(),
                          headers={b"content-type": b"text/plain", b"accept": b"application/json"})
    assert code == 415
    answer = owner.post("/api/import", notebookBytes(), headers=OCTET)
    assert answer.code == 400 and b"file's name" in answer.body
    assert env.run(env.store.list_worksheets()) == before


def test_only_the_owner_imports():
    env = NotebookEnv()
    owner = env.owner()
    sheet = env.worksheet("S", ("",))
    carla, _ = env.guest(owner, sheet.id, "collaborator", "Carla")
    code, answer = upload(carla, "x.ipynb", notebookBytes())
    assert code == 403


def test_a_worksheet_that_is_gone_is_404_and_a_writer_that_fails_is_500_both_with_a_sentence(
        monkeypatch):
    """Neither leaves the request unanswered (the errback itself used to fail)."""
    from athena_nb.web import download

    env = NotebookEnv()
    owner = env.owner()
    gone = owner.get("/worksheets/0123456789abcdef/download/ipynb")
    assert gone.code == 404 and b"There is no such worksheet" in gone.body
    sheet = env.worksheet("S", ("x = 1",))

    def broken(snapshot, system, directory):
        raise RuntimeError("a writer bug")

    monkeypatch.setitem(download.FORMATS, "py", (broken, b"text/x-python", ".py"))
    failed = owner.get(f"/worksheets/{sheet.id}/download/py")
    assert failed.code == 500 and b"could not be written as a file" in failed.body
