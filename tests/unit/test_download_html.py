"""A worksheet downloaded as one standalone HTML page (athena_nb/web/htmlfile.py) through the
real site: maths typeset on the server, images inline, the stylesheets inside, no script and
nothing fetched; image files that cells wrote are inlined from the worksheet's directory and
nothing outside it is."""

from __future__ import annotations

import base64
import hashlib
import os
import re

from athena_nb.store import CellKind, NewCell, OutputKind
from athena_nb.web import htmlfile
from athena_nb.web.download import FORMATS
from tests.support.notebook import NotebookEnv

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nan-image-output").decode()
FILE_PNG = b"\x89PNG\r\n\x1a\na-file-a-cell-wrote"


def sheetWithEverything(env):
    sheet = env.run(env.store.import_worksheet("Maths & pictures", [
        NewCell("# Notes $x^2$", CellKind.TEXT),
        NewCell("show()", CellKind.CODE, (
            (OutputKind.RESULT, {"data": {"text/latex": r"$\frac{1}{2}$", "text/plain": "1/2"}}),
            (OutputKind.DISPLAY, {"data": {"image/png": PNG, "text/plain": "<Figure>"}}),
            (OutputKind.FILE, {"path": "plot.png", "change": "created"}),
            (OutputKind.FILE, {"path": "../secret.png", "change": "created"}),
            (OutputKind.STREAM, {"name": "stdout", "text": "<script>alert(1)</script>\n"})))],
        {}))
    directory = env.hubs.worksheetDir(sheet.id)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "plot.png"), "wb") as f:
        f.write(FILE_PNG)
    with open(os.path.join(os.path.dirname(directory), "secret.png"), "wb") as f:
        f.write(b"\x89PNG not yours")
    return sheet


def test_a_worksheet_downloads_as_one_page_that_needs_no_server():
    env = NotebookEnv()
    owner = env.owner()
    sheet = sheetWithEverything(env)
    answer = owner.get(f"/worksheets/{sheet.id}/download/html")
    assert answer.code == 200, answer.body
    assert answer.headers["content-type"] == ["text/html; charset=utf-8"]
    assert answer.headers["content-security-policy"] == ["sandbox; default-src 'none'"]
    assert answer.headers["content-disposition"][0].startswith(
        'attachment; filename="Maths & pictures.html"')
    page = answer.body.decode()
    assert "<h1>Maths &amp; pictures</h1>" in page
    assert "<math" in page and "<mfrac>" in page  # typeset on the server, as MathML
    assert f"data:image/png;base64,{PNG}" in page
    assert "data:image/png;base64," + base64.b64encode(FILE_PNG).decode() in page
    assert base64.b64encode(b"\x89PNG not yours").decode() not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page and "<link rel=\"stylesheet\"" not in page
    assert "src=\"/" not in page and "href=\"/" not in page  # nothing from the server
    css = htmlfile.pageCSS()
    assert f"<style>{css}</style>" in page and ".public-cells" in css
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert policy and f"'sha256-{digest}'" in policy.group(1)
    assert "default-src 'none'" in policy.group(1) and "script" not in policy.group(1)


def test_text_cells_show_the_worksheets_images_inline():
    env = NotebookEnv()
    owner = env.owner()
    sheet = env.run(env.store.import_worksheet("Notes", [
        NewCell("Area $\\pi r^2$\n\n![plot](plot.png) ![away](http://example.org/x.png) "
                "![up](../up.png) ![link](link.png)", CellKind.TEXT)], {}))
    directory = env.hubs.worksheetDir(sheet.id)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "plot.png"), "wb") as f:
        f.write(FILE_PNG)
    outside = os.path.join(os.path.dirname(directory), "up.png")
    with open(outside, "wb") as f:
        f.write(b"\x89PNG not yours")
    os.symlink(outside, os.path.join(directory, "link.png"))
    page = owner.get(f"/worksheets/{sheet.id}/download/html").body.decode()
    assert '<li class="public-cell public-text">' in page and "<math" in page
    assert 'src="data:image/png;base64,' + base64.b64encode(FILE_PNG).decode() in page
    assert 'src="http://example.org/x.png"' in page  # left, and the page's policy shows none
    assert 'src="../up.png"' in page and 'src="link.png"' in page  # never outside
    assert base64.b64encode(b"\x89PNG not yours").decode() not in page


def test_images_past_the_inline_budget_stay_as_their_file_line(monkeypatch):
    env = NotebookEnv()
    owner = env.owner()
    sheet = sheetWithEverything(env)
    monkeypatch.setattr(htmlfile, "MAX_INLINE", len(FILE_PNG) - 1)
    page = owner.get(f"/worksheets/{sheet.id}/download/html").body.decode()
    assert base64.b64encode(FILE_PNG).decode() not in page
    assert '<p class="public-file">File: <span>plot.png</span></p>' in page


def test_an_unknown_format_names_every_format_including_html():
    env = NotebookEnv()
    owner = env.owner()
    sheet = env.worksheet("S", ("x = 1",))
    answer = owner.get(f"/worksheets/{sheet.id}/download/pdf")
    assert answer.code == 404 and b"'pdf'" in answer.body
    assert all(name.encode() in answer.body for name in FORMATS) and b"html" in answer.body
