"""Mathematics in an HTML output, typeset on the server: the ``\\(...\\)``, ``\\[...\\]``,
``$$...$$`` and ``$...$`` in its text become MathML, as JupyterLab typesets an HTML output's
mathematics and as Sage's ``html()`` expects.

Tests: tests/unit/test_render_htmlmath.py.

Only the text outside ``script``, ``style``, ``code``, ``pre``, ``textarea``, ``math`` and
``svg`` is read, with a stricter rule for dollars than in text cells ("costs $5 and $10" is
text: math.py, ``renderMathInHtml``); the markup around it is written back as it came. An
output with no delimiter at all is returned untouched (the same object) without being parsed.
It runs once per output, when the output comes (``cells.withMath``).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Elements whose text is never mathematics (or is not text).
_SKIP = frozenset({"script", "style", "code", "pre", "textarea", "math", "svg", "kbd", "samp"})
#: A first look: an output with none of these has no mathematics to typeset.
_MAYBE_MATH = re.compile(r"\$|\\[(\[]|\\begin\{")


def typesetHtml(html: str) -> str:
    """``html`` with the mathematics of its text typeset (see the module's docstring)."""
    if not _MAYBE_MATH.search(html):
        return html
    walker = _Walker()
    walker.feed(html)
    walker.close()
    return "".join(walker.out)


class _Walker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.text: list[str] = []  # the run of text since the last tag, as written
        self.skipping: list[str] = []  # the skipped elements open here, innermost last

    def _flush(self) -> None:
        if self.text:
            run = "".join(self.text)
            self.text = []
            if self.skipping:
                self.out.append(run)
            else:  # its converter only once an output has mathematics
                from .math import renderMathInHtml

                self.out.append(renderMathInHtml(run))

    def handle_starttag(self, tag, attrs) -> None:
        self._flush()
        self.out.append(self.get_starttag_text() or "")
        if tag in _SKIP:
            self.skipping.append(tag)

    def handle_startendtag(self, tag, attrs) -> None:
        self._flush()
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag) -> None:
        self._flush()
        if tag in self.skipping:
            while self.skipping.pop() != tag:
                pass
        self.out.append(f"</{tag}>")

    def handle_data(self, data) -> None:
        self.text.append(data)

    def handle_entityref(self, name) -> None:
        self.text.append(f"&{name};")

    def handle_charref(self, name) -> None:
        self.text.append(f"&#{name};")

    def handle_comment(self, data) -> None:
        self._flush()
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl) -> None:
        self._flush()
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data) -> None:
        self._flush()
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data) -> None:
        self._flush()
        self.out.append(f"<![{data}]>")

    def close(self) -> None:
        super().close()
        self._flush()
