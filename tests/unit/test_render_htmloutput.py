"""HTML outputs for published snapshots (athena_nb/render/htmloutput.py and css.py): markup
sanitised, styles kept as safe CSS for the output's own shadow root."""

from __future__ import annotations

import pytest

from athena_nb.render.css import cleanDeclarations, cleanStylesheet, forStyleElement
from athena_nb.render.htmloutput import TABLE_CSS, htmlOutput


def test_a_pandas_like_table_keeps_its_style_rules_and_attributes():
    html = ('<style scoped>.dataframe tbody tr th {vertical-align: top}\n'
            '.dataframe thead th {text-align: right;}</style>'
            '<table border="1" class="dataframe"><thead><tr style="text-align: right;">'
            '<th>a</th></tr></thead><tbody><tr><th>0</th></tr></tbody></table>')
    markup, css = htmlOutput(html)
    assert markup == ('<table border="1" class="dataframe"><thead><tr data-nb-style="0">'
                      '<th>a</th></tr></thead><tbody><tr><th>0</th></tr></tbody></table>')
    assert css == (TABLE_CSS + ".dataframe tbody tr th{vertical-align:top}"
                   ".dataframe thead th{text-align:right}"
                   '[data-nb-style="0"]{text-align:right !important}')


def test_the_same_style_attribute_is_one_rule():
    markup, css = htmlOutput('<b style="color:red">a</b><i style="color: red">b</i>')
    assert markup == '<b data-nb-style="0">a</b><i data-nb-style="0">b</i>'
    assert css == '[data-nb-style="0"]{color:red !important}'


@pytest.mark.parametrize("bad", [
    '<script>alert(1)</script>', '<img src=x onerror="alert(1)">', '<a href="javascript:x()">a</a>',
    '<iframe src="https://x.org"></iframe>', '<form action="https://x.org"><input></form>',
    '<object data="x"></object>', '<a href="data:text/html,<script>x()</script>">a</a>',
    '<img src="https://x.org/y.png">', '<b data-nb-style="9" style="">forged</b>',
    '<link rel="stylesheet" href="https://x.org/s.css">', '<svg onload="alert(1)"></svg>',
])
def test_nothing_that_runs_fetches_or_forges_a_style_survives(bad):
    markup, css = htmlOutput(bad)
    for word in ("script", "onerror", "onload", "javascript", "iframe", "form", "object",
                 "x.org", "data:text", 'data-nb-style="9"', "<link"):
        assert word not in markup, (bad, markup)
    assert css == ""


def test_selectors_and_at_rules_that_reach_out_of_the_shadow_root_are_dropped():
    sheet = (":host {display: none} :HOST(.x) {color: red} ::slotted(p) {color: red}"
             " .a::part(b) {color: red} :host-context(body) {color: red}"
             " @import url(x.css); @font-face {font-family: f; src: url(f.woff)}"
             " @property --x {syntax: '*'} @namespace svg url(x);"
             " p {color: blue} @media print {p {color: black} :host {color: red}}"
             " .part {color: green}")
    assert cleanStylesheet(sheet) == (
        "p{color:blue}@media print{p{color:black}}.part{color:green}")


def test_urls_other_than_data_go_with_their_declaration():
    assert cleanDeclarations(
        "color: red; background: url(https://x.org/a.png); border-image: url('x.png') 30;"
        " list-style-image: url(data:image/png;base64,AA==); cursor: image-set('y.png' 1x)"
    ) == "color:red;list-style-image:url(data:image/png;base64,AA==)"


def test_the_style_elements_text_cannot_end_it_early():
    markup, css = htmlOutput('<style>p::after {content: "</style><script>x()</script>"}</style>'
                             '<p>p</p>')
    assert "<" not in css and "\r" not in forStyleElement("a\r\nb")
    assert "script" not in markup


def test_a_table_is_drawn_as_jupyterlab_draws_a_dataframe_unless_it_says_otherwise():


    frame = '<table border="1" class="dataframe"><thead><tr><th>a</th></tr></thead></table>'
    markup, css = htmlOutput(frame)
    assert css.startswith(TABLE_CSS), "before the output's own rules, which win"
    assert "border:none" in TABLE_CSS and "<table" in markup
    _, own = htmlOutput('<style>td{padding:0}</style><table><tr><td>1</td></tr></table>')
    assert own.index(TABLE_CSS) < own.index("padding:0")
    assert htmlOutput("<p>no table</p>")[1] == ""
