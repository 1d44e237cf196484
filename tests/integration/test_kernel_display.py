"""Rich display in real Python kernels: IPython.display's objects, _repr_*_ methods, display ids,
clear_output, and a kernel without IPython (athena_nb/kernel/richoutput.py)."""

import importlib.util
import subprocess
import sys

import pytest
import pytest_twisted
from twisted.internet import reactor

from athena_nb.kernel import Kernel, KernelLimits
from athena_nb.terminal import fold, visibleText

pytestmark = pytest.mark.integration

#: IPython is in the test extra; the kernel runs under this interpreter.
needsIPython = pytest.mark.skipif(importlib.util.find_spec("IPython") is None,
                                  reason="IPython is not installed (pip install '.[test]').")


def displays(events):
    return [e for e in events if e["type"] in ("display", "update", "clear")]


@needsIPython
@pytest_twisted.ensureDeferred
async def test_every_ipython_display_object_arrives_as_its_mime_bundle(makeKernel, kt):
    """HTML, Markdown, Latex, Math, Image (PNG and JPEG), JSON, SVG and Pretty each arrive with
    their Jupyter MIME type; the builtin display is IPython's display."""
    kernel = await makeKernel()
    code = (
        "from IPython.display import display, HTML, Markdown, Latex, Math, Image, JSON, SVG, Pretty\n"
        "import IPython.display\n"
        "assert IPython.display.display is display\n"
        "display(HTML('<b>h</b>'), Markdown('# m'), Latex(r'$\\alpha$'), Math('x^2'))\n"
        "display(Image(data=b'\\x89PNG\\r\\n\\x1a\\nxx', format='png', width=20))\n"
        "display(Image(data=b'\\xff\\xd8\\xff\\xe0jj', format='jpeg'))\n"
        "display(JSON({'a': [1, 2]}), SVG('<svg xmlns=\"http://www.w3.org/2000/svg\"/>'))\n"
        "display(Pretty('pretty text'))\n"
        "HTML('<i>last</i>')\n"
    )
    result, events = await kt.run(kernel, code)
    assert result.status == "ok", events
    shown = [e["data"] for e in events if e["type"] == "display"]
    assert shown[0]["text/html"] == "<b>h</b>"
    assert shown[1]["text/markdown"] == "# m"
    assert shown[2]["text/latex"] == "$\\alpha$"
    assert shown[3]["text/latex"] == "$\\displaystyle x^2$"
    assert shown[4]["image/png"] == "iVBORw0KGgp4eA=="
    assert [e.get("metadata") for e in events if e["type"] == "display"][4] == {
        "image/png": {"width": 20}}
    assert shown[5]["image/jpeg"] == "/9j/4Gpq"
    assert shown[6]["application/json"] == {"a": [1, 2]}
    assert shown[7]["image/svg+xml"].startswith("<svg")
    assert shown[8] == {"text/plain": "pretty text"}
    [last] = [e for e in events if e["type"] == "result"]
    assert last["data"]["text/html"] == "<i>last</i>"


@pytest_twisted.ensureDeferred
async def test_repr_methods_and_mimebundles_give_every_form(makeKernel, kt):
    """_repr_*_ methods each give their MIME type; _repr_mimebundle_ comes first; a failing
    one costs only its own form; _ipython_display_ takes over."""
    kernel = await makeKernel()
    code = (
        "class Many:\n"
        "    def _repr_json_(self): return {'k': 1}\n"
        "    def _repr_markdown_(self): return '*md*'\n"
        "    def _repr_svg_(self): return '<svg/>'\n"
        "    def _repr_jpeg_(self): return b'JPG'\n"
        "    def _repr_html_(self): raise ValueError('broken')\n"
        "    def __repr__(self): return 'Many()'\n"
        "class Bundle:\n"
        "    def _repr_mimebundle_(self, include=None, exclude=None):\n"
        "        return {'text/html': '<p>b</p>', 'text/plain': 'B'}, {'text/html': {'isolated': True}}\n"
        "    def _repr_html_(self): return 'not used'\n"
        "class Self:\n"
        "    def _ipython_display_(self): display({'text/plain': 'by itself'}, raw=True)\n"
        "display(Many(), Bundle(), Self())\n"
    )
    result, events = await kt.run(kernel, code)
    assert result.status == "ok", events
    many, bundle, itself = displays(events)
    assert many["data"] == {"application/json": {"k": 1}, "text/markdown": "*md*",
                            "image/svg+xml": "<svg/>", "image/jpeg": "SlBH",
                            "text/plain": "Many()"}
    assert bundle["data"] == {"text/html": "<p>b</p>", "text/plain": "B"}
    assert bundle["metadata"] == {"text/html": {"isolated": True}}
    assert itself["data"] == {"text/plain": "by itself"}


@needsIPython
@pytest_twisted.ensureDeferred
async def test_display_ids_update_and_clear_output_reach_the_server(makeKernel, kt):
    """display(display_id=True), handle.update, update_display and clear_output(wait) are
    events the server can act on, in program order with printed text."""
    kernel = await makeKernel()
    code = (
        "from IPython.display import display, update_display, clear_output, HTML\n"
        "h = display(HTML('one'), display_id=True)\n"
        "print('between')\n"
        "h.update(HTML('two'))\n"
        "update_display('three', display_id=h.display_id)\n"
        "clear_output(wait=True)\n"
        "clear_output()\n"
        "h.display_id\n"
    )
    result, events = await kt.run(kernel, code)
    assert result.status == "ok", events
    kinds = [e["type"] for e in events if e["type"] != "file"]
    assert kinds == ["display", "stream", "update", "update", "clear", "clear", "result"]
    first, _, two, three, wait, now, handle = [e for e in events if e["type"] != "file"]
    displayId = handle["data"]["text/plain"].strip("'")
    assert first["displayId"] == two["displayId"] == three["displayId"] == displayId
    assert two["data"]["text/html"] == "two" and three["data"] == {"text/plain": "'three'"}
    assert wait == {"type": "clear", "wait": True} and now == {"type": "clear", "wait": False}


@pytest_twisted.ensureDeferred
async def test_stream_escapes_reach_the_notebook_as_printed(makeKernel, kt):
    """\\r progress and ANSI colours are passed on as printed: drawn as a terminal would (the
    browser's terminal.js, the server's twin here), the progress shows only its last state."""
    kernel = await makeKernel()
    code = (
        "import sys\n"
        "for i in range(101):\n"
        "    print('\\r%d%%' % i, end='', flush=True)\n"
        "print()\n"
        "print('\\x1b[31mred\\x1b[0m', file=sys.stderr)\n"
    )
    result, events = await kt.run(kernel, code)
    assert result.status == "ok"
    assert kt.text(events).endswith("\r99%\r100%\n")
    assert visibleText(kt.text(events)) == "100%\n"
    assert fold(kt.text(events)) == "\r100%\n"
    assert kt.text(events, "stderr") == "\x1b[31mred\x1b[0m\n"
    assert visibleText(kt.text(events, "stderr")) == "red\n"


@pytest_twisted.ensureDeferred
async def test_a_kernel_without_ipython_still_displays(kt, tmp_path):
    """Under an interpreter without IPython (a bare venv of this Python) the kernel starts, the
    builtin display shows rich forms and keeps display ids, and importing IPython fails as it
    should."""
    venv = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = str(venv / "bin" / "python")
    check = subprocess.run([python, "-c", "import IPython"], capture_output=True, timeout=60)
    assert check.returncode != 0, "the bare venv must not see IPython"
    cwd = tmp_path / "ws"
    cwd.mkdir()
    kernel = Kernel(reactor, python=python, cwd=str(cwd), limits=KernelLimits())
    await kt.withTimeout(kernel.start(), 120)
    try:
        code = (
            "class Rich:\n"
            "    def _repr_html_(self): return '<b>r</b>'\n"
            "h = display(Rich(), display_id='bar')\n"
            "h.update(Rich())\n"
            "try:\n"
            "    import IPython\n"
            "except ImportError:\n"
            "    print('no IPython')\n"
        )
        result, events = await kt.run(kernel, code)
        assert result.status == "ok", events
        shown = displays(events)
        assert [e["type"] for e in shown] == ["display", "update"]
        assert shown[0]["data"]["text/html"] == "<b>r</b>" and shown[1]["displayId"] == "bar"
        assert kt.text(events) == "no IPython\n"
    finally:
        await kt.withTimeout(kernel.shutdown(), 60)
