"""Text cells and typeset outputs through the real site: converting, rendering once for every
viewer, never running, read-only viewers, the Typeset setting, text/latex outputs.

Each viewer is a ``livefragments.client`` page over in-memory HTTP on a Clock
(tests/support/notebook.py); the kernels are real, their workers scripted.
"""

import pytest

from athena_nb import cells as cellsModule
from livefragments import Settings, Shared
from tests.support.notebook import NotebookEnv, runPython
from tests.unit.test_hub_web import together

SETTLE = Settings().settleSeconds


@pytest.fixture
def env():
    return NotebookEnv(autoRun=runPython)


def convert(env, page, index, kind):
    return env.call(page.cells[index].callRemote("setKind", kind))


def test_converting_is_stored_and_every_viewer_sees_the_kind_and_the_html(env):
    sheet, (ann, carla, vic), hub = together(env, cells=("# Title\n\n$x^2$", "1 + 1"))
    assert [c.kind for c in ann.cells] == ["code", "code"]
    assert convert(env, carla, 0, "text") == "text"
    env.later(SETTLE)
    stored = env.run(env.store.load_worksheet(sheet.id)).cells
    assert [c.kind for c in stored] == ["text", "code"]
    for page in (ann, carla, vic):
        view = page.cells[0].views[-1]
        assert page.cells[0].kind == "text" and view["kind"] == "text"
        assert "<h1>Title</h1>" in view["html"] and "<math" in view["html"]
    assert convert(env, ann, 0, "code") == "code"
    env.later(SETTLE)
    assert env.run(env.store.load_worksheet(sheet.id)).cells[0].kind == "code"
    assert vic.cells[0].views[-1] == {"kind": "code", "version": 0, "html": None}


def test_the_page_renders_a_text_cell_and_a_reopened_hub_keeps_its_kind(env):
    sheet, (ann, carla, vic), hub = together(env, cells=("*hello* $\\alpha$",))
    convert(env, ann, 0, "text")
    env.settle()
    html = env.owner().get(f"/worksheets/{sheet.id}/").body.decode()
    assert 'data-kind="text"' in html and "<em>hello</em>" in html and "<math" in html
    assert "athena_nb/highlight.css" in html


def test_making_a_cell_text_drops_its_outputs(env):
    sheet, (ann, carla, vic), hub = together(env, cells=("print('out')",))
    env.call(ann.cells[0].callRemote("run"))
    env.later(SETTLE)
    assert ann.cells[0].streamText() == "out\n"
    convert(env, ann, 0, "text")
    env.later(SETTLE)
    assert hub.cells[0].outputs == [] and vic.cells[0].outputs == []
    assert env.run(env.store.load_worksheet(sheet.id)).cells[0].outputs == ()


def test_a_text_cell_never_reaches_the_kernel(env):
    sheet, (ann, carla, vic), hub = together(env, cells=("raise SystemExit('ran')", "# *note*"))
    convert(env, ann, 0, "text")
    convert(env, ann, 1, "text")
    assert env.call(ann.cells[0].callRemote("run")) is False
    assert env.call(ann.callRemote("runAll")) == 0
    assert env.call(ann.cells[1].callRemote("runAbove")) == 0
    env.later(SETTLE)
    assert env.kernels == [] and env.workers.made == [], "no kernel was started"
    assert [c.state for c in hub.cells] == ["idle", "idle"]


def test_a_running_cell_cannot_change_its_kind_and_a_bad_kind_is_refused(env):
    env = NotebookEnv()  # the test ends the run itself
    sheet, (ann, carla, vic), hub = together(env, cells=("slow()",))
    env.call(ann.cells[0].callRemote("run"))
    env.settle()
    refused = env.call(ann.cells[0].callRemote("setKind", "text"))
    assert refused.type == "BadRequest" and "queued or running" in refused.message
    bad = env.call(ann.cells[0].callRemote("setKind", "markdown"))
    assert bad.type == "BadArguments"
    assert hub.cells[0].kind == "code"


def test_a_read_only_viewer_cannot_convert_or_edit_a_text_cell(env):
    sheet, (ann, carla, vic), hub = together(env, cells=("# note",))
    convert(env, ann, 0, "text")
    env.settle()
    for name, args in (("setKind", ("code",)), ("edit", ([{"at": 0, "insert": "x"}], 0))):
        refused = env.call(vic.cells[0].callRemote(name, *args))
        assert refused.type == "NotAllowed", name
    assert refused.type == "NotAllowed"
    assert env.call(vic.callRemote("setTypeset", False)).type == "NotAllowed"
    assert hub.cells[0].kind == "text" and hub.cells[0].text == "# note" and hub.typeset


def test_typing_in_a_text_cell_renders_once_per_change_shared_by_every_viewer(env, monkeypatch):
    sheet, (ann, carla, vic), hub = together(env, cells=("Hello",))
    convert(env, ann, 0, "text")
    env.later(SETTLE)
    renders = []
    original = cellsModule.renderTextCell
    monkeypatch.setattr(cellsModule, "renderTextCell",
                        lambda text, kept: renders.append(text) or original(text, kept))
    for page in (ann, carla, vic):
        page.cells[0].views.clear()
    ann.cells[0].type(5, " $x$")
    env.later(SETTLE)
    assert renders == ["Hello $x$"]
    views = [page.cells[0].views for page in (ann, carla, vic)]
    assert all(len(v) == 1 and "<math" in v[0]["html"] and v[0]["version"] == 1 for v in views)
    shared = hub.cells[0].viewShared()[1]["view"]
    assert isinstance(shared, Shared)
    carla.cells[0].type(0, "## ")
    env.later(SETTLE)
    assert renders == ["Hello $x$", "## Hello $x$"]
    assert all("<h2>" in page.cells[0].views[-1]["html"] for page in (ann, carla, vic))


def test_a_latex_output_is_typeset_once_on_the_server_and_sent_with_its_text(env):
    env = NotebookEnv()
    sheet, (ann, carla, vic), hub = together(env, cells=("show(x^2)",))
    env.call(ann.cells[0].callRemote("run"))
    env.settle()
    env.worker.done("ok", [{"type": "result", "data": {
        "text/plain": "x^2", "text/latex": r"\(\displaystyle x^{2}\)"}}])
    env.later(SETTLE)
    for page in (ann, carla, vic):
        (result,) = page.cells[0].ofType("result")
        assert result["data"]["text/plain"] == "x^2"
        assert "<msup><mi>x</mi><mrow><mn>2</mn></mrow></msup>" in result["math"]
    env.run(hub.close())
    stored = env.run(env.store.load_worksheet(sheet.id)).cells[0].outputs[0]
    assert "<math" in stored.payload["math"]


def test_a_markdown_output_is_rendered_and_sanitised_once_on_the_server(env):
    """A %md cell's output or IPython's Markdown: every viewer gets the same safe HTML, stored
    with the output (its math typeset, its script dropped)."""
    env = NotebookEnv()
    sheet, (ann, carla, vic), hub = together(env, cells=("%md\n# Hi",))
    env.call(ann.cells[0].callRemote("run"))
    env.settle()
    env.worker.done("ok", [{"type": "display", "data": {
        "text/plain": "x", "text/markdown": "**bold** $x^2$ <script>evil()</script>"}}])
    env.later(SETTLE)
    for page in (ann, carla, vic):
        (shown,) = page.cells[0].ofType("display")
        assert "<strong>bold</strong>" in shown["markdown"] and "<math" in shown["markdown"]
        assert "<script" not in shown["markdown"] and "evil" not in shown["markdown"]
    env.run(hub.close())
    stored = env.run(env.store.load_worksheet(sheet.id)).cells[0].outputs[0]
    assert "<strong>bold</strong>" in stored.payload["markdown"]


def test_the_typeset_setting_is_stored_and_told_to_every_viewer(env):
    sheet, (ann, carla, vic), hub = together(env)
    assert all(page.typeset for page in (ann, carla, vic))
    assert env.call(carla.callRemote("setTypeset", False)) is False
    env.settle()
    assert [page.typeset for page in (ann, carla, vic)] == [False, False, False]
    assert env.run(env.store.load_worksheet(sheet.id)).metadata["typeset"] is False
    html = env.owner().get(f"/worksheets/{sheet.id}/").body.decode()
    assert 'data-typeset="false"' in html and 'aria-pressed="false"' in html
    bad = env.call(ann.callRemote("setTypeset", "no"))
    assert bad.type == "BadRequest"


def test_typeset_sage_results_is_stored_told_and_sent_with_each_run(env):
    """"Typeset every Sage result" (off at first) is stored, every viewer is told it with the
    Typeset setting, and each run takes it to the kernel as it is when the cell starts."""
    sheet, (ann, carla, vic), hub = together(env, cells=("1 + 1",))
    assert [page.typesetResults for page in (ann, carla, vic)] == [False, False, False]
    env.call(ann.cells[0].callRemote("run"))
    env.later(SETTLE)
    assert env.worker.lastExecute()["typesetResults"] is False
    assert env.call(carla.callRemote("setTypesetResults", True)) is True
    env.settle()
    assert [(page.typeset, page.typesetResults) for page in (ann, carla, vic)] == [(True, True)] * 3
    assert env.run(env.store.load_worksheet(sheet.id)).metadata["typesetResults"] is True
    env.call(ann.cells[0].callRemote("run"))
    env.later(SETTLE)
    assert env.worker.lastExecute()["typesetResults"] is True
    html = env.owner().get(f"/worksheets/{sheet.id}/").body.decode()
    assert 'data-action="typesetResults" aria-pressed="true"' in html
    assert env.call(vic.callRemote("setTypesetResults", False)).type == "NotAllowed"
    bad = env.call(ann.callRemote("setTypesetResults", 1))
    assert bad.type == "BadRequest" and "Sage" in bad.message and "not 1" in bad.message
