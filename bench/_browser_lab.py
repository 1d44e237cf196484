"""JupyterLab 4 with jupyter-collaboration (real-time collaboration) as bench/browser.py's reference.  Tests: tests/integration/test_bench_smoke.py.

The venv is bench/.jupyterlab-venv (gitignored), made once from PyPI with the pinned versions
below and reused later (``--no-install`` only reuses it). The server runs on 127.0.0.1 with a
token, private Jupyter config/data/runtime directories and a fresh root directory holding the
two notebooks, written as .ipynb files with their outputs (as a person opens a saved notebook).

Nothing leaves the machine: no news feed (``news_url = None``), no update check, the read-only
extension manager (the default one asks PyPI), and the notification plugin set not to fetch
news. Markup used: the visible notebook panel's ``.jp-Cell``s, CodeMirror 6's ``.cm-content``
as a cell's editor, ``.jp-OutputArea-output`` as its outputs, MathJax's ``mjx-container`` as
typeset math, and ``.jp-Notebook-ExecutionIndicator[data-status="idle"]`` (the kernel
indicator, in the status bar) for an idle kernel.
"""

from __future__ import annotations

import json
import os

import _bigsheet
import _jupyter
from _browser import Side
from common import HERE, http, waitFor

VENV = os.path.join(HERE, ".jupyterlab-venv")
PINS = ("jupyterlab==4.6.6", "jupyter-collaboration==5.0.4", "jupyter-server==2.21.1",
        "ipykernel==7.4.0")
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"

CONFIG = '''\
# Written by bench/browser.py: JupyterLab talks to nothing but this machine.
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.handlers.announcements.NeverCheckForUpdate"
c.LabApp.extension_manager = "readonly"
'''
SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}


def ensureVenv(install: bool, say) -> tuple[str | None, str]:
    """The venv's python with the pinned versions, or (None, why not)."""
    return _jupyter.ensureVenv(install, say, VENV, PINS, "JupyterLab")


def notebook(cells: list[dict]) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "cells": cells, "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3 (bench)",
                       "language": "python"},
        "language_info": {"name": "python"}}}


def codeCell(n: int, source: str, data: dict | None = None, count: int | None = None) -> dict:
    outputs = [] if data is None else [{"output_type": "execute_result", "execution_count": count,
                                        "data": data, "metadata": {}}]
    return {"cell_type": "code", "id": f"c{n}", "metadata": {}, "source": source,
            "execution_count": count if data is not None else None, "outputs": outputs}


class LabSide(Side):
    """One JupyterLab server with RTC; the load notebook and the work notebook in its root."""

    kind = "jupyterlab"
    key = "jupyterlab"
    label = "JupyterLab RTC"

    def __init__(self, procs, python: str):
        self.procs, self.python = procs, python
        self.token = "bench-" + os.urandom(12).hex()
        self.tmp = self.procs.tempDir("athena-bench-lab-")
        self.root = os.path.join(self.tmp, "root")
        self.server = self.base = None
        self.loadURL = self.workURL = self.bigURL = None
        self.mathShown = "typeset"
        self.notes: list[str] = []
        self._workspaces = 0
        for sub in ("config/labconfig", "data/kernels/python3", "runtime", "ipython", "root",
                    "settings", "workspaces"):
            os.makedirs(os.path.join(self.tmp, sub), exist_ok=True)
        with open(os.path.join(self.tmp, "data/kernels/python3/kernel.json"), "w") as f:
            json.dump({"argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                       "display_name": "Python 3 (bench)", "language": "python"}, f)
        with open(os.path.join(self.tmp, "config/labconfig/default_setting_overrides.json"),
                  "w") as f:
            json.dump(SETTINGS, f)
        with open(os.path.join(self.tmp, "lab_config.py"), "w") as f:
            f.write(CONFIG)

    def _env(self) -> dict:
        env = dict(os.environ)
        env.update(JUPYTER_CONFIG_DIR=os.path.join(self.tmp, "config"),
                   JUPYTER_DATA_DIR=os.path.join(self.tmp, "data"),
                   JUPYTER_RUNTIME_DIR=os.path.join(self.tmp, "runtime"),
                   IPYTHONDIR=os.path.join(self.tmp, "ipython"), JUPYTER_PLATFORM_DIRS="1")
        env.pop("JUPYTER_PATH", None)
        return env

    def start(self) -> None:
        port = _jupyter.freePort()
        argv = [self.python, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
                "--ServerApp.open_browser=False", "--ServerApp.log_level=WARN",
                f"--LabApp.user_settings_dir={os.path.join(self.tmp, 'settings')}",
                f"--LabApp.workspaces_dir={os.path.join(self.tmp, 'workspaces')}",
                "--config=" + os.path.join(self.tmp, "lab_config.py")]
        if os.geteuid() == 0:  # containers; Jupyter refuses root without it
            argv.append("--allow-root")
        self.server = self.procs.start(argv, "jupyterlab-server", env=self._env(), cwd=self.root)
        self.base = f"http://127.0.0.1:{port}"

        def answers():
            if self.server.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with status {self.server.returncode}; "
                                   f"see {self.server.benchLog}.")
            status, _, _ = http("GET", self.base + "/api/status", timeout=2,
                                headers={"Authorization": "token " + self.token})
            return status == 200
        waitFor(answers, 120, "JupyterLab to answer")

    def stop(self) -> None:
        if self.server is not None:
            self.procs.stop(self.server)
            self.server = None

    # -- the notebooks ------------------------------------------------------------------------

    def prepare(self, browser, cells, mathCells, workCells) -> None:
        """Write the load notebook (with saved outputs) and the work notebook (without)."""
        load = [codeCell(i, code, data, i + 1) for i, (code, data) in enumerate(cells)]
        work = [codeCell(100 + i, code) for i, code in enumerate(workCells)]
        for name, content in (("load.ipynb", load), ("work.ipynb", work)):
            with open(os.path.join(self.root, name), "w") as f:
                json.dump(notebook(content), f, indent=1)
        self.loadURL = self.url("load.ipynb", "load")
        self.workURL = "work.ipynb"

    def prepareBig(self, browser, sheet) -> None:
        """The big notebook (bench/_bigsheet.py) as an .ipynb with its outputs saved."""
        with open(os.path.join(self.root, "big.ipynb"), "w") as f:
            json.dump(notebook(_bigsheet.ipynbCells(sheet)), f)
        self.bigURL = self.url("big.ipynb", "big")

    def bigLogin(self, context):
        return self.login(context)

    #: The scroll container of the notebook in view (JupyterLab's windowed panel).
    bigScroller = f"{PANEL} .jp-WindowedPanel-outer"
    live = False

    def url(self, name: str, workspace: str) -> str:
        # A workspace of its own per page, so that no page restores another's open notebooks.
        return f"{self.base}/lab/workspaces/{workspace}/tree/{name}?token={self.token}"

    def login(self, context):
        page = context.new_page()
        page.goto(f"{self.base}/api/status?token={self.token}")  # the token sets the cookie
        return page

    # -- what bench/browser.py waits for -----------------------------------------------------

    def waitLive(self, page) -> None:
        page.locator(f"{PANEL} .jp-Cell .cm-content").first.wait_for(timeout=120_000)

    def waitIdle(self, page) -> None:
        """Until the status bar's kernel indicator (of the notebook in view) says idle."""
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
            timeout=120_000)

    def waitKernel(self, page) -> None:
        """Until the notebook's kernel has started and is idle (before anything is timed)."""
        self.waitIdle(page)
        page.wait_for_timeout(500)
        self.waitIdle(page)

    def readyTest(self, cells: int, mathIndexes: list[int], mathText: list[str]) -> str:
        return f"""() => {{
          const cells = __bench.cells();
          if (cells.length !== {cells}) return false;
          if (cells.some((c) => !__bench.editorText(c))) return false;
          return {json.dumps(mathIndexes)}.every((i) => !!cells[i].querySelector('mjx-container'));
        }}"""

    def probeMath(self, browser, mathIndexes) -> str:
        return self.mathShown

    def openWork(self, context):
        self._workspaces += 1
        page = self.login(context)
        page.goto(self.url(self.workURL, f"work{self._workspaces}"))
        self.waitLive(page)
        return page

    def editor(self, page, index: int):
        return page.locator(f"{PANEL} .jp-Cell").nth(index).locator(".cm-content")
