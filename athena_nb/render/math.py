"""LaTeX to MathML: one formula (``renderLatex``) and a kernel's ``text/latex`` output
(``renderLatexOutput``), as safe HTML that browsers typeset natively.

Tests: tests/unit/test_render_math.py, tests/unit/test_render_corpus.py.

latex2mathml does the conversion (docs/typesetting.md says why that library).  Sage's macros are
expanded first (``tex.expand``).  TeX that cannot be typeset (a syntax error, a command the
converter does not know, too long) is never an error: it is shown as its source in a ``<code>``
of class ``nb-tex-plain``, which the stylesheets keep quiet.
"""

from __future__ import annotations

import functools
import re
from html import escape, unescape

from latex2mathml.converter import convert

from .sanitise import clean
from .tex import MacroError, expand

#: Longer TeX is shown as source (converting it would hold the reactor too long).
MAX_TEX = 20_000

#: A control sequence the converter passed through as a name, or as text: it did not know it.
_UNKNOWN = re.compile(r"<m[ion]>\\[A-Za-z]|<mtext[^>]*>[^<]*\\[A-Za-z]+\{")

#: Math in a text: $$...$$, $...$, \[...\], \(...\) and the math environments.
_MATH = re.compile(
    r"\$\$(?P<dd>.+?)\$\$"
    r"|(?<![\\$])\$(?P<d>[^$]+?)\$"
    r"|\\\[(?P<sb>.+?)\\\]"
    r"|\\\((?P<rb>.+?)\\\)"
    r"|\\begin\{(?P<env>math|displaymath|equation\*?|align\*?|eqnarray\*?|gather\*?)\}"
    r"(?P<body>.+?)\\end\{(?P=env)\}",
    re.S)

#: The same in an HTML output's text (htmlmath.py), where a dollar is more often money: a
#: ``$...$`` formula starts and ends with no space inside, and its closing ``$`` is followed by
#: no digit (pandoc's rule: "costs $5 and $10" is text).
_HTML_MATH = re.compile(_MATH.pattern.replace(
    r"(?<![\\$])\$(?P<d>[^$]+?)\$", r"(?<![\\$\w])\$(?=\S)(?P<d>[^$]*?\S)\$(?!\d)"), re.S)
assert _HTML_MATH.pattern != _MATH.pattern

_ENVS = {"align", "align*", "eqnarray", "eqnarray*", "gather", "gather*"}


def plainTeX(tex: str, display: bool = False) -> str:
    """``tex`` shown as its source, quietly marked as not typeset."""
    tag = "pre" if display and "\n" in tex else "code"
    return (f'<{tag} class="nb-tex-plain" title="This TeX could not be typeset">'
            f"{escape(tex)}</{tag}>")


@functools.lru_cache(maxsize=4096)
def renderLatex(tex: str, display: bool = False) -> str:
    """One formula (no delimiters) as sanitised MathML, or as its source when it cannot be
    typeset; never raises for any text.  Kept for the next call: a text being typed is
    rendered again at each change, with all of its formulas but one the same."""
    source = tex.strip()
    if not source:
        return ""
    if len(source) > MAX_TEX:
        return plainTeX(source, display)
    try:
        mathml = convert(expand(source), display="block" if display else "inline")
    except (MacroError, Exception):  # latex2mathml raises many kinds on bad input
        return plainTeX(source, display)
    if _UNKNOWN.search(mathml):
        return plainTeX(source, display)
    annotated = _annotate(mathml, source)
    return clean(annotated)


def _annotate(mathml: str, source: str) -> str:
    """Keep the TeX with the MathML (copy and paste, screen readers): a <semantics> wrapper."""
    start = mathml.index(">") + 1
    end = mathml.rindex("</math>")
    head = mathml[:start].replace(' xmlns="http://www.w3.org/1998/Math/MathML"', "")
    return (f'{head}<semantics><mrow>{mathml[start:end]}</mrow>'
            f'<annotation encoding="application/x-tex">{escape(source)}</annotation>'
            f"</semantics></math>")


def renderMathIn(text: str) -> str:
    """``text`` with every delimited formula typeset and the rest escaped (a ``text/latex``
    output that mixes words and formulas, as IPython's ``Latex`` allows)."""
    out, pos = [], 0
    for m in _MATH.finditer(text):
        out.append(escape(text[pos:m.start()]))
        out.append(_delimited(m))
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def renderMathInHtml(text: str) -> str:
    """``text``, a run of an HTML document's text as it stands in the markup (entities and
    all), with every delimited formula typeset and the rest left as it is (htmlmath.py)."""
    out, pos = [], 0
    for m in _HTML_MATH.finditer(text):
        out.append(text[pos:m.start()])
        out.append(_delimited(m, unescape))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _delimited(m: re.Match, read=lambda source: source) -> str:
    """The formula ``m`` found, typeset; ``read`` turns its source into TeX."""
    if m.group("dd") is not None:
        return renderLatex(read(m.group("dd")), True)
    if m.group("d") is not None:
        return renderLatex(read(m.group("d")), False)
    if m.group("sb") is not None:
        return renderLatex(read(m.group("sb")), True)
    if m.group("rb") is not None:
        return renderLatex(read(m.group("rb")), False)
    env, body = m.group("env"), read(m.group("body"))
    if env in _ENVS:  # rows of equations: the converter knows them as an aligned table
        body = r"\begin{aligned}" + body.replace("&=&", "&=") + r"\end{aligned}"
    return renderLatex(body, env != "math")


def renderLatexOutput(latex: str) -> str:
    """A kernel's ``text/latex`` output as safe HTML: Sage's ``\\(\\displaystyle ...\\)``,
    SymPy's ``$...$`` and ``$$...$$``, bare TeX, or words with formulas among them."""
    source = latex.strip()
    if not source:
        return ""
    definitions, rest = _leadingDefinitions(source)
    if _MATH.search(rest) is None:  # bare TeX, as Sage's latex() gives it
        return renderLatex(source, True)
    if definitions:
        rest = re.sub(r"(\$\$|\$|\\\[|\\\()", lambda m: m.group(1) + definitions, rest, count=0)
    return renderMathIn(rest)


def _leadingDefinitions(source: str) -> tuple[str, str]:
    """Sage may put ``\\newcommand{\\Bold}...`` before the formula: take those off the front."""
    m = re.match(r"(?:\s*\\(?:re)?newcommand\s*\{?\\[A-Za-z]+\}?(?:\[\d\])?\{(?:[^{}]|\{[^{}]*\})*\})+",
                 source)
    if m is None:
        return "", source
    return m.group(), source[m.end():]
