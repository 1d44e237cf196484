"""The typesetting corpus: real Sage ``latex()`` outputs (tests/data/sage_latex.py) all become
MathML, and a few have the structure they should."""

import re

import pytest

from athena_nb.render import renderLatexOutput
from tests.data.sage_latex import CORPUS


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("typed, latex", CORPUS, ids=[c[0] for c in CORPUS])
def test_every_sage_output_gives_mathml(typed, latex):
    html = renderLatexOutput(latex)
    assert html.count("<math") == 1, html
    assert "nb-tex-plain" not in html
    assert not re.search(r"<m[ion]>\\", html), "a command was passed through untypeset"


def _of(typed):
    return renderLatexOutput(dict(CORPUS)[typed])


def test_matrix_structure():
    html = _of("latex(identity_matrix(3))")
    assert html.count("<mtr>") == 3 and html.count("<mtd") == 9


def test_integral_structure():
    html = _of("latex(integral(sin(x), x, 0, pi, hold=True))")
    assert re.search(r"<msubsup><mo>∫</mo><mrow><mn>0</mn></mrow><mrow><mi>π</mi></mrow></msubsup>",
                     html)


def test_sum_structure():
    html = _of("latex(sum(1/k^2, k, 1, oo, hold=True))")
    assert "<msubsup><mo>∑</mo>" in html and "<mfrac>" in html and "∞" in html


def test_finite_field_structure():
    html = _of("latex(GF(9, 'a'))")
    assert re.search(r"<msub><mi>𝐅</mi><mrow><msup><mn>3</mn><mrow><mn>2</mn></mrow></msup>", html)


def test_continued_fraction_nests_four_fractions():
    html = _of("latex(continued_fraction(pi))")
    assert html.count("<mfrac>") == 4 and "⋱" in html


def test_piecewise_is_a_brace_and_a_two_row_table():
    html = _of("latex(piecewise([((0,1), x), ([1,2], x^2)]))")
    assert re.search(r'<mo[^>]*>\{</mo><mtable>', html) and html.count("<mtr>") == 2


def test_strings_are_monospace():
    assert '<mtext mathvariant="monospace">hello</mtext>' in _of("latex('hello') (Sage before 9.3)")


def test_sage_10_strings_are_monospace_text_not_tex():
    html = _of("latex('hello') (Sage 10)")
    assert '<mtext mathvariant="monospace">hello</mtext>' in html and "\\texttt" not in html.split(
        "<annotation")[0]
