"""Rendering text for people: Markdown and LaTeX to safe HTML, made on the server.

Tests: tests/unit/test_render_markdown.py, tests/unit/test_render_math.py,
tests/unit/test_render_corpus.py.  Design: docs/typesetting.md.

The whole public surface is three functions; each takes any text and returns sanitised HTML
(never raises), so a caller can put the result straight into a page:

- ``renderMarkdown(text)``: a text cell (CommonMark, tables, task lists, highlighted fenced
  code, ``$...$`` / ``$$...$$`` / ``\\(...\\)`` / ``\\[...\\]`` mathematics);
- ``renderLatex(tex, display=False)``: one formula without delimiters, as MathML, or as its
  source in ``<code class="nb-tex-plain">`` when it cannot be typeset;
- ``renderLatexOutput(latex)``: a kernel's ``text/latex`` output (delimited or bare TeX).

This package imports nothing else of athena_nb.  Its libraries (markdown-it-py, Pygments,
latex2mathml, nh3) are imported at the first call, not when the server starts: they are about
a third of what the server imports, and a server that starts shows no text yet
(docs/performance.md, cold start).
"""

from __future__ import annotations


def renderMarkdown(text: str) -> str:
    from .markdown import renderMarkdown

    return renderMarkdown(text)


def renderLatex(tex: str, display: bool = False) -> str:
    from .math import renderLatex

    return renderLatex(tex, display)


def renderLatexOutput(latex: str) -> str:
    from .math import renderLatexOutput

    return renderLatexOutput(latex)

__all__ = ["renderLatex", "renderLatexOutput", "renderMarkdown"]
