"""The typesetting corpus (tests/data/sage_latex.py) in Chromium: every Sage output typeset by
the server is laid out by the browser as MathML, and the picture in docs/typesetting.md.

The test always renders the whole corpus and checks that Chromium lays every formula out (a
``<math>`` box with a size); with ATHENA_NB_UPDATE_SCREENSHOT=1 it also writes
docs/typesetting.png (that is how the file in the repository was made).
"""

from __future__ import annotations

import os
import shutil
from html import escape
from pathlib import Path

from athena_nb.render import renderLatexOutput
from tests.data.sage_latex import CORPUS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "typesetting.png"

STYLE = """
body { font: 13px system-ui, sans-serif; margin: 12px; background: #fff; color: #111; }
h1 { font-size: 16px; margin: 0 0 8px; }
ol { display: grid; grid-template-columns: repeat(3, 1fr); gap: 4px 18px; margin: 0;
     padding: 0; list-style: none; }
li { border-top: 1px solid #ddd; padding: 3px 0; overflow: hidden; }
code { display: block; font-size: 10px; color: #555; white-space: nowrap; overflow: hidden;
       text-overflow: ellipsis; }
math { font-size: 15px; font-family: "STIX Two Math", "Latin Modern Math", "DejaVu Math TeX Gyre", "Cambria Math", math; }
"""


def corpusPage() -> str:
    items = "".join(f"<li><code>{escape(typed)}</code>{renderLatexOutput(latex)}</li>"
                    for typed, latex in CORPUS)
    return (f"<!doctype html><html><head><meta charset=utf-8><style>{STYLE}</style></head>"
            f"<body><h1>Sage latex() outputs, typeset by athena-nb as MathML "
            f"({len(CORPUS)} of them)</h1><ol>{items}</ol></body></html>")


def test_every_corpus_formula_is_laid_out_by_chromium(context, tmp_path):
    page = context.new_page()
    page.set_viewport_size({"width": 1100, "height": 800})
    page.set_content(corpusPage())
    sizes = page.locator("math").evaluate_all(
        "nodes => nodes.map(n => [n.getBoundingClientRect().width, n.getBoundingClientRect().height])")
    assert len(sizes) == len(CORPUS)
    assert all(w > 4 and h > 8 for w, h in sizes), sizes
    assert page.locator(".nb-tex-plain").count() == 0
    shot = tmp_path / "typesetting.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG")
    if os.environ.get("ATHENA_NB_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, DOCS)
