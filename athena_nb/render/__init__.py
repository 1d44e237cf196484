"""Rendering text for people: Markdown and LaTeX to safe HTML, made on the server.

Tests: tests/unit/test_render_markdown.py, tests/unit/test_render_math.py,
tests/unit/test_render_corpus.py, tests/unit/test_render_docstring.py,
tests/unit/test_render_help.py.  Design: docs/typesetting.md.

The public surface is these functions; each takes any text and returns sanitised HTML
(never raises), so a caller can put the result straight into a page:

- ``renderMarkdown(text, attachments=None)``: Markdown (CommonMark, tables, task lists,
  highlighted fenced code, ``$...$`` / ``$$...$$`` / ``\\(...\\)`` / ``\\[...\\]``
  mathematics; ``attachment:name`` images from ``attachments``, Jupyter's
  ``{name: {mime: base64}}``); ``renderTextCell(text, kept)``: a text cell, raw or Markdown;
- ``renderLatex(tex, display=False)``: one formula without delimiters, as MathML, or as its
  source in ``<code class="nb-tex-plain">`` when it cannot be typeset;
- ``renderLatexOutput(latex)``: a kernel's ``text/latex`` output (delimited or bare TeX);
- ``renderDocstring(doc, sage=False)``: a docstring (reStructuredText with Sphinx's and
  Sage's conventions, docutils); ``renderHelp(info)`` and ``renderHint(info)``: the help
  panel and the signature hint from what the kernel says of a name (dicts of HTML parts);
- ``typesetHtml(html)``: an HTML output with the mathematics of its text typeset
  (``htmlmath.py``; the output's own markup is not sanitised: its frame is sandboxed), or
  ``html`` itself when it has none; ``cells.withMath`` keeps it beside the output, once;
- ``htmlOutput(html)``: an HTML output for a published snapshot, as (markup, its one
  stylesheet), both sanitised (``htmloutput.py``, ``css.py``);
- ``highlightPython(code)``: code as Pygments' spans, every text in them escaped (the classes
  highlight.css colours).

This package imports nothing else of athena_nb.  Its libraries (markdown-it-py, Pygments,
latex2mathml, nh3, tinycss2, docutils) are imported at the first call, not when the server
starts: they are about a third of what the server imports, and a server that starts shows no
text yet (docs/performance.md, cold start; tests/unit/test_startup_imports.py).  So import
these functions from here, not from the modules that make them.
"""

from __future__ import annotations


def renderMarkdown(text: str, attachments: dict | None = None) -> str:
    from .markdown import renderMarkdown

    return renderMarkdown(text, attachments)


def renderTextCell(text: str, kept: dict | None = None) -> str:
    """A text cell as HTML, by what a notebook file ``kept`` of it: Markdown with its
    ``attachments`` (images a Jupyter cell refers to as ``attachment:name``), or a raw cell's
    text as it is (``cell_type`` "raw")."""
    kept = kept if isinstance(kept, dict) else {}
    if kept.get("cell_type") == "raw":
        from html import escape

        return f'<pre class="nb-md-plain nb-raw">{escape(text)}</pre>'
    attachments = kept.get("attachments")
    return renderMarkdown(text, attachments if isinstance(attachments, dict) else None)


def renderLatex(tex: str, display: bool = False) -> str:
    from .math import renderLatex

    return renderLatex(tex, display)


def renderLatexOutput(latex: str) -> str:
    from .math import renderLatexOutput

    return renderLatexOutput(latex)


def renderDocstring(doc: str, sage: bool = False) -> str:
    from .docstring import renderDocstring

    return renderDocstring(doc, sage)


def renderHelp(info) -> dict:
    from .help import renderHelp

    return renderHelp(info)


def renderHint(info) -> dict:
    from .help import renderHint

    return renderHint(info)


def htmlOutput(html: str) -> tuple[str, str]:
    from .htmloutput import htmlOutput

    return htmlOutput(html)


def typesetHtml(html: str) -> str:
    from .htmlmath import typesetHtml

    return typesetHtml(html)


__all__ = ["htmlOutput", "renderDocstring", "renderHelp", "renderHint", "renderLatex",
           "renderLatexOutput", "renderMarkdown", "renderTextCell", "typesetHtml"]


def highlightPython(code: str) -> str:
    from .highlight import highlightPython

    return highlightPython(code)
