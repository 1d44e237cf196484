"""Markdown to safe HTML: CommonMark with tables, strikethrough, task lists, fenced code
highlighted by Pygments, and mathematics between ``$...$``, ``$$...$$``, ``\\(...\\)`` and
``\\[...\\]`` typeset as MathML.

Tests: tests/unit/test_render_markdown.py.

markdown-it-py parses (its ``commonmark`` preset, raw HTML allowed and sanitised afterwards);
mdit-py-plugins' ``dollarmath`` and ``texmath`` (brackets) find the formulas, which
``renderLatex`` typesets; everything goes through ``sanitise.clean`` at the end.  Math inside
code spans and fenced code is code, never typeset (the parser sees code first).
"""

from __future__ import annotations

import re
from html import escape

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.tasklists import tasklists_plugin
from mdit_py_plugins.texmath import texmath_plugin
from pygments import highlight
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .highlight import FORMATTER
from .math import renderLatex
from .sanitise import clean

#: Text longer than this is shown as plain text (parsing it would hold the reactor too long).
MAX_MARKDOWN = 200_000



def _highlight(code: str, language: str, _attrs) -> str:
    """Fenced code in a known language, as Pygments' spans (class names only; highlight.css)."""
    name = (language or "").strip().split()[0] if language and language.strip() else ""
    if not name:
        return ""
    try:
        lexer = get_lexer_by_name(name)
    except ClassNotFound:
        return ""
    return highlight(code, lexer, FORMATTER)


def _math(display: bool, block: bool):
    def render(self, tokens, idx, options, env) -> str:
        html = renderLatex(tokens[idx].content, display)
        return f'<div class="nb-math-block">{html}</div>\n' if block else html
    return render


#: An attachment larger than this (its base64 text) is not shown.
MAX_ATTACHMENT = 8 << 20
_IMAGE_MIME = re.compile(r"image/[A-Za-z0-9.+-]+")


def _attached(attachments: dict, name: str) -> str:
    """The ``data:`` URL of the image attached as ``name``, or "" (no such image)."""
    bundle = attachments.get(name)
    if not isinstance(bundle, dict):
        return ""
    for mime, data in bundle.items():
        if (isinstance(mime, str) and _IMAGE_MIME.fullmatch(mime) and isinstance(data, str)
                and len(data) <= MAX_ATTACHMENT):
            return f"data:{mime};base64,{''.join(data.split())}"
    return ""


def _image(self, tokens, idx, options, env) -> str:
    """An image; Jupyter's ``attachment:name`` becomes the attached image's ``data:`` URL."""
    token = tokens[idx]
    src = token.attrGet("src")
    if isinstance(src, str) and src.startswith("attachment:"):
        token.attrSet("src", _attached(env.get("attachments") or {}, src[len("attachment:"):]))
    return RendererHTML.image(self, tokens, idx, options, env)


def _parser() -> MarkdownIt:
    md = (MarkdownIt("commonmark", {"html": True, "highlight": _highlight, "linkify": False})
          .enable(["table", "strikethrough"])
          .use(dollarmath_plugin, allow_labels=False, allow_space=True, allow_digits=False,
               double_inline=True)
          .use(texmath_plugin, delimiters="brackets")
          # \begin{align}...\end{align} and the other environments, alone (as MathJax does)
          .use(amsmath_plugin)
          .use(tasklists_plugin, enabled=False))
    for kind, display, block in (
            ("math_inline", False, False), ("math_inline_double", True, False),
            ("math_single", False, False), ("math_block", True, True),
            ("math_block_label", True, True), ("math_block_eqno", True, True),
            ("amsmath", True, True)):
        md.add_render_rule(kind, _math(display, block))
    md.add_render_rule("image", _image)
    md.core.ruler.push("nb_table_align", _alignCells)
    return md


def _alignCells(state) -> None:
    """A table column's alignment (``:-:``, ``--:``) as the cells' ``align`` attribute:
    markdown-it writes it as a style attribute, and no style passes the sanitiser."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open"):
            style = token.attrs.pop("style", None)
            if isinstance(style, str) and style.startswith("text-align:"):
                token.attrSet("align", style.split(":", 1)[1].strip())


_MD = _parser()


def renderMarkdown(text: str, attachments: dict | None = None) -> str:
    """``text`` (Markdown with mathematics) as sanitised HTML, its ``attachment:name`` images
    taken from ``attachments``; never raises for any text."""
    if len(text) > MAX_MARKDOWN:
        return f'<pre class="nb-md-plain">{escape(text)}</pre>'
    return clean(_MD.render(text, {"attachments": attachments or {}}))
