"""The one HTML sanitiser of rendered text and mathematics: nh3 with the notebook's allow-list.

Tests: tests/unit/test_render_markdown.py, tests/unit/test_render_math.py.

Markdown may carry raw HTML, so whatever the renderers make goes through ``clean`` last: no
script, no event handler, no style, links only to http, https and mailto (opening in a new tab,
so a click never leaves the live page), and of MathML the elements and attributes latex2mathml
writes.  Pygments' highlighting is spans with class names; its colours are in highlight.css.
Of class names only those (and the renderers' own) are kept, never the notebook's.
"""

from __future__ import annotations

import nh3
from pygments.token import STANDARD_TYPES

HTML_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "kbd", "li", "ol", "p",
    "pre", "s", "samp", "section", "span", "strong", "sub", "summary", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "u", "ul",
}

MATH_TAGS = {
    "math", "semantics", "annotation", "maction", "menclose", "merror", "mfrac", "mi",
    "mmultiscripts", "mn", "mo", "mover", "mpadded", "mphantom", "mprescripts", "mroot", "mrow",
    "ms", "mspace", "msqrt", "mstyle", "msub", "msubsup", "msup", "mtable", "mtd", "mtext", "mtr",
    "munder", "munderover", "none",
}

MATH_ATTRIBUTES = {
    "accent", "accentunder", "columnalign", "columnlines", "columnspacing", "depth", "display",
    "displaystyle", "encoding", "fence", "form", "frame", "height", "largeop", "linethickness",
    "lspace", "mathbackground", "mathcolor", "mathsize", "mathvariant", "maxsize", "minsize",
    "movablelimits", "notation", "rowlines", "rowspacing", "rspace", "scriptlevel", "separator",
    "stretchy", "symmetric", "voffset", "width",
}

ATTRIBUTES = {
    "*": {"title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "input": {"type", "checked", "disabled"},
    "ol": {"start"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    **{tag: MATH_ATTRIBUTES for tag in MATH_TAGS},
}


#: The only class names that survive: Pygments' token classes and the renderers' own.  The
#: notebook's own class names (nb-output, nb-menu, ...) never do, so rendered text cannot pass
#: for a part of the cell around it; nor does ``id`` (no clobbering of the page's names).
CLASSES = {
    "span": {c for c in STANDARD_TYPES.values() if c},
    "div": {"nb-math-block", "nb-doc-admonition"},
    "p": {"nb-doc-admonition-title"},
    "code": {"nb-tex-plain"},
    "pre": {"nb-tex-plain", "nb-doc-plain"},
    "ul": {"contains-task-list"},
    "ol": {"contains-task-list"},
    "li": {"task-list-item"},
    "input": {"task-list-item-checkbox"},
}

def _attribute(tag: str, name: str, value: str) -> str | None:
    """A ``data:`` URL only as an image's source (a text cell's attachment), never a link."""
    lowered = value.strip().lower()
    if lowered.startswith("data:") and not (name == "src" and lowered.startswith("data:image/")):
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=HTML_TAGS | MATH_TAGS,
    attributes=ATTRIBUTES,
    attribute_filter=_attribute,
    allowed_classes=CLASSES,
    url_schemes={"http", "https", "mailto", "data"},
    link_rel="noopener noreferrer",
    set_tag_attribute_values={"a": {"target": "_blank"}, "input": {"disabled": "disabled"}},
    strip_comments=True,
)


def clean(html: str) -> str:
    """``html`` with everything not on the allow-list removed."""
    return _CLEANER.clean(html).replace(' class=""', "")  # what was left of unknown classes
