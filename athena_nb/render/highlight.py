"""Code as Pygments' spans, their class names coloured by highlight.css: the one formatter of
fenced code in Markdown, docstrings' examples, the help panel and published snapshots.

Tests: tests/unit/test_render_markdown.py, tests/unit/test_render_docstring.py,
tests/unit/test_public.py.
"""

from __future__ import annotations

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

#: Spans with class names only (no inline style, which the pages' policy refuses).
FORMATTER = HtmlFormatter(nowrap=True)


def highlighted(code: str, lexer) -> str:
    """``code`` as spans by ``lexer``, every text in them escaped, without a last newline."""
    return highlight(code, lexer, FORMATTER).rstrip("\n")


def highlightPython(code: str) -> str:
    """``code`` as Python's spans."""
    return highlighted(code, PythonLexer())
