"""CSS from untrusted HTML outputs made safe for a published snapshot's shadow roots: tinycss2
parses it, and only plain rules, ``@media``, ``@supports`` and ``@keyframes`` stay.

Tests: tests/unit/test_render_htmloutput.py.

An HTML output's CSS is shown inside its own shadow root (htmloutput.py), where it can style
nothing of the page around it except through the shadow host: so selectors that reach the host
or cross into other trees (``:host``, ``:host-context()``, ``::slotted()``, ``::part()``) are
dropped, as are the at-rules that act on the whole document (``@import``, ``@font-face``,
``@property``, ``@namespace``, ``@page``, ...). A ``url()`` other than a ``data:`` URL is
dropped with its declaration (the snapshot's policy would block the fetch anyway). The host
itself is contained (public.css: ``contain: paint``), so even ``position: fixed`` stays in
its box. What is kept is serialised again by tinycss2, never passed through as written.
"""

from __future__ import annotations

import tinycss2
from tinycss2 import ast

#: Pseudo-classes and pseudo-elements that reach out of a shadow tree.
_CROSSING = frozenset({"host", "host-context", "slotted", "part"})
#: Functions whose strings are URLs.
_URL_FUNCTIONS = frozenset({"url", "src", "image", "image-set", "-webkit-image-set"})
#: At-rules kept, with rules inside them (@keyframes: its frames).
_NESTING = frozenset({"media", "supports"})


def _crosses(tokens) -> bool:
    """Whether a selector names the shadow host or another tree (``:host``, ``::part``...)."""
    previous = None
    for token in tokens:
        if isinstance(token, (ast.IdentToken, ast.FunctionBlock)) and isinstance(
                previous, ast.LiteralToken) and previous.value == ":":
            name = token.lower_value if isinstance(token, ast.IdentToken) else token.lower_name
            if name in _CROSSING:
                return True
        if isinstance(token, (ast.FunctionBlock, ast.SquareBracketsBlock,
                              ast.ParenthesesBlock)) and _crosses(token.arguments if isinstance(
                                  token, ast.FunctionBlock) else token.content):
            return True
        previous = token
    return False


def _fetches(tokens) -> bool:
    """Whether a value names a URL other than ``data:`` (or builds one we cannot see)."""
    for token in tokens:
        if isinstance(token, ast.URLToken) and not token.value.strip().lower().startswith("data:"):
            return True
        if isinstance(token, ast.FunctionBlock):
            if token.lower_name in _URL_FUNCTIONS and any(
                    isinstance(t, ast.StringToken)
                    and not t.value.strip().lower().startswith("data:") for t in token.arguments):
                return True
            if _fetches(token.arguments):
                return True
        if isinstance(token, (ast.SquareBracketsBlock, ast.ParenthesesBlock,
                              ast.CurlyBracketsBlock)) and _fetches(token.content):
            return True
    return False


def cleanDeclarations(text_or_tokens, important: bool = False) -> str:
    """A declaration list (a ``style`` attribute, or a rule's block) as safe CSS, each
    declaration ``!important`` too when ``important`` (a style attribute beats the rules)."""
    kept = []
    for item in tinycss2.parse_declaration_list(text_or_tokens, skip_comments=True,
                                                skip_whitespace=True):
        if not isinstance(item, ast.Declaration) or _fetches(item.value):
            continue
        value = tinycss2.serialize(item.value).strip()
        if not value:
            continue
        bang = " !important" if item.important or important else ""
        kept.append(f"{tinycss2.serialize([ast.IdentToken(0, 0, item.lower_name)])}:{value}{bang}")
    return ";".join(kept)


def _rules(rules) -> list[str]:
    out = []
    for rule in rules:
        if isinstance(rule, ast.QualifiedRule):
            if _crosses(rule.prelude):
                continue
            body = cleanDeclarations(rule.content)
            selector = tinycss2.serialize(rule.prelude).strip()
            if body and selector:
                out.append(f"{selector}{{{body}}}")
        elif isinstance(rule, ast.AtRule) and rule.content is not None:
            name = rule.lower_at_keyword
            if name in _NESTING and not _crosses(rule.prelude) and not _fetches(rule.prelude):
                inner = _rules(tinycss2.parse_rule_list(rule.content, skip_comments=True,
                                                        skip_whitespace=True))
                if inner:
                    out.append(f"@{name} {tinycss2.serialize(rule.prelude).strip()}"
                               f"{{{''.join(inner)}}}")
            elif name in ("keyframes", "-webkit-keyframes"):
                frames = _rules(tinycss2.parse_rule_list(rule.content, skip_comments=True,
                                                         skip_whitespace=True))
                out.append(f"@{name} {tinycss2.serialize(rule.prelude).strip()}"
                           f"{{{''.join(frames)}}}")
    return out


def cleanStylesheet(text: str) -> str:
    """A stylesheet (a ``<style>`` element's text) as safe CSS for a shadow root."""
    return "".join(_rules(tinycss2.parse_stylesheet(text, skip_comments=True,
                                                    skip_whitespace=True)))


def forStyleElement(css: str) -> str:
    """``css`` as the text of a ``<style>`` element, exactly as the HTML parser will read it
    (its hash must match): no ``<`` (so no ``</style>``), no NUL, no carriage return."""
    return css.replace("<", "\\3c ").replace("\0", "").replace("\r", " ")
