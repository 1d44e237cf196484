"""Which outputs a new worksheet page carries (athena_nb.web.deferral) and how the others reach it:
the first cells' up to the budget, the others' run state only until the browser asks.

The site is the real one over in-memory HTTP on a Clock (tests/support/notebook.py); the
browser's side of it is tests/browser/test_bigworksheet.py.
"""

import base64
import struct
import zlib

import pytest

from athena_nb.web import deferral
from athena_nb.web.deferral import InlineBudget, outputHeight, outputWeight
from tests.support.notebook import NotebookEnv, runPython


class FakeCell:
    def __init__(self, outputs):
        self.outputs = outputs
        self._shared = {}

    def shared(self):
        return self._shared


def stream(text, name="stdout"):
    return {"type": "stream", "name": name, "text": text}


def test_a_page_carries_outputs_from_the_top_until_the_budget_then_only_empty_ones():
    budget = InlineBudget(limit=1000)
    cells = [FakeCell([stream("x" * 400)]), FakeCell([]), FakeCell([stream("y" * 400)]),
             FakeCell([stream("z" * 400)]), FakeCell([stream("w")]), FakeCell([])]
    assert [budget.take(c) for c in cells] == [True, True, True, False, False, True]


def test_a_first_cell_heavier_than_the_budget_is_deferred_too():
    budget = InlineBudget(limit=1000)
    assert [budget.take(c) for c in (FakeCell([stream("x" * 5000)]), FakeCell([stream("y")]))] \
        == [False, False]


def test_the_weight_counts_the_text_and_the_data_of_each_output():
    events = [stream("abc"), {"type": "display", "data": {"text/plain": "12345",
                                                           "image/png": "A" * 100}}]
    assert outputWeight(events) == 40 + len("stream") + len("stdout") + 3 + 40 + len("display") + 105


def png(height):
    header = struct.pack(">IIBBBBB", 7, height, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + header
    return base64.b64encode(data + struct.pack(">I", zlib.crc32(b"IHDR" + header))).decode()


def test_heights_follow_lines_images_and_the_tallest_a_text_is_drawn():
    line, gap = deferral.LINE, deferral.MARGIN
    assert outputHeight([stream("a\nb\nc\n")]) == round(gap + 3 * line + 4)
    # Pieces of one stream are one block; a long text scrolls inside its 40rem.
    assert outputHeight([stream("a\n"), stream("b\n")]) == round(gap + 2 * line + 4)
    assert outputHeight([stream("x\n" * 10_000)]) == round(gap + deferral.MAX_TEXT)
    # An image: its size from the metadata, else from the PNG's header, else a guess.
    image = {"type": "display", "data": {"image/png": png(123), "text/plain": "<img>"}}
    assert outputHeight([image]) == round(gap + 123)
    sized = dict(image, metadata={"image/png": {"height": 50}})
    assert outputHeight([sized]) == round(gap + 50)
    jpeg = {"type": "display", "data": {"image/jpeg": "/9j/", "text/plain": "<img>"}}
    assert outputHeight([jpeg]) == round(gap + deferral.IMAGE)
    assert outputHeight([]) == 0


# -- through the site ---------------------------------------------------------------------------


@pytest.fixture
def env():
    return NotebookEnv(autoRun=runPython)


def longSheet(env, cells=6, size=100_000):
    """A worksheet whose cells each printed ``size`` characters (stored as a run would)."""
    sheet = env.worksheet("Long", [f"print({i})" for i in range(cells)])
    snapshot = env.run(env.store.load_worksheet(sheet.id))
    for cell in snapshot.cells:
        env.store.append_outputs(cell.id, [("stream", {"name": "stdout", "text": "x" * size})])
        env.store.set_run_state(cell.id, "running")
        env.store.set_run_state(cell.id, "done", execution_count=1)
    env.settle()
    return sheet


def test_the_page_carries_the_first_outputs_and_the_others_come_when_asked(env):
    sheet = longSheet(env)
    owner = env.owner()
    _, page = env.open(sheet.id, owner)
    cells = page.cells
    assert [c.deferred for c in cells] == [False, False, True, True, True, True]
    assert cells[0].outputs[0]["text"] == "x" * 100_000
    assert cells[5].outputs == [] and cells[5].estimate > 0
    assert cells[5].length == 1  # what the log holds, though none of it came
    assert env.call(cells[5].loadOutputs())[0]["text"] == "x" * 100_000
    assert not cells[5].deferred


def test_a_deferred_cell_is_told_its_run_only_until_its_outputs_are_asked_for(env):
    sheet = longSheet(env)
    owner = env.owner()
    _, writer = env.open(sheet.id, owner)
    _, watcher = env.open(sheet.id, env.owner())
    far = watcher.cells[5]
    env.call(writer.cells[5].callRemote("run"))
    env.later(0.1)
    assert far.state == "done" and far.run["count"] == 1
    assert far.outputs == [] and far.deferred, "no output came with the run"
    assert [o["text"] for o in env.call(far.loadOutputs())] == ["5\n"]
    # From then on it is sent what changes, as any cell.
    env.call(writer.cells[5].callRemote("run"))
    env.later(0.1)
    assert [o["text"] for o in far.outputs] == ["5\n"] and far.run["count"] == 2
    assert far.updates >= 2


def test_a_small_worksheet_defers_nothing(env):
    sheet = longSheet(env, cells=4, size=1000)
    _, page = env.open(sheet.id, env.owner())
    assert [c.deferred for c in page.cells] == [False] * 4
    assert all(c.outputs for c in page.cells)
