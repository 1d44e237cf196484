"""Help from real kernels: completion kinds, structured help, the signature hint, in Python and
in Sage (athena_nb.kernel.objecthelp in the worker process, athena_nb.render.help on top).

The Sage tests are marked ``sage``: skipped where sage.all does not import, a failure under
CI=true (conftest.py).
"""

import pytest
import pytest_twisted

from athena_nb.kernel import KernelBusyError
from athena_nb.render import renderHelp, renderHint
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


@pytest_twisted.ensureDeferred
async def test_python_kernel_help_hint_and_kinds(makeKernel, kt):
    kernel = await makeKernel()
    await kt.run(kernel, "import json\nclass Box:\n    'A box.'\n    def open(self, lid=1):\n"
                         "        '''Open the box.'''\nbox = Box()")
    reply = await kt.withTimeout(kernel.complete("bo", 2))
    assert dict(zip(reply["matches"], reply["types"], strict=True)) == {
        "bool": "class", "box": "instance"}
    reply = await kt.withTimeout(kernel.complete("Bo", 2))
    assert reply["types"] == ["class"]
    hint = await kt.withTimeout(kernel.signature("box.open"))
    assert hint == {"found": True, "name": "box.open", "signature": "(lid=1)",
                    "doc": "Open the box."}
    info = await kt.withTimeout(kernel.introspect("json.dumps", 1))
    panel = renderHelp(info)
    assert "<h3>Source</h3>" in panel["html"] and "<code>obj</code>" in panel["html"]

    events = []
    request = kernel.execute("print('busy', flush=True)\nimport time\ntime.sleep(30)",
                             events.append)
    await eventually(lambda: "busy" in kt.text(events), "The cell's first output")
    with pytest.raises(KernelBusyError):
        await kernel.signature("len")
    await kt.withTimeout(kernel.interrupt())
    assert (await request.deferred).status == "interrupted"


@pytest_twisted.ensureDeferred
async def test_a_sandboxed_kernel_completes_from_a_cell_that_has_not_run(makeSandboxed, kt):
    """``import math`` then ``math.sq`` and Tab before the cell ran: jedi reads the source,
    inside the sandbox too (its home is not writable there)."""
    pytest.importorskip("jedi")
    kernel = await makeSandboxed()
    code = "import math\nmath.sq"
    reply = await kt.withTimeout(kernel.complete(code, len(code)), 60)
    assert reply["matches"] == ["math.sqrt"] and reply["types"] == ["function"]


@pytest.mark.sage
@pytest_twisted.ensureDeferred
async def test_sage_kernel_help_is_rendered_with_sages_conventions(makeKernel, kt):
    kernel = await makeKernel("sage")
    info = await kt.withTimeout(kernel.introspect("factor", 1), 60)
    assert info["found"] and info["module"].startswith("sage.")
    assert "EXAMPLES::" in info["doc"] and "def factor(" in info["source"]
    html = renderHelp(info)["html"]
    assert '<span class="gp">sage: </span>' in html and "<h4>Examples</h4>" in html
    assert "<math" in html and not html.startswith('<pre class="nb-doc-plain">')
    info = await kt.withTimeout(kernel.introspect("Integer.is_prime", 1), 60)
    assert info["doc"] and info["source"] and "def is_prime" in info["source"]
    assert info["file"].endswith("integer.pyx")
    hint = renderHint(await kt.withTimeout(kernel.signature("binomial"), 60))
    assert hint["found"] is True and "binomial coefficient" in hint["doc"]
    reply = await kt.withTimeout(kernel.complete("facto", 5), 60)
    kinds = dict(zip(reply["matches"], reply["types"], strict=True))
    assert kinds["factor"] == "function"
    reply = await kt.withTimeout(kernel.complete("ZZ.is_f", 7), 60)
    assert set(reply["types"]) <= {"function", "property", "instance"} and reply["matches"]
