"""Sage ``latex()`` outputs as Sage prints them, the typesetting corpus (docs/typesetting.md).

Used by tests/unit/test_render_corpus.py and dev/typeset_corpus.py (the docs' screenshot).
Each entry is (what was typed in Sage, what ``latex()`` or ``show()`` gave as text/latex).
"""

CORPUS = [
    # polynomials, rationals, roots
    ("latex(x^2)", r"x^{2}"),
    ("latex((x+1)^3)", r"{\left(x + 1\right)}^{3}"),
    ("latex(expand((x+1)^3))", r"x^{3} + 3 \, x^{2} + 3 \, x + 1"),
    ("latex(1/2)", r"\frac{1}{2}"),
    ("latex((x^2+1)/(x-1))", r"\frac{x^{2} + 1}{x - 1}"),
    ("latex(sqrt(2))", r"\sqrt{2}"),
    ("latex(sqrt(x^2+1))", r"\sqrt{x^{2} + 1}"),
    ("latex(2^(1/3))", r"2^{\frac{1}{3}}"),
    ("latex(x^(1/3))", r"x^{\frac{1}{3}}"),
    ("latex(solve(x^2-2==0, x))", r"\left[x = -\sqrt{2}, x = \sqrt{2}\right]"),
    # Greek, functions
    ("var('alpha beta theta'); latex(alpha+beta*theta)", r"\beta \theta + \alpha"),
    ("latex(sin(theta)^2 + cos(theta)^2)", r"\cos\left(\theta\right)^{2} + \sin\left(\theta\right)^{2}"),
    ("latex(exp(-x^2))", r"e^{\left(-x^{2}\right)}"),
    ("latex(log(x))", r"\log\left(x\right)"),
    ("latex(gamma(x))", r"\Gamma\left(x\right)"),
    ("latex(zeta(s))", r"\zeta\left(s\right)"),
    ("latex(binomial(n, k))", r"{n \choose k}"),
    ("latex(factorial(n))", r"n!"),
    # calculus
    ("latex(integrate(x^2, x))", r"\frac{1}{3} \, x^{3}"),
    ("latex(integral(sin(x), x, 0, pi, hold=True))", r"\int_{0}^{\pi} \sin\left(x\right)\,{d x}"),
    ("latex(integral(exp(-x^2), x, -oo, oo, hold=True))",
     r"\int_{-\infty}^{+\infty} e^{\left(-x^{2}\right)}\,{d x}"),
    ("latex(diff(f(x), x))", r"\frac{\partial}{\partial x}f\left(x\right)"),
    ("latex(sum(1/k^2, k, 1, oo, hold=True))", r"{\sum_{k=1}^{+\infty} \frac{1}{k^{2}}}"),
    ("latex(limit(sin(x)/x, x=0, hold=True))",
     r"\lim_{x \to 0}\, \frac{\sin\left(x\right)}{x}"),
    ("latex(taylor(exp(x), x, 0, 3))", r"\frac{1}{6} \, x^{3} + \frac{1}{2} \, x^{2} + x + 1"),
    # matrices
    ("latex(matrix([[1,2],[3,4]]))",
     "\\left(\\begin{array}{rr}\n1 & 2 \\\\\n3 & 4\n\\end{array}\\right)"),
    ("latex(matrix(QQ, [[1/2,0],[0,1/3]]))",
     "\\left(\\begin{array}{rr}\n\\frac{1}{2} & 0 \\\\\n0 & \\frac{1}{3}\n\\end{array}\\right)"),
    ("latex(identity_matrix(3))",
     "\\left(\\begin{array}{rrr}\n1 & 0 & 0 \\\\\n0 & 1 & 0 \\\\\n0 & 0 & 1\n\\end{array}\\right)"),
    ("latex(matrix(SR, [[x, sin(x)], [0, x^2]]))",
     "\\left(\\begin{array}{rr}\nx & \\sin\\left(x\\right) \\\\\n0 & x^{2}\n\\end{array}\\right)"),
    ("latex(vector([1, 2, 3]))", r"\left(1,\,2,\,3\right)"),
    ("latex(matrix(GF(2), [[1,0],[1,1]]).det())", r"1"),
    # rings, fields, finite fields
    ("latex(ZZ)", r"\Bold{Z}"),
    ("latex(QQ)", r"\Bold{Q}"),
    ("latex(RR)", r"\Bold{R}"),
    ("latex(CC)", r"\Bold{C}"),
    ("latex(GF(7))", r"\Bold{F}_{7}"),
    ("latex(GF(9, 'a'))", r"\Bold{F}_{3^{2}}"),
    ("latex(GF(7)['x'])", r"\Bold{F}_{7}[x]"),
    ("latex(QQ['x','y'])", r"\Bold{Q}[x, y]"),
    ("R.<x> = GF(7)[]; latex(x^3 + 2*x + 5)", r"x^{3} + 2 x + 5"),
    ("R.<x> = GF(2)[]; latex(factor(x^4 + 1))", r"(x + 1)^{4}"),
    ("latex(Integers(12))", r"\ZZ/12\ZZ"),
    ("latex(QQbar)", r"\overline{\QQ}"),
    ("latex(ZZ^3)", r"\Bold{Z}^{3}"),
    ("latex(NumberField(x^2+1, 'i'))", r"\Bold{Q}[i]/(i^{2} + 1)"),
    # continued fractions, numbers
    ("latex(continued_fraction(pi))",
     r"3 + \frac{\displaystyle 1}{\displaystyle 7 + \frac{\displaystyle 1}{\displaystyle 15"
     r" + \frac{\displaystyle 1}{\displaystyle 1 + \frac{\displaystyle 1}{\displaystyle 292"
     r" + \ddots}}}}"),
    ("latex(continued_fraction(17/3))",
     r"5 + \frac{\displaystyle 1}{\displaystyle 1 + \frac{\displaystyle 1}{\displaystyle 2}}"),
    ("latex(factor(360))", r"2^{3} \cdot 3^{2} \cdot 5"),
    ("latex(RR(pi))", r"3.14159265358979"),
    ("latex(I + 2)", r"i + 2"),
    # graphs, lists, sets, strings
    ("latex(graphs.PetersenGraph().degree_sequence())",
     r"\left[3, 3, 3, 3, 3, 3, 3, 3, 3, 3\right]"),
    ("latex(graphs.StarGraph(3).degree_sequence())", r"\left[3, 1, 1, 1\right]"),
    ("latex(Set([1,2,3]))", r"\left\{1, 2, 3\right\}"),
    ("latex((1, x, 'a'))", r"\left(1, x, \verb|a|\right)"),
    ("latex('hello') (Sage before 9.3)", r"\verb|hello|"),
    ("latex(SymmetricGroup(3))", r"\langle (1,2,3), (1,2) \rangle"),
    ("latex(Permutation([2,1,3]))", r"[2, 1, 3]"),
    ("latex(SL(2, ZZ))", r"\text{SL}(2, \Bold{Z})"),
    ("latex(EllipticCurve([0,0,1,-1,0]))", r"y^2 + y = x^{3} - x "),
    ("latex(x.parent())", r"\text{SR}"),
    ("latex(ZZ['x'].gen().parent())", r"\Bold{Z}[x]"),
    # piecewise, relations
    ("latex(piecewise([((0,1), x), ([1,2], x^2)]))",
     "\\begin{cases}\nx & \\text{on } \\left(0, 1\\right)\\\\\nx^{2} & \\text{on } "
     "\\left[1, 2\\right]\n\\end{cases}"),
    ("latex(x^2 <= 4)", r"x^{2} \leq 4"),
    ("latex(abs(x))", r"{\left| x \right|}"),
    ("latex(floor(x/2))", r"\left \lfloor \frac{1}{2} \, x \right \rfloor"),
    ("latex(conjugate(x))", r"\overline{x}"),
    # show() as the notebook backends get it, with the macro definitions Sage puts in front
    ("show(x^2)", r"\(\displaystyle x^{2}\)"),
    ("show(ZZ)", r"\newcommand{\Bold}[1]{\mathbf{#1}}\(\displaystyle \Bold{Z}\)"),
    ("show(matrix([[1,2],[3,4]]))",
     "\\[\\newcommand{\\Bold}[1]{\\mathbf{#1}}\\left(\\begin{array}{rr}\n1 & 2 \\\\\n3 & 4\n"
     "\\end{array}\\right)\\]"),
    ("latex(CDF)", r"\Bold{C}"),
    ("latex(GF(7^3,'b')['y'])", r"\Bold{F}_{7^{3}}[y]"),
    ("latex('hello') (Sage 10)", r"\text{\texttt{hello}}"),
    ("latex(Zp(5))", r"\Bold{Z}_{5}"),
    ("latex(PolynomialRing(GF(5), 't').fraction_field())", r"\mathrm{Frac}(\Bold{F}_{5}[t])"),
]
