"""``athena-nb run``: a notebook run from start to end with no server (athena_nb.headless), as a
real process with a real kernel."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

pytestmark = pytest.mark.integration


def run(tmp_path, cells, *args):
    notebook = new_notebook()
    notebook.cells = cells
    source = tmp_path / "work.ipynb"
    source.write_text(nbformat.writes(notebook))
    done = subprocess.run([sys.executable, "-m", "athena_nb.cli", "run", str(source), *args],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    return done


def test_a_notebook_that_plots_and_fails_halfway_is_saved_up_to_the_failure(tmp_path):
    done = run(tmp_path, [
        new_markdown_cell("# A run"),
        new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 4, 9])\nx = 21"),
        new_code_cell("print('before', x * 2)"),
        new_code_cell("1 / 0"),
        new_code_cell("print('after')"),
    ], "--output", str(tmp_path / "out.ipynb"))
    assert done.returncode == 1, done.stderr
    assert "cell 4 ended with error" in done.stderr
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    nbformat.validate(out)
    plot, printed, failed, skipped = out.cells[1:]
    assert any("image/png" in o.get("data", {}) for o in plot.outputs)
    assert printed.outputs[0].text == "before 42\n" and printed.execution_count == 2
    assert failed.outputs[-1].output_type == "error"
    assert failed.outputs[-1].ename == "ZeroDivisionError"
    assert skipped.outputs == [] and skipped.execution_count is None
    assert out.cells[0].source == "# A run"


def test_a_clean_run_exits_0_and_writes_beside_the_notebook_by_default(tmp_path):
    done = run(tmp_path, [new_code_cell("open('made.txt', 'w').write('x')\n6 * 7")])
    assert done.returncode == 0, done.stderr
    out = nbformat.read(tmp_path / "work.out.ipynb", as_version=4)
    [result] = [o for o in out.cells[0].outputs if o.output_type == "execute_result"]
    assert result.data["text/plain"] == "42"
    assert (tmp_path / "made.txt").exists(), "cells run in the notebook's directory"


def test_allow_errors_runs_on_and_a_bad_file_is_refused(tmp_path):
    done = run(tmp_path, [new_code_cell("1/0"), new_code_cell("'still'")], "--allow-errors")
    assert done.returncode == 1
    out = nbformat.read(tmp_path / "work.out.ipynb", as_version=4)
    assert out.cells[1].outputs[0].data["text/plain"] == "'still'"
    (tmp_path / "bad.ipynb").write_text("{")
    bad = subprocess.run([sys.executable, "-m", "athena_nb.cli", "run", str(tmp_path / "bad.ipynb")],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "it is not JSON" in bad.stderr
