"""Mathematics in an HTML output's text, typeset on the server (athena_nb.render.htmlmath)."""

from athena_nb.cells import cleanEvent, htmlOf
from athena_nb.render import typesetHtml


def test_sage_s_html_and_jupyter_s_delimiters_become_mathml_the_markup_stays():
    html = ('<p class="note">The area is \\(\\pi r^2\\) and &lt;b&gt; stays text;</p>'
            '<div>$$\\frac{1}{2}$$ and $x &lt; y$</div><br/><!-- a comment -->')
    out = typesetHtml(html)
    assert out.startswith('<p class="note">The area is <math display="inline">')
    assert "and &lt;b&gt; stays text;</p><div><math display=\"block\">" in out
    assert '<mo>&lt;</mo>' in out, "the entities of a formula are read before it is typeset"
    assert out.endswith("</math></div><br/><!-- a comment -->")


def test_code_scripts_styles_and_money_are_left_as_they_are():
    for html in ('<code>$x$</code>', '<pre>\\(a\\)</pre>', '<script>let s = "$x$";</script>',
                 '<style>a::after{content:"$x$"}</style>', '<p>It costs $5 and $10.</p>',
                 '<table><tr><td>$5</td><td>$10</td></tr></table>',
                 '<math><mi>x</mi></math>$', '<p>no delimiter at all</p>'):
        assert typesetHtml(html) == html, html


def test_nested_skipped_elements_end_where_they_end():
    out = typesetHtml("<pre><code>$a$</code> $b$</pre> $c$")
    assert out.startswith("<pre><code>$a$</code> $b$</pre> <math")


def test_an_output_s_typeset_html_is_made_once_as_it_comes_and_is_what_its_frame_shows():
    event = cleanEvent({"type": "display", "data": {"text/html": "<p>Area: \\(\\pi r^2\\)</p>"}})
    assert "<math" in event["htmlMath"] and htmlOf(event) == event["htmlMath"]
    assert event["data"]["text/html"] == "<p>Area: \\(\\pi r^2\\)</p>", "kept for downloads"
    plain = cleanEvent({"type": "display", "data": {"text/html": "<b>no maths</b>"}})
    assert "htmlMath" not in plain and htmlOf(plain) == "<b>no maths</b>"
