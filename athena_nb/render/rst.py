"""The Sphinx and Sage roles and directives that docstrings use, registered with docutils so
that a docstring written for Sphinx renders without it.

Tests: tests/unit/test_render_docstring.py.

docutils knows plain reStructuredText; Python and Sage docstrings are written for Sphinx and
Sage's documentation builder, which add roles (``:meth:``, ``:class:``, ``:issue:``,
``:wikipedia:``, ...) and directives (``.. SEEALSO::``, ``.. TODO::``, ``.. PLOT::``, ...). Here
each gets a lenient meaning fit for a help panel:

- cross-references (``:meth:`~sage.rings.integer.Integer.is_prime```, ``:class:``, ``:func:``,
  ...) become code, ``~`` keeping the last name only, ``title <target>`` keeping the title;
- ``:issue:``/``:trac:``, ``:wikipedia:``, ``:arxiv:``, ``:doi:``, ``:oeis:``, ``:mathscinet:``
  become links to those sites;
- ``seealso``, ``todo``, ``versionadded`` and the like become admonitions, ``plot`` and
  ``code-block`` code, ``image`` and ``figure`` a mention of the picture (no file is ever read:
  the docstring's renderer turns file insertion off);
- any other role or directive a docstring names is registered when it is first seen, as code
  or an admonition named after it, instead of docutils' error.

docutils keeps its registry per process: ``register()`` runs once, when the renderer loads.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from docutils import nodes
from docutils.parsers.rst import Directive, directives, roles
from docutils.parsers.rst.languages import en

#: Roles that name a Python object (Sphinx's Python domain and its generic roles).
REFERENCE_ROLES = (
    "meth", "func", "class", "mod", "attr", "exc", "obj", "data", "const", "ref", "doc",
    "any", "term", "envvar", "file", "program", "option", "command", "kbd", "samp", "pari",
    "gap", "sage", "python", "type", "keyword", "token", "mailheader", "dfn", "abbr",
    "menuselection", "guilabel", "download", "numref", "cite",
)

#: Roles that link to a site: (URL with {target}, link text with {target}).
LINK_ROLES = {
    "issue": ("https://github.com/sagemath/sage/issues/{target}", "Issue #{target}"),
    "trac": ("https://github.com/sagemath/sage/issues/{target}", "Issue #{target}"),
    "wikipedia": ("https://en.wikipedia.org/wiki/{target}", "{title}"),
    "arxiv": ("https://arxiv.org/abs/{target}", "arXiv {title}"),
    "doi": ("https://doi.org/{target}", "doi:{title}"),
    "oeis": ("https://oeis.org/{target}", "OEIS sequence {title}"),
    "mathscinet": ("https://mathscinet.ams.org/mathscinet-getitem?mr={target}", "MR{title}"),
    "pep": ("https://peps.python.org/pep-{target:0>4}/", "PEP {title}"),
}

#: Directives shown as an admonition with this title.
ADMONITIONS = {
    "seealso": "See also", "todo": "To do", "versionadded": "New in version",
    "versionchanged": "Changed in version", "deprecated": "Deprecated since version",
    "algorithm": "Algorithm", "moduleauthor": "Author", "sectionauthor": "Author",
}

#: Directives whose content is code.
CODE_DIRECTIVES = ("plot", "code-block", "sourcecode", "highlight", "testcode", "doctest",
                   "testoutput", "ipython", "jupyter-execute")

#: Directives that describe the documentation's structure: nothing shown.
SILENT_DIRECTIVES = ("toctree", "index", "currentmodule", "module", "automodule",
                     "autosummary", "only", "ifconfig", "tabularcolumns", "highlightlang",
                     "default-domain", "meta", "include", "literalinclude", "raw")

_ROLE_RE = re.compile(r"(?<![\w\\`]):([A-Za-z][\w+.-]*(?::[A-Za-z][\w+.-]*)*):`")
_DIRECTIVE_RE = re.compile(r"^[ \t]*\.\.[ \t]+([A-Za-z][\w+.:-]*)[ \t]*::", re.MULTILINE)
_TITLED_RE = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.DOTALL)
#: At most this many names seen in docstrings are registered (docutils' registry is global).
MAX_LEARNED = 500

_known: set[str] = set()


class AnyOption(dict):
    """An option_spec that takes any option as text, so that ``:alt:``, ``:linenos:`` or an
    option Sphinx knows and docutils does not never stops a directive."""

    def __missing__(self, key):
        return directives.unchanged


def anyOption() -> AnyOption:
    return AnyOption({"class": directives.class_option})


def referenceRole(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``:meth:`~a.b.c``` and friends: the name as code (``~``: its last part; ``!``: as it
    is; ``title <target>``: the title)."""
    text = nodes.unescape(text)
    titled = _TITLED_RE.match(text)
    if titled:
        shown = titled.group(1)
    else:
        shown = text.lstrip("!")
        if shown.startswith("~"):
            shown = shown[1:].rpartition(".")[2]
    return [nodes.literal(rawtext, shown)], []


def linkRole(name, rawtext, text, lineno, inliner, options=None, content=None):
    """A role that links to a site (LINK_ROLES), as Sage's documentation does."""
    url, label = LINK_ROLES[name.lower()]
    text = nodes.unescape(text)
    titled = _TITLED_RE.match(text)
    title, target = (titled.group(1), titled.group(2)) if titled else (text, text)
    target = target.strip()
    if name.lower() == "wikipedia":
        target = target.replace(" ", "_")
    shown = label.format(target=target, title=title.replace("_", " "))
    href = url.format(target=quote(target, safe="/:#_.-()'"))
    return [nodes.reference(rawtext, shown, refuri=href)], []


class AdmonitionDirective(Directive):
    """``.. seealso::``, ``.. todo::``, ``.. versionadded:: 3.2`` ...: an admonition whose
    title is the directive's name (its arguments after it) and whose body is parsed."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = anyOption()  # any option is accepted (and ignored)

    def run(self):
        name = self.name.lower()
        title = ADMONITIONS.get(name) or name.replace("-", " ").replace("_", " ").capitalize()
        if self.arguments:
            title = f"{title} {self.arguments[0]}"
        node = nodes.admonition("\n".join(self.content), classes=["nb-doc-" + _slug(name)])
        node += nodes.title(title, title)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


class CodeDirective(Directive):
    """``.. PLOT::``, ``.. code-block:: python`` ...: the content as a code block in the
    language the argument names (Python by default)."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = anyOption()

    def run(self):
        code = "\n".join(self.content)
        language = (self.arguments[0].split()[0] if self.arguments else "python").lower()
        node = nodes.literal_block(code, code, classes=["code", language])
        return [node]


class SilentDirective(Directive):
    """A directive about the documentation's structure (``toctree``, ``index``, ...):
    nothing to show in a docstring."""

    optional_arguments = 100
    final_argument_whitespace = True
    has_content = True
    option_spec = anyOption()

    def run(self):
        return []


class ImageDirective(Directive):
    """``.. image::`` and ``.. figure::``: the picture's name (or its alt text) in words;
    no file is read and nothing is fetched."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = anyOption()

    def run(self):
        alt = self.options.get("alt")
        text = f"(picture: {alt or self.arguments[0]})"
        node = nodes.paragraph(text, "", nodes.emphasis(text, text))
        if self.content:
            caption = nodes.paragraph()
            self.state.nested_parse(self.content, self.content_offset, caption)
            return [node, *caption.children]
        return [node]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "note"


def register() -> None:
    """Register every role and directive above with docutils (once a process)."""
    if _known:
        return
    for name in REFERENCE_ROLES:
        roles.register_local_role(name, referenceRole)
        roles.register_local_role("py:" + name, referenceRole)
    for name in LINK_ROLES:
        roles.register_local_role(name, linkRole)
    for name in ADMONITIONS:
        directives.register_directive(name, AdmonitionDirective)
    for name in CODE_DIRECTIVES:
        directives.register_directive(name, CodeDirective)
    for name in SILENT_DIRECTIVES:
        directives.register_directive(name, SilentDirective)
    for name in ("image", "figure"):
        directives.register_directive(name, ImageDirective)
    _known.update(en.roles, en.directives, REFERENCE_ROLES, LINK_ROLES, ADMONITIONS,
                  CODE_DIRECTIVES, SILENT_DIRECTIVES, ("py:" + n for n in REFERENCE_ROLES))


def learn(text: str) -> None:
    """Register the roles and directives ``text`` names that docutils does not know: an
    unknown role shows its text as code, an unknown directive as an admonition named after it."""
    register()
    for name in {m.lower() for m in _ROLE_RE.findall(text)} - _known:
        if len(_known) < len(en.roles) + len(en.directives) + MAX_LEARNED:
            roles.register_local_role(name, referenceRole)
            _known.add(name)
    for name in {m.lower() for m in _DIRECTIVE_RE.findall(text)} - _known:
        if len(_known) < len(en.roles) + len(en.directives) + MAX_LEARNED:
            directives.register_directive(name, AdmonitionDirective)
            _known.add(name)
