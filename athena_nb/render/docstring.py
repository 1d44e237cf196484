"""Docstrings to safe HTML: reStructuredText parsed by docutils, with the Sphinx and Sage
conventions docstrings use, mathematics typeset as MathML and examples highlighted.

Tests: tests/unit/test_render_docstring.py (stdlib docstrings, and Sage's: live when Sage
imports, and the real ones kept in tests/data/docstrings/).

``renderDocstring(doc, sage=False)`` never raises: a docstring docutils cannot make sense of
is shown as preformatted text. What it does beyond docutils:

- roles and directives of Sphinx and Sage (``rst.py``);
- ``:math:``, ``.. MATH::`` and, in Sage's docstrings (``sage=True``), single backquotes are
  mathematics, typeset by ``renderLatex`` (in others, single backquotes are code);
- ``EXAMPLES::`` blocks and doctest blocks: the ``sage:``/``>>>`` prompts marked, the code
  highlighted as Python by Pygments, the output kept as it is; doctest tags
  (``# needs sage.symbolic``, ``# optional - internet``) are left out;
- Sage's ``INPUT:``, ``OUTPUT:``, ``EXAMPLES:`` ... become headings;
- docutils' complaints are never shown; nothing is read from files (``include``, ``raw`` and
  file options are off).

Everything goes through ``sanitise.clean`` last.
"""

from __future__ import annotations

import ast
import copy
import functools
import re
import threading
from html import escape

from docutils import frontend, nodes
from docutils.core import publish_parts
from docutils.parsers.rst import Parser
from docutils.writers.html5_polyglot import HTMLTranslator, Writer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from . import rst
from .highlight import highlighted, highlightPython
from .math import renderLatex
from .sanitise import clean

#: Docstrings longer than this are shown as text (parsing them would hold the reactor).
MAX_DOCSTRING = 200_000

#: docutils keeps registries per process: one docstring is parsed at a time (the web layer
#: renders help in the reactor's thread pool).
_LOCK = threading.Lock()
_PROMPT_RE = re.compile(r"^(sage: |sage:$|>>> |>>>$|\.\.\.\.: |\.\.\.\.:$|\.\.\. |\.\.\.$)")
_TAG_RE = re.compile(r"\s*#\s*(needs|optional)\b.*$")
#: Sage's section labels, alone in a paragraph ("INPUT:") or before its text ("OUTPUT: x").
_LABEL_RE = re.compile(
    r"^(INPUT|OUTPUT|EXAMPLES?|TESTS?|ALGORITHM|REFERENCES?|AUTHORS?|NOTES?|WARNINGS?"
    r"|TODO|EXAMPLES AND TESTS|ASYMPTOTICS|RETURNS?|RAISES|PARAMETERS|ARGUMENTS|USAGE)"
    r"(?: ?\(\w[^)]*\))?:\s*")
#: Marks of reStructuredText; without any, a docstring with docutils errors is plain text.
_RST_MARKS = re.compile(r"::\s*$|^\s*\.\. |`|^\s*[-*+] |^\s*\d+\. |^[=\-~^\"'`#*+]{3,}\s*$",
                        re.MULTILINE)


def renderDocstring(doc: str, sage: bool = False) -> str:
    """``doc`` as sanitised HTML (``sage``: Sage's conventions); never raises."""
    if not doc or not doc.strip():
        return ""
    if len(doc) > MAX_DOCSTRING:
        return plain(doc)
    return _render(doc, bool(sage))


def plain(doc: str) -> str:
    """``doc`` as preformatted text: what a docstring that does not parse is shown as."""
    return f'<pre class="nb-doc-plain">{escape(doc)}</pre>'


@functools.lru_cache(maxsize=256)
def _render(doc: str, sage: bool) -> str:
    problems: list[int] = []
    source = (".. default-role:: math\n\n" if sage else ".. default-role:: literal\n\n") + doc
    try:
        with _LOCK:
            rst.learn(doc)
            parts = publish_parts(source=source, writer=_Writer(),
                                  settings=_settings(_Problems(problems)))
    except Exception:  # docutils gave up (a bug or a SEVERE problem): show the text
        return plain(doc)
    if problems and (max(problems) >= 4 or not _RST_MARKS.search(doc)):
        return plain(doc)  # plain text that docutils misread, or worse
    return clean(parts["fragment"]).strip()


#: docutils' settings for docstrings: no file is read, no raw HTML passes, nothing halts,
#: problems are collected (``_Problems``), never shown.
SETTINGS = {
    "file_insertion_enabled": False, "raw_enabled": False, "_disable_config": True,
    "report_level": 2, "halt_level": 5, "doctitle_xform": False, "sectsubtitle_xform": False,
    "initial_header_level": 3, "syntax_highlight": "none", "smart_quotes": False,
    "embed_stylesheet": False, "stylesheet_path": "", "math_output": "latex",
    "line_length_limit": MAX_DOCSTRING, "input_encoding": "unicode",
    "output_encoding": "unicode", "traceback": True,
}


@functools.lru_cache(maxsize=1)
def _defaults():
    settings = frontend.get_default_settings(Parser, _Writer)
    vars(settings).update(SETTINGS)
    return settings


def _settings(stream):
    """docutils' settings (made once: making them costs more than parsing a docstring)."""
    settings = copy.copy(_defaults())
    settings.warning_stream = stream
    return settings


class _Problems:
    """docutils' warning stream: collects the level of every problem it reports."""

    _LEVEL = re.compile(r"\((INFO|WARNING|ERROR|SEVERE)/(\d)\)")

    def __init__(self, levels: list[int]) -> None:
        self.levels = levels

    def write(self, text: str) -> None:
        self.levels += [int(m.group(2)) for m in self._LEVEL.finditer(text)]

    def flush(self) -> None:
        pass


class _Writer(Writer):
    def __init__(self) -> None:
        super().__init__()
        self.translator_class = _Translator


class _Translator(HTMLTranslator):
    """docutils' HTML5 translator, with the notebook's mathematics, highlighting and
    headings; what it leaves out, the sanitiser removes."""

    # -- mathematics ---------------------------------------------------------------------

    def visit_math(self, node):
        self.body.append(renderLatex(node.astext(), display=False))
        raise nodes.SkipNode

    def visit_math_block(self, node):
        for formula in _formulas(node.astext()):
            self.body.append(f'<div class="nb-math-block">{renderLatex(formula, True)}</div>\n')
        raise nodes.SkipNode

    # -- code ------------------------------------------------------------------------------

    def visit_literal(self, node):
        self.body.append(f"<code>{escape(node.astext())}</code>")
        raise nodes.SkipNode

    def visit_literal_block(self, node):
        self.body.append(f"<pre>{_highlightBlock(node.astext(), node.get('classes', []))}"
                         "</pre>\n")
        raise nodes.SkipNode

    def visit_doctest_block(self, node):
        self.body.append(f"<pre>{highlightExamples(node.astext())}</pre>\n")
        raise nodes.SkipNode

    def visit_title_reference(self, node):
        self.body.append("<em>")

    def depart_title_reference(self, node):
        self.body.append("</em>")

    # -- Sage's labels, admonitions, headings ------------------------------------------------

    def visit_paragraph(self, node):
        first = node.children[0] if node.children else None
        label = _LABEL_RE.match(first.astext()) if isinstance(first, nodes.Text) else None
        if label is None:
            return super().visit_paragraph(node)
        title = label.group(0).strip().rstrip(":").capitalize()
        rest = first.astext()[label.end():]
        if not rest.strip() and len(node.children) == 1:
            self.body.append(f"<h4>{escape(title)}</h4>\n")
            raise nodes.SkipNode
        node.replace(first, nodes.Text(rest))
        super().visit_paragraph(node)
        self.body.append(f"<strong>{escape(title)}:</strong> ")

    def visit_admonition(self, node):
        self.body.append('<div class="nb-doc-admonition">\n')

    def depart_admonition(self, node=None):
        self.body.append("</div>\n")

    def visit_title(self, node):
        if isinstance(node.parent, nodes.Admonition):
            self.body.append('<p class="nb-doc-admonition-title">')
            self.context.append("</p>\n")
            return
        super().visit_title(node)

    def visit_rubric(self, node):
        self.body.append("<h4>")

    def depart_rubric(self, node):
        self.body.append("</h4>\n")

    # -- what is never shown -------------------------------------------------------------------

    def visit_system_message(self, node):
        raise nodes.SkipNode

    def visit_problematic(self, node):
        self.body.append(escape(node.astext()))
        raise nodes.SkipNode

    def visit_target(self, node):
        raise nodes.SkipNode

    def visit_comment(self, node):
        raise nodes.SkipNode


def _formulas(tex: str) -> list[str]:
    """The formulas of a ``.. MATH::`` block: paragraphs apart are formulas apart."""
    return [part for part in re.split(r"\n\s*\n", tex.strip()) if part.strip()] or [""]


def _highlightBlock(text: str, classes: list[str]) -> str:
    """A literal block: examples with prompts, code in a named language, Python that
    parses, or else text as it is."""
    lines = text.splitlines()
    if any(_PROMPT_RE.match(line) for line in lines):
        return highlightExamples(text)
    language = next((c for c in classes if c != "code"), None)
    if language:
        try:
            lexer = get_lexer_by_name(language)
        except ClassNotFound:
            return escape(text)
        return highlighted(text, lexer)
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return escape(text)
    return highlightPython(text)


def highlightExamples(text: str) -> str:
    """Doctest examples: the prompts (``sage:``, ``....:``, ``>>>``, ``...``) as Pygments'
    prompts, the statements after them highlighted as Python, each statement with its
    continuation lines at once; output lines as Pygments' output; doctest tags left out."""
    out: list[str] = []
    statement: list[tuple[str, str]] = []  # (prompt, code) of one statement

    def flush() -> None:
        if not statement:
            return
        code = "\n".join(line for _, line in statement)
        highlighted = highlightPython(code).split("\n")
        highlighted += [""] * (len(statement) - len(highlighted))
        for (prompt, _), html in zip(statement, highlighted, strict=False):
            out.append(f'<span class="gp">{escape(prompt)}</span>{html}')
        statement.clear()

    for line in text.splitlines():
        prompt = _PROMPT_RE.match(line)
        if prompt is None:
            flush()
            out.append(f'<span class="go">{escape(line)}</span>' if line.strip() else "")
            continue
        code = _TAG_RE.sub("", line[prompt.end():])
        if not code.strip() and _TAG_RE.search(line[prompt.end():]):
            continue  # "sage: # needs sage.symbolic" alone: a tag for the lines after it
        if prompt.group(0).startswith(("sage", ">>>")):
            flush()
        statement.append((prompt.group(0), code))
    flush()
    return "\n".join(out)
