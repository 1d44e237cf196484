"""The help panel and the signature hint from what the kernel says of a name
(athena_nb.render.help, fed by athena_nb.kernel.objecthelp as the worker answers)."""

import json
import re

from athena_nb.kernel import objecthelp
from athena_nb.render import renderHelp, renderHint
from athena_nb.render.help import isSageDoc
from tests.unit.test_render_docstring import sage


def test_help_shows_type_place_signature_and_rendered_docstring():
    info = objecthelp.introspect({"json": json}, "json.dumps", 0)
    panel = renderHelp(info)
    assert panel["found"] is True and panel["name"] == "json.dumps"
    html = panel["html"]
    assert "<dt>Type</dt><dd><code>function</code></dd>" in html
    assert re.search(r"<dt>Defined in</dt><dd><code>[^<]*json/__init__.py, line \d+</code>",
                     html)
    assert html.index('<pre><span class="n">json</span><span class="o">.</span>'
                      '<span class="n">dumps</span><span class="p">(</span>') < \
        html.index("<h3>Docstring</h3>")
    assert "<p>Serialize <code>obj</code> to a JSON formatted <code>str</code>." in html
    assert "<h3>Source</h3>" not in html


def test_double_question_mark_adds_the_source_highlighted():
    html = renderHelp(objecthelp.introspect({"json": json}, "json.dumps", 1))["html"]
    source = html[html.index("<h3>Source</h3>"):]
    assert re.match(r'<h3>Source</h3>\n<pre><span class="k">def</span>(<span class="w">)? '
                    r'(</span>)?<span class="nf">dumps</span>', source)
    html = renderHelp(objecthelp.introspect({}, "len", 1))["html"]
    assert "<h3>Source</h3>\n<p><em>The source is not available.</em></p>" in html


def test_not_found_and_odd_answers_are_a_message():
    assert renderHelp(objecthelp.introspect({}, "nothing_here", 0)) == {
        "found": False, "message": "Object 'nothing_here' not found."}
    assert renderHelp(None) == {"found": False, "message": "Nothing was found by that name."}
    panel = renderHelp({"found": True, "name": "x", "type": "int", "doc": None})
    assert "<p><em>No docstring.</em></p>" in panel["html"]


def test_the_panel_is_sanitised():
    panel = renderHelp({"found": True, "name": "f<script>", "type": "<img src=x onerror=a()>",
                        "signature": "()", "doc": "<script>bad()</script>",
                        "source": "<script>", "file": "x.py"})
    html = panel["html"]
    assert "<script" not in html and "<img" not in html
    assert "<p>&lt;script&gt;bad()&lt;/script&gt;</p>" in html


def test_sage_docstrings_are_recognised_by_module_or_examples():
    assert isSageDoc({"module": "sage.arith.misc", "doc": "x"})
    assert isSageDoc({"module": "__main__", "doc": "EXAMPLES::\n\n    sage: f(1)\n    2"})
    assert not isSageDoc({"module": "json", "doc": ">>> json.dumps(1)"})
    html = renderHelp({"found": True, "name": "factor", "type": "function",
                       "module": "sage.arith.misc", "signature": "(n, proof=None)",
                       "doc": sage("factor")})["html"]
    assert '<span class="gp">sage: </span>' in html and "<math" in html


def test_the_hint_is_the_call_highlighted_and_plain_first_words():
    hint = renderHint(objecthelp.signature({"json": json}, "json.dumps"))
    assert hint["found"] is True and hint["name"] == "json.dumps"
    assert hint["signature"].startswith('<span class="n">json</span>')
    assert hint["doc"] == "Serialize obj to a JSON formatted str."
    assert renderHint({"found": False, "name": "x"}) == {"found": False}
    assert renderHint({"found": True, "name": "f", "signature": None,
                       "doc": ":meth:`~a.b` and `x^2`"}) == {
        "found": True, "name": "f", "signature": "", "doc": "a.b and x^2"}
