"""An HTML output as a published snapshot shows it, with no script: sanitised markup and its
own styles, sanitised, for a shadow root of its own.

Tests: tests/unit/test_render_htmloutput.py, tests/browser/test_public.py.

The live page shows an HTML output in a sandboxed frame that runs its scripts and reports its
height. A snapshot runs no script, and a frame cannot be sized to its content without one, so
the snapshot puts the output in the page itself, inside a declarative shadow root (``<template
shadowrootmode="open">``): it is laid out with the page, as tall as its content, and its styles
apply inside it only. What goes in:

- the markup, cleaned by nh3 with a wide allow-list of HTML (tables, lists, text, images as
  ``data:`` URLs; no script, no form, no frame, no event handler; links open in a new tab);
- its styles, cleaned by css.py: each ``<style>`` element's rules, and each ``style``
  attribute as a rule ``[data-nb-style="k"]{... !important}`` on the element (the page's
  policy admits no inline style, but admits the one ``<style>`` element of each output by its
  hash, public.py).
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

import nh3

from .css import cleanDeclarations, cleanStylesheet, forStyleElement
from .sanitise import HTML_TAGS, MATH_ATTRIBUTES, MATH_TAGS
from .tablecss import TABLE_CSS

#: The attribute that carries an element's style attribute, as a rule of the output's sheet.
STYLE_KEY = "data-nb-style"

TAGS = HTML_TAGS | MATH_TAGS | {
    "article", "aside", "big", "caption", "center", "cite", "col", "colgroup", "dfn",
    "figcaption", "figure", "font", "footer", "header", "ins", "label", "main", "mark", "nav",
    "q", "small", "strike", "time", "tt", "var", "wbr",
}

_CELL = {"align", "valign", "colspan", "rowspan", "width", "height", "bgcolor", "nowrap",
         "scope", "headers"}
ATTRIBUTES = {
    "*": {"title", "class", "id", "lang", "dir", "align", "role", "aria-label", "hidden",
          STYLE_KEY},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "input": {"type", "checked", "disabled", "value"},
    "ol": {"start", "type", "reversed"},
    "table": {"border", "cellpadding", "cellspacing", "width", "bgcolor", "summary"},
    "td": _CELL, "th": _CELL, "tr": {"valign", "bgcolor", "height"},
    "col": {"span", "width"}, "colgroup": {"span", "width"},
    "font": {"color", "size", "face"},
    "time": {"datetime"},
    **{tag: MATH_ATTRIBUTES for tag in MATH_TAGS},
}

_NAME = re.compile(r"[a-z_:][-a-z0-9_:.]*\Z")


def _attribute(tag: str, name: str, value: str) -> str | None:
    """Images only as ``data:`` images (the page fetches nothing); no ``data:`` links."""
    lowered = value.strip().lower()
    if name == "src" and not lowered.startswith("data:image/"):
        return None
    if name == "href" and lowered.startswith("data:"):
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=TAGS,
    attributes=ATTRIBUTES,
    attribute_filter=_attribute,
    url_schemes={"http", "https", "mailto", "data"},
    link_rel="noopener noreferrer",
    set_tag_attribute_values={"a": {"target": "_blank"}, "input": {"disabled": "disabled"}},
    strip_comments=True,
)


class _Styles(HTMLParser):
    """Takes the styles out of an HTML output: the text of its ``<style>`` elements, and each
    ``style`` attribute (replaced by ``data-nb-style="k"``); scripts go, the rest is written
    out again for nh3."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.sheets: list[str] = []
        self.inline: dict[str, int] = {}  # cleaned declarations -> k
        self._inside: str | None = None  # "style" or "script" while in one

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs, False)

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs, True)

    def _tag(self, tag: str, attrs, closed: bool) -> None:
        if self._inside is not None:
            return
        if tag in ("style", "script"):
            self._inside = None if closed else tag
            return
        parts = []
        for name, value in attrs:
            if name == "style":
                css = cleanDeclarations(value or "", important=True)
                if css:
                    parts.append(f' {STYLE_KEY}="{self.inline.setdefault(css, len(self.inline))}"')
            elif name != STYLE_KEY and _NAME.match(name):
                parts.append(f" {name}" if value is None else f' {name}="{escape(value)}"')
        self.out.append(f"<{tag}{''.join(parts)}{' /' if closed else ''}>")

    def handle_endtag(self, tag):
        if self._inside is not None:
            if tag == self._inside:
                self._inside = None
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if self._inside == "style":
            self.sheets.append(data)
        elif self._inside is None:
            self.out.append(escape(data, quote=False))


def htmlOutput(html: str) -> tuple[str, str]:
    """``html`` (an output's ``text/html``) as (sanitised markup, the text of its one
    ``<style>`` element, "" when it has no style)."""
    parser = _Styles()
    parser.feed(html)
    parser.close()
    markup = _CLEANER.clean("".join(parser.out))
    css = cleanStylesheet("\n".join(parser.sheets)) + "".join(
        f'[{STYLE_KEY}="{k}"]{{{declarations}}}' for declarations, k in parser.inline.items())
    if "<table" in markup:
        css = TABLE_CSS + css  # first: the output's own rules win
    return markup, forStyleElement(css)
