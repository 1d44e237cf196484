"""Markdown to safe HTML (athena_nb.render.markdown and sanitise)."""

import re

from athena_nb.render import renderMarkdown, renderTextCell
from athena_nb.render.markdown import MAX_ATTACHMENT


def test_commonmark_headings_emphasis_lists_and_links():
    html = renderMarkdown("# Title\n\nSome *em* and **strong**.\n\n1. one\n2. two\n\n"
                          "[site](https://example.org)")
    assert "<h1>Title</h1>" in html
    assert "<em>em</em>" in html and "<strong>strong</strong>" in html
    assert "<ol>" in html and "<li>two</li>" in html
    assert 'href="https://example.org"' in html and 'target="_blank"' in html
    assert 'rel="noopener noreferrer"' in html


def test_tables_task_lists_and_strikethrough():
    html = renderMarkdown("| a | b |\n|---|--:|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n~~gone~~")
    assert "<table>" in html and "<th>a</th>" in html and "<td>1</td>" in html
    boxes = re.findall(r"<input[^>]*>", html)
    assert len(boxes) == 2 and all('type="checkbox"' in b and "disabled" in b for b in boxes)
    assert "checked" in boxes[0] and "checked" not in boxes[1]
    assert "<s>gone</s>" in html or "<del>gone</del>" in html


def test_fenced_code_is_highlighted_with_class_names_only():
    html = renderMarkdown("```python\ndef f(x):\n    return 1\n```")
    assert "<pre><code>" in html
    assert '<span class="k">def</span>' in html
    assert "style=" not in html


def test_fenced_code_in_an_unknown_language_is_plain_escaped_code():
    html = renderMarkdown("```nosuchlanguage\n<b>x</b>\n```")
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>" not in html


def test_every_math_delimiter_is_typeset():
    html = renderMarkdown("Inline $x^2$ and \\(y_1\\).\n\n$$\\frac{1}{2}$$\n\n\\[\\sqrt{z}\\]")
    assert html.count("<math") == 4
    assert '<math display="inline"' in html and '<math display="block"' in html
    assert "<msup>" in html and "<msub>" in html and "<mfrac>" in html and "<msqrt>" in html


def test_dollars_in_code_spans_and_fenced_code_are_not_math():
    html = renderMarkdown("`$5 and $6`\n\n```\nprice = \"$x$\"\n```\n\n    $indented$")
    assert "<math" not in html
    assert "$5 and $6" in html and "$x$" in html and "$indented$" in html


def test_a_lone_dollar_amount_is_text():
    html = renderMarkdown("It costs $5, not more.")
    assert "<math" not in html and "$5" in html


def test_script_and_event_handlers_are_removed():
    html = renderMarkdown('Hi <script>alert(1)</script> <img src="x.png" onerror="alert(2)">'
                          '<b onclick="alert(3)">b</b>\n\n<script>\nalert(4)\n</script>')
    assert "<script" not in html and "alert" not in html
    assert "onerror" not in html and "onclick" not in html
    assert '<img src="x.png">' in html and "<b>b</b>" in html


def test_javascript_links_are_removed():
    for source in ("[x](javascript:alert(1))", '<a href="javascript:alert(1)">x</a>',
                   '<a href="JaVaScRiPt:alert(1)">x</a>', "[x](data:text/html,hi)"):
        html = renderMarkdown(source)
        assert not re.search(r"href=\"?\s*(javascript|data):", html, re.I), source
        assert "<a" not in html or "href" not in html, source


def test_style_and_iframes_are_removed():
    html = renderMarkdown('<style>p{}</style><iframe src="/x"></iframe><p style="color:red">t</p>')
    assert "<style" not in html and "<iframe" not in html and "style=" not in html
    assert "<p>t</p>" in html


def test_math_in_markdown_cannot_smuggle_markup():
    html = renderMarkdown(r"$\text{<img src=x onerror=alert(1)>}$ and $x<y$")
    assert "onerror" not in html and "<img" not in html
    assert "&lt;" in html


def test_unparseable_math_is_shown_as_its_source_quietly():
    html = renderMarkdown(r"before $\frac{1}{$ and $\nosuchmacro{x}$ after")
    assert html.count('class="nb-tex-plain"') == 2
    assert r"\nosuchmacro{x}" in html and "before" in html and "after" in html


def test_anything_renders_without_raising():
    for text in ("", "$", "$$", "\\(", "\\[", "```", "<", "&", "$\\begin{array}$", "\x00",
                 "$" * 1000, "{" * 500, "\\" * 300):
        assert isinstance(renderMarkdown(text), str)


def test_only_highlighting_and_the_renderers_own_class_names_survive():
    """Rendered text sits inside a cell: it must not pass for the cell's own parts."""
    html = renderMarkdown('<div class="nb-output">a</div><span class="nb-menu k">b</span>'
                          '<p id="worksheet" class="nb-state">c</p>')
    assert "nb-output" not in html and "nb-menu" not in html and "nb-state" not in html
    assert 'id="' not in html and '<span class="k">b</span>' in html


PIXEL = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
         "AAAABJRU5ErkJggg==")


def test_a_jupyter_cells_attached_image_is_shown_from_its_attachment():
    html = renderTextCell("![a red dot](attachment:red.png)",
                          {"attachments": {"red.png": {"image/png": PIXEL}}})
    assert f'<img src="data:image/png;base64,{PIXEL}" alt="a red dot">' in html
    # No such attachment, or one that is no image: no source at all.
    for kept in ({}, {"attachments": {"red.png": {"text/html": "<b>x</b>"}}},
                 {"attachments": {"red.png": {'image/png"onerror="x': PIXEL}}},
                 {"attachments": {"red.png": {"image/png": "A" * (MAX_ATTACHMENT + 1)}}}):
        assert 'src=""' in renderTextCell("![x](attachment:red.png)", kept)


def test_a_data_url_is_an_images_source_only_never_a_link():
    html = renderMarkdown('<a href="data:text/html,<script>x</script>">l</a> '
                          '<img src="data:text/html,x"> <img src="data:image/gif;base64,R0lG">')
    assert "data:text/html" not in html
    assert 'src="data:image/gif;base64,R0lG"' in html


def test_a_raw_cell_is_shown_as_its_text():
    html = renderTextCell("raw \\LaTeX <b>bold</b> $x$", {"cell_type": "raw"})
    assert html == '<pre class="nb-md-plain nb-raw">raw \\LaTeX &lt;b&gt;bold&lt;/b&gt; $x$</pre>'


def test_a_tables_column_alignment_survives_the_sanitiser():
    html = renderMarkdown("| a | b | c |\n|:-:|--:|---|\n| 1 | 2 | 3 |")
    assert '<th align="center">a</th>' in html and '<td align="right">2</td>' in html
    assert "<td>3</td>" in html and "style" not in html


def test_a_latex_environment_alone_is_typeset_as_mathjax_does_in_jupyter():
    html = renderMarkdown("Two lines:\n\n\\begin{align} a &= b \\\\ c &= d \\end{align}\n\nDone.")
    assert '<div class="nb-math-block"><math' in html and "<mtable" in html
    assert html.count("\\begin{align}") == 1, "only as the math's TeX annotation"
    assert "<p>Done.</p>" in html
