"""Docstrings to safe HTML (athena_nb.render.docstring, rst.py): real stdlib docstrings, real
Sage docstrings kept in tests/data/docstrings/, the Sphinx and Sage roles and directives, and
the fallbacks."""

import collections
import inspect
import json
import pathlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from athena_nb.render import renderDocstring
from athena_nb.render.docstring import MAX_DOCSTRING, highlightExamples

DOCSTRINGS = pathlib.Path(__file__).parent.parent / "data" / "docstrings"


def sage(name):
    return (DOCSTRINGS / f"sage_{name}.rst").read_text(encoding="utf-8")


def text(html):
    """The words of ``html``, tags dropped."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


# -- Python's own docstrings -------------------------------------------------------------------


def test_stdlib_docstrings_render_as_paragraphs_with_code():
    html = renderDocstring(inspect.getdoc(json.dumps))
    assert html.startswith("<p>Serialize <code>obj</code> to a JSON formatted <code>str</code>.")
    assert "<pre" not in html.split("</p>")[0]
    html = renderDocstring(inspect.getdoc(print))
    assert "<dl>" in html and "<dt>sep</dt>" in html  # its indented keyword list


def test_doctest_examples_are_highlighted_with_prompts_and_outputs():
    html = renderDocstring(inspect.getdoc(collections.Counter))
    assert '<span class="gp">&gt;&gt;&gt; </span><span class="n">c</span>' in html
    assert '<span class="go">[(&#x27;a&#x27;, 5), (&#x27;b&#x27;, 4), (&#x27;c&#x27;, 3)]</span>' \
        in html or "<span class=\"go\">[('a', 5), ('b', 4), ('c', 3)]</span>" in html


def test_plain_text_that_is_not_rst_stays_as_it_was_written():
    """dict's docstring is a list of call forms that docutils misreads: shown as text."""
    doc = inspect.getdoc(dict)
    html = renderDocstring(doc)
    assert html.startswith('<pre class="nb-doc-plain">dict() -&gt; new empty dictionary')


def test_single_backquotes_are_code_in_python_and_mathematics_in_sage():
    assert renderDocstring("Pass `key` here.") == "<p>Pass <code>key</code> here.</p>"
    html = renderDocstring("The value `x^2`.", sage=True)
    assert '<math display="inline">' in html and "<msup>" in html


# -- Sage's docstrings ---------------------------------------------------------------------------


def test_sage_examples_are_highlighted_and_doctest_tags_left_out():
    html = renderDocstring(sage("factor"), sage=True)
    assert "<h4>Examples</h4>" in html
    assert ('<span class="gp">sage: </span><span class="n">factor</span><span class="p">('
            '</span><span class="mi">500</span><span class="p">)</span>') in html
    assert '<span class="go">2^2 * 5^3</span>' in html
    assert "# needs" not in html and "needs sage" not in html


def test_sage_input_and_output_sections():
    html = renderDocstring(sage("factor"), sage=True)
    assert "<h4>Input</h4>\n<ul>" in html
    assert "<li><p><code>n</code> -- nonzero integer</p></li>" in html
    assert "<p><strong>Output:</strong> factorization of <math" in html
    html = renderDocstring(sage("is_prime"), sage=True)
    assert "<h4>Input</h4>" in html and "<h4>Algorithm</h4>" in html


def test_math_blocks_and_inline_math_are_mathml():
    html = renderDocstring(sage("binomial"), sage=True)
    assert '<div class="nb-math-block"><math display="block">' in html
    assert '<mfrac linethickness="0"><mrow><mi>x</mi></mrow>' in html  # \\binom{x}{m}
    assert "<mi>𝐙</mi>" in html  # Sage's \\ZZ
    assert "MATH::" not in html and "`" not in text(html)


def test_sage_admonitions_and_cross_references():
    html = renderDocstring(sage("factor"), sage=True)
    assert '<div class="nb-doc-admonition">\n<p class="nb-doc-admonition-title">Warning</p>' \
        in html
    assert "<code>factor</code>" in html and "<code>Factorization</code>" in html
    assert ":class:" not in html and ":func:" not in html
    html = renderDocstring(sage("is_prime"), sage=True)
    assert '<p class="nb-doc-admonition-title">See also</p>' in html
    assert "<code>is_pseudoprime</code>" in html  # :meth:`~...is_pseudoprime`? as written
    html = renderDocstring(sage("xgcd"), sage=True)
    assert '<p class="nb-doc-admonition-title">Note</p>' in html
    assert 'href="https://en.wikipedia.org/wiki/Principal_ideal_domain"' in html


def test_every_stored_sage_docstring_renders_without_falling_back():
    for path in sorted(DOCSTRINGS.glob("sage_*.rst")):
        html = renderDocstring(path.read_text(encoding="utf-8"), sage=True)
        assert not html.startswith('<pre class="nb-doc-plain">'), path.name
        assert '<span class="gp">sage: </span>' in html, path.name
        assert "system-message" not in html and "Unknown" not in text(html), path.name


def test_plot_directives_are_shown_as_code():
    html = renderDocstring(sage("plot"), sage=True)
    assert "PLOT::" not in html
    assert '<span class="n">g</span> <span class="o">=</span>' in html


# -- roles and directives ------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "expected"), [
    (":meth:`~sage.rings.integer.Integer.is_prime`", "<code>is_prime</code>"),
    (":meth:`sage.rings.integer.Integer.is_prime`",
     "<code>sage.rings.integer.Integer.is_prime</code>"),
    (":class:`the factorization <Factorization>`", "<code>the factorization</code>"),
    (":func:`!len`", "<code>len</code>"),
    (":py:mod:`os.path`", "<code>os.path</code>"),
    (":mod:`json`", "<code>json</code>"),
    (":somethingnew:`odd`", "<code>odd</code>"),
])
def test_reference_roles_become_code(source, expected):
    assert renderDocstring(f"See {source}.") == f"<p>See {expected}.</p>"


@pytest.mark.parametrize(("source", "href", "words"), [
    (":trac:`12345`", "https://github.com/sagemath/sage/issues/12345", "Issue #12345"),
    (":issue:`36000`", "https://github.com/sagemath/sage/issues/36000", "Issue #36000"),
    (":wikipedia:`Prime number`", "https://en.wikipedia.org/wiki/Prime_number", "Prime number"),
    (":wikipedia:`primes <Prime_number>`", "https://en.wikipedia.org/wiki/Prime_number",
     "primes"),
    (":arxiv:`1234.5678`", "https://arxiv.org/abs/1234.5678", "arXiv 1234.5678"),
    (":oeis:`A000045`", "https://oeis.org/A000045", "OEIS sequence A000045"),
])
def test_link_roles_link_to_their_sites(source, href, words):
    html = renderDocstring(f"See {source}.", sage=True)
    assert f'href="{href}"' in html and f">{words}</a>" in html
    assert 'target="_blank"' in html and 'rel="noopener noreferrer"' in html


def test_math_role_and_math_directive():
    html = renderDocstring("Inline :math:`\\alpha`.\n\n.. MATH::\n\n    x^2 + 1\n")
    assert html.count("<math") == 2 and "<mi>α</mi>" in html
    assert '<math display="block">' in html


def test_sphinx_admonitions_and_unknown_directives():
    html = renderDocstring(".. NOTE::\n\n    Be careful.\n\n.. SEEALSO::\n\n    :func:`len`\n"
                           "\n.. TODO::\n\n    Faster.\n\n.. versionadded:: 3.2\n\n"
                           ".. MADEUP:: arg\n\n    Body.\n")
    titles = re.findall(r'<p class="nb-doc-admonition-title">([^<]*)</p>', html)
    assert titles == ["Note", "See also", "To do", "New in version 3.2", "Madeup arg"]
    assert "<p>Body.</p>" in html and "<code>len</code>" in html


def test_code_blocks_in_a_named_language_are_highlighted():
    html = renderDocstring(".. code-block:: python\n\n    def f(x): return x\n")
    assert '<span class="k">def</span>' in html
    html = renderDocstring("Example::\n\n    for i in range(3):\n        print(i)\n")
    assert '<span class="k">for</span>' in html
    html = renderDocstring("Words::\n\n    just some words, here\n")
    assert "<pre>just some words, here</pre>" in html


# -- safety and fallbacks ------------------------------------------------------------------------


def test_no_file_is_read_and_no_raw_html_passes(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    for doc in (f".. include:: {secret}\n", f".. literalinclude:: {secret}\n",
                f".. csv-table::\n   :file: {secret}\n",
                f".. raw:: html\n   :file: {secret}\n",
                ".. raw:: html\n\n   <script>alert(1)</script>\n"):
        html = renderDocstring("Text.\n\n" + doc)
        assert "TOP SECRET" not in html and "<script" not in html and "alert" not in html


def test_images_are_named_never_fetched():
    html = renderDocstring(".. image:: media/pic.png\n   :alt: a picture\n")
    assert "<img" not in html and "(picture: a picture)" in html


def test_html_in_a_docstring_is_text_and_links_are_safe():
    html = renderDocstring("A <b>bold</b> <script>x()</script> "
                           "`click <javascript:alert(1)>`_ claim.")
    assert "<script" not in html and "<b>" not in html and "&lt;b&gt;" in html
    assert "javascript:" not in html


def test_a_docstring_too_long_or_broken_is_preformatted_text():
    long = "word " * (MAX_DOCSTRING // 5 + 1)
    assert renderDocstring(long).startswith('<pre class="nb-doc-plain">word word')
    broken = "Returns a thing\n  with odd\n indentation\n    and more"  # no reST in it
    assert renderDocstring(broken).startswith('<pre class="nb-doc-plain">Returns a thing')
    assert renderDocstring("") == "" and renderDocstring("   \n") == ""


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(list("ab `:_*.-=\n<>&$\\|[]()#~!x") +
                               ["::", ".. ", ":meth:", "sage: ", ".. MATH::", "\n    "]),
                max_size=60).map("".join), st.booleans())
def test_any_text_renders_without_raising(doc, sage_):
    html = renderDocstring(doc, sage=sage_)
    assert isinstance(html, str) and "<script" not in html


def test_examples_keep_continuation_lines_with_their_statement():
    html = highlightExamples("sage: for i in range(2):\n....:     print(i)\n0\n1")
    lines = html.split("\n")
    assert lines[0].startswith('<span class="gp">sage: </span><span class="k">for</span>')
    assert lines[1].startswith('<span class="gp">....: </span>')
    assert lines[2:] == ['<span class="go">0</span>', '<span class="go">1</span>']
