"""The big notebook's row of bench/browser.py (``big_page_ready``): 2,000 cells with 20 MB of outputs (bench/_bigsheet.py), page ready and a scroll to the end.  Tests: tests/integration/test_bench_smoke.py.

Page ready: from a new tab's navigation start until the first two cells (what the screen shows)
have their code in an editor and all their output, and athena-nb's page is live. Then, apart,
from that moment until, scrolled to the end, the last cell shows its code in an editor and its
typeset output; a scroll that does not get there within ``END_TIMEOUT`` is reported as such
(JupyterLab attaches its cells as they are scrolled to), and the next loads are not scrolled.
"""

from __future__ import annotations

import _bigsheet
from _browser import arm, pageLoads, result

#: Typeset mathematics in either page (athena-nb: MathML; JupyterLab: MathJax).
TYPESET = ".katex, mjx-container, math"

#: The big notebook is ready: its first ``k`` cells (what the screen shows) have an editor with
#: their code and show the output that contains their text; with ``live``, athena-nb's ``main``
#: is no longer busy.
BIG_READY = """([k, codes, outs, live]) => {
  if (live && (!document.querySelector('main') || document.querySelector('main[aria-busy="true"]'))) return false;
  const cells = __bench.cells();
  for (let i = 0; i < k; i++) {
    const c = cells[i];
    if (!c || !c.querySelector('.cm-editor') || __bench.editorText(c) !== codes[i]) return false;
    if (!__bench.outputs(c).some((o) => o.textContent.includes(outs[i]))) return false;
  }
  return true;
}"""

#: Scrolled to the end of the big notebook: its last cell has an editor with its ``code`` and an
#: output holding ``shown`` (a selector). Until then every check scrolls ``scroller`` (or the
#: page) to its end again, since the heights of the cells not drawn yet are only estimates.
BIG_END = """([code, shown, scroller]) => {
  const cells = __bench.cells();
  const c = cells[cells.length - 1];
  if (c && c.querySelector('.cm-editor') && __bench.editorText(c) === code
      && __bench.outputs(c).some((o) => o.matches(shown) || !!o.querySelector(shown))) return true;
  const boxes = scroller ? [...document.querySelectorAll(scroller)].filter((e) => e.clientHeight > 0)
    : [document.scrollingElement];
  const box = boxes[boxes.length - 1];
  if (box) box.scrollTop = box.scrollHeight;
  return false;
}"""


#: How long a scroll to the end of the big notebook may take before it counts as not reached.
END_TIMEOUT = 120


def bigPageReady(side, browser, n: int, sheet) -> tuple[list[float], float, list[float], bool]:
    """(warm samples, the first load with a cold cache, scrolls to the end, whether a scroll
    did not reach the end within ``END_TIMEOUT``), ms. After a scroll that did not, the next
    loads are not scrolled."""
    codes = [code for code, _ in sheet[:2]]
    outs = [f"cell {i} line {_bigsheet.STREAM_LINES - 1}:" for i in range(2)]
    ends, missed = [], []

    def scroll(page, ready, i):
        if i == 0 or missed:
            return
        arm(page, "end", BIG_END, [sheet[-1][0], TYPESET, side.bigScroller],
            timeout=END_TIMEOUT, frames=True)
        try:
            ends.append(result(page, "end") - ready)
        except TimeoutError:
            missed.append(i)

    samples, first = pageLoads(
        browser, side.bigLogin,
        lambda page: side.openLoad(page, BIG_READY, side.bigURL, [2, codes, outs, side.live], 300),
        n, timeout=300, after=scroll)
    return samples, first, ends, bool(missed)



