"""TeX macros: Sage's LaTeX macros and ``\\newcommand`` definitions, expanded before typesetting.

Tests: tests/unit/test_render_math.py.

Sage's ``latex()`` writes ``\\ZZ``, ``\\Bold{Z}``, ``\\GF{7}`` and so on, which its notebooks
defined for MathJax; no converter to MathML knows them.  ``expand`` replaces them (and any
macro a ``\\newcommand`` in the text itself defines) by plain TeX, with a bound on the work, so
that a macro defined in terms of itself cannot hang the server.
"""

from __future__ import annotations

import re

#: name -> (number of arguments, body). From Sage's sage/misc/latex_macros.py (``\\Bold`` as
#: Sage's default, bold upright), plus the one-letter forms and a few operator names.
SAGE_MACROS: dict[str, tuple[int, str]] = {
    "Bold": (1, r"\mathbf{#1}"),
    "ZZ": (0, r"\Bold{Z}"), "NN": (0, r"\Bold{N}"), "RR": (0, r"\Bold{R}"),
    "CC": (0, r"\Bold{C}"), "QQ": (0, r"\Bold{Q}"), "FF": (0, r"\Bold{F}"),
    "QQbar": (0, r"\overline{\QQ}"),
    "GF": (1, r"\Bold{F}_{#1}"), "Zp": (1, r"\ZZ_{#1}"), "Qp": (1, r"\QQ_{#1}"),
    "Zmod": (1, r"\ZZ/#1\ZZ"),
    "CDF": (0, r"\Bold{C}"), "CIF": (0, r"\Bold{C}"), "CLF": (0, r"\Bold{C}"),
    "RDF": (0, r"\Bold{R}"), "RIF": (0, r"\Bold{I} \Bold{R}"), "RLF": (0, r"\Bold{R}"),
    "CFF": (0, r"\Bold{CFF}"),
    "Z": (0, r"\Bold{Z}"), "Q": (0, r"\Bold{Q}"), "R": (0, r"\Bold{R}"), "C": (0, r"\Bold{C}"),
    "N": (0, r"\Bold{N}"),
    "lcm": (0, r"\operatorname{lcm}"), "SL": (0, r"\mathrm{SL}"), "GL": (0, r"\mathrm{GL}"),
    "PSL": (0, r"\mathrm{PSL}"), "Frac": (0, r"\operatorname{Frac}"),
    "lt": (0, "<"), "gt": (0, ">"), "bf": (0, r"\mathbf"), "rm": (0, r"\mathrm"),
}

#: Expansions per text at most; past it the text is not typeset (a loop, or a bomb).
MAX_EXPANSIONS = 5000

_NAME = re.compile(r"[A-Za-z]+")
#: Sage 10 writes a string as \text{\texttt{...}}; the converter shows text as it is.
_TEXT_TT = re.compile(r"\\text\s*\{\s*\\texttt\s*\{([^{}]*)\}\s*\}")
_NEWCOMMAND = re.compile(
    r"\\(?:re)?newcommand\s*\{?\s*\\([A-Za-z]+)\s*\}?\s*(?:\[(\d)\])?\s*")


class MacroError(ValueError):
    """The TeX could not be expanded (unbalanced braces, too many expansions)."""


def _group(tex: str, i: int) -> tuple[str, int]:
    """The argument starting at ``i`` (a braced group's content, or one token) and the index after it."""
    n = len(tex)
    while i < n and tex[i] in " \t\n":
        i += 1
    if i >= n:
        raise MacroError("A macro is missing its argument.")
    if tex[i] == "{":
        depth, j = 0, i
        while j < n:
            c = tex[j]
            if c == "\\":
                j += 2
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return tex[i + 1:j], j + 1
            j += 1
        raise MacroError("A brace is not closed.")
    if tex[i] == "\\":
        m = _NAME.match(tex, i + 1)
        end = m.end() if m else i + 2
        return tex[i:end], end
    return tex[i], i + 1


def definitions(tex: str) -> tuple[dict[str, tuple[int, str]], str]:
    """The macros that ``\\newcommand`` defines in ``tex``, and ``tex`` without those definitions."""
    found: dict[str, tuple[int, str]] = {}
    out, pos = [], 0
    for m in _NEWCOMMAND.finditer(tex):
        if m.start() < pos:
            continue
        body, end = _group(tex, m.end())
        found[m.group(1)] = (int(m.group(2) or 0), body)
        out.append(tex[pos:m.start()])
        pos = end
    out.append(tex[pos:])
    return found, "".join(out)


def expand(tex: str, macros: dict[str, tuple[int, str]] | None = None) -> str:
    """``tex`` with Sage's macros, those given and those it defines itself expanded."""
    own, tex = definitions(_TEXT_TT.sub(r"\\texttt{\1}", tex))
    table = {**SAGE_MACROS, **(macros or {}), **own}
    out: list[str] = []
    i, budget = 0, MAX_EXPANSIONS
    while i < len(tex):
        c = tex[i]
        if c != "\\":
            j = tex.find("\\", i)
            j = len(tex) if j < 0 else j
            out.append(tex[i:j])
            i = j
            continue
        m = _NAME.match(tex, i + 1)
        if m is None:  # \\, \{, \, and the like: one token
            out.append(tex[i:i + 2])
            i += 2
            continue
        name = m.group()
        if name == "verb" and m.end() < len(tex):  # \verb|...|: its text is not TeX
            close = tex.find(tex[m.end()], m.end() + 1)
            end = len(tex) if close < 0 else close + 1
            out.append(tex[i:end])
            i = end
            continue
        if name not in table:
            out.append(tex[i:m.end()])
            i = m.end()
            continue
        budget -= 1
        if budget < 0:
            raise MacroError("The macros expand without end.")
        count, body = table[name]
        j, args = m.end(), []
        for _ in range(count):
            arg, j = _group(tex, j)
            args.append(arg)
        for k, arg in enumerate(args, 1):
            body = body.replace(f"#{k}", arg)
        if len(body) > 1 and body[-1].isalpha() and j < len(tex) and tex[j].isalpha():
            body += " "  # \bf x: the name must not run into the next letters
        tex = body + tex[j:]  # expanded again from its start: macros within macros
        i = 0
        out_prefix = "".join(out)
        out = [out_prefix]
    return "".join(out)
