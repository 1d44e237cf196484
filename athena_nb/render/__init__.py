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

This package imports nothing else of athena_nb.
"""

from .markdown import renderMarkdown
from .math import renderLatex, renderLatexOutput

__all__ = ["renderLatex", "renderLatexOutput", "renderMarkdown"]
