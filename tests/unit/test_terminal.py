"""athena_nb/terminal.py: the server's side of stream text as a terminal shows it."""

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from athena_nb.terminal import fold, visibleText

VECTORS = json.loads((Path(__file__).parent.parent / "vectors" / "terminal" / "visible.json")
                     .read_text(encoding="utf-8"))["cases"]

#: Pieces of stream text that exercise every rule: text, line ends, overwrites, escapes
#: (colours, erases, one cut in two), controls.
PIECES = st.lists(st.sampled_from([
    "a", "bc", "xyz1", "é", "\t", "\r", "\n", "\r\n", "\b", "\x1b[31m", "\x1b[0m", "\x1b[K",
    "\x1b[2K", "\x1b[1K", "\x1b[", "3", "m", "\x00", "\x1b]0;t\x07"]), max_size=30).map("".join)


def test_the_shared_vectors():
    """The same cases the browser's terminal passes (tests/js/athena_nb/terminal.test.mjs)."""
    for case in VECTORS:
        assert visibleText("".join(case["pieces"])) == case["visible"], case["name"]


def test_a_progress_loop_folds_to_its_last_state():
    loop = "".join("\r%d%%" % i for i in range(101))
    assert fold(loop + "\n") == "\r100%\n"
    assert fold("start\n" + loop) == "start\n\r100%"
    assert fold("\r100%\r5") == "\r500%\r5", "the cursor stays after the last part"
    assert fold("\x1b[31m\r1\r2\n") == "\x1b[31m\r1\r2\n", "lines with escapes stay as they are"


@given(PIECES, PIECES, PIECES)
def test_folding_never_changes_what_is_shown_whatever_comes_around_it(before, text, after):
    """So stored batches and a new viewer's copy can each be folded on their own."""
    assert visibleText(before + fold(text) + after) == visibleText(before + text + after)
