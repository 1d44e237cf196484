"""Help and the signature hint through the real site, for the viewer who asks alone
(athena_nb.web.cellhelp): the kernel answers, the server renders, nothing is stored or sent
to the others.

Each viewer is a ``livefragments.client`` page over in-memory HTTP on a Clock; the kernels are
real, their workers scripted (tests/support/notebook.py).
"""

import pytest

from athena_nb.kernel import objecthelp
from tests.support.notebook import NotebookEnv
from tests.unit.test_hub_web import together
from tests.unit.test_render_docstring import sage


@pytest.fixture
def env():
    return NotebookEnv()


def _kernelStarted(env, page):
    """The first question starts the worksheet's kernel, as a run would."""
    env.call(page.cells[0].callRemote("signature", "len"))


def test_help_is_rendered_on_the_server_for_the_one_who_asked(env):
    sheet, (ann, carla, vic), hub = together(env)
    _kernelStarted(env, ann)
    env.worker.help["factor"] = {
        "found": True, "name": "factor", "type": "function", "module": "sage.arith.misc",
        "signature": "(n, proof=None)", "doc": sage("factor"), "file": None, "line": None,
        "source": "def factor(n, proof=None):\n    pass\n", "text": "factor: help"}
    panel = env.call(ann.cells[0].callRemote("help", "factor", 1))
    assert panel["found"] is True and panel["name"] == "factor"
    assert '<span class="gp">sage: </span>' in panel["html"] and "<math" in panel["html"]
    assert '<span class="k">def</span>' in panel["html"]
    asked = [m for m in env.worker.sent if m["op"] == "introspect"]
    assert asked[-1]["name"] == "factor" and asked[-1]["detail"] == 1
    env.settle()
    assert [c.outputs for c in carla.cells + ann.cells] == [[]] * 4  # nothing shown
    assert not env.run(env.store.load_worksheet(sheet.id)).cells[0].outputs


def test_help_for_a_missing_name_says_so(env):
    sheet, (ann, carla, vic), hub = together(env)
    _kernelStarted(env, ann)
    panel = env.call(ann.cells[0].callRemote("help", "nothing_here"))
    assert panel == {"found": False, "message": "nothing_here: help"}


def test_while_a_cell_runs_help_is_refused_and_the_hint_is_quiet(env):
    sheet, (ann, carla, vic), hub = together(env)
    env.call(ann.cells[0].callRemote("run"))
    env.settle()
    refused = env.call(ann.cells[0].callRemote("help", "len"))
    assert refused.type == "KernelBusyError"
    assert refused.message.startswith("The kernel is busy running a cell")
    hint = env.call(ann.cells[0].callRemote("signature", "len"))
    assert hint["found"] is False and hint["reason"].startswith("The kernel is busy")
    assert [m["op"] for m in env.worker.sent].count("signature") == 0


def test_the_hint_is_rendered_from_the_kernels_answer(env):
    sheet, (ann, carla, vic), hub = together(env)
    _kernelStarted(env, ann)
    env.worker.signatures["sorted"] = objecthelp.signature({}, "sorted")
    hint = env.call(ann.cells[0].callRemote("signature", "sorted"))
    assert hint["found"] is True and hint["name"] == "sorted"
    assert hint["signature"].startswith('<span class="nb">sorted</span><span class="p">(')
    assert hint["doc"].startswith("Return a new list containing all items")
    assert env.call(ann.cells[0].callRemote("signature", "nope")) == {"found": False}


@pytest.mark.parametrize("name", ["1 + 1", "os.system('x')", "", "a..b", "x" * 501, 7])
def test_only_dotted_names_may_be_asked(env, name):
    sheet, (ann, carla, vic), hub = together(env)
    for method in ("help", "signature"):
        refused = env.call(ann.cells[0].callRemote(method, name))
        assert refused.type == "BadArguments" and "dotted name" in refused.message
    refused = env.call(ann.cells[0].callRemote("help", "len", 2))
    assert refused.type == "BadArguments"
