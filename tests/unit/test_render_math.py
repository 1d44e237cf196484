"""LaTeX to MathML (athena_nb.render.math and tex): formulas, Sage's macros, text/latex outputs."""

import re

import pytest

from athena_nb.render import renderLatex, renderLatexOutput
from athena_nb.render.tex import MacroError, expand


def test_a_formula_becomes_mathml_with_its_tex_kept():
    html = renderLatex(r"\frac{1}{2}")
    assert html.startswith('<math display="inline"><semantics>')
    assert "<mfrac><mrow><mn>1</mn></mrow><mrow><mn>2</mn></mrow></mfrac>" in html
    assert '<annotation encoding="application/x-tex">\\frac{1}{2}</annotation>' in html
    assert renderLatex("x", display=True).startswith('<math display="block">')


@pytest.mark.parametrize("tex, bold", [
    (r"\ZZ", "𝐙"), (r"\QQ", "𝐐"), (r"\RR", "𝐑"), (r"\CC", "𝐂"), (r"\Z", "𝐙"), (r"\Q", "𝐐"),
    (r"\R", "𝐑"), (r"\C", "𝐂"), (r"\Bold{Z}", "𝐙"), (r"\GF{7}", "𝐅"),
])
def test_sages_macros_are_expanded(tex, bold):
    html = renderLatex(tex)
    assert bold in html and "nb-tex-plain" not in html


def test_gf_zmod_and_qqbar_expand_to_the_right_shapes():
    assert expand(r"\GF{7}") == r"\mathbf{F}_{7}"
    assert expand(r"\Zmod{12}") == r"\mathbf{Z}/12\mathbf{Z}"
    assert expand(r"\QQbar") == r"\overline{\mathbf{Q}}"
    assert expand(r"\ZZ[x]") == r"\mathbf{Z}[x]"


def test_newcommand_in_the_text_defines_a_macro():
    assert expand(r"\newcommand{\Bold}[1]{\mathbb{#1}}\Bold{Z}") == r"\mathbb{Z}"
    assert expand(r"\newcommand{\half}{\frac{1}{2}}x\half") == r"x\frac{1}{2}"


def test_a_macro_defined_in_terms_of_itself_is_refused_not_hung():
    with pytest.raises(MacroError):
        expand(r"\newcommand{\a}{\a\a}\a")
    assert "nb-tex-plain" in renderLatex(r"\newcommand{\a}{x\a}\a")


def test_verb_texttt_and_mathrm_as_sage_writes_them():
    assert '<mtext mathvariant="monospace">hello</mtext>' in renderLatex(r"\verb|hello|")
    assert '<mtext mathvariant="monospace">abc</mtext>' in renderLatex(r"\texttt{abc}")
    assert 'mathvariant="normal">F</mi>' in renderLatex(r"\mathrm{Frac}")
    assert r"\verb|\ZZ|" == expand(r"\verb|\ZZ|")  # its text is not TeX


def test_a_sage_matrix_is_a_fenced_right_aligned_table():
    html = renderLatex("\\left(\\begin{array}{rr}\n1 & 2 \\\\\n3 & 4\n\\end{array}\\right)")
    assert html.count("<mtr>") == 2 and html.count('<mtd columnalign="right">') == 4
    assert re.search(r'<mo[^>]*fence="true"[^>]*>\(</mo><mtable>', html)


@pytest.mark.parametrize("tex", [r"\frac{1}{", r"\nosuchmacro{x}", "x^", r"\begin{array}",
                                 r"\left(x", "x" * 30_000])
def test_what_cannot_be_typeset_is_readable_tex_in_code(tex):
    html = renderLatex(tex)
    assert html.startswith('<code class="nb-tex-plain"') and "<math" not in html
    assert tex[:20].replace("<", "&lt;") in html


def test_tex_source_is_escaped_in_the_fallback():
    html = renderLatex(r"\nosuch{<script>alert(1)</script>}")
    assert "<script" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("output, display", [
    (r"\(\displaystyle x^{2}\)", "inline"),
    (r"$x^{2}$", "inline"),
    (r"$$x^{2}$$", "block"),
    (r"\[x^{2}\]", "block"),
    (r"x^{2}", "block"),
    (r"\begin{equation*}x^{2}\end{equation*}", "block"),
])
def test_text_latex_outputs_in_every_form_kernels_give(output, display):
    html = renderLatexOutput(output)
    assert html.count("<math") == 1 and f'<math display="{display}">' in html
    assert "<msup><mi>x</mi><mrow><mn>2</mn></mrow></msup>" in html


def test_sages_show_with_its_macro_definitions_in_front():
    html = renderLatexOutput(r"\newcommand{\Bold}[1]{\mathbf{#1}}\(\displaystyle \Bold{Z}\)")
    assert "𝐙" in html and "newcommand" not in html.split("<annotation")[0]


def test_words_with_formulas_are_escaped_text_and_mathml():
    html = renderLatexOutput(r"The root of $x^2 = 2$ is <b>$\sqrt{2}$</b>")
    assert html.startswith("The root of <math") and "&lt;b&gt;" in html
    assert html.count("<math") == 2


def test_empty_output_is_empty():
    assert renderLatexOutput("  ") == "" and renderLatex("") == ""
