"""Jupyter Server as compare_jupyter.py's reference: its venv, its process, its clients.  Tests: tests/integration/test_bench_smoke.py.

The venv lives in bench/.jupyter-venv (gitignored) and is made once from PyPI with the pinned
versions below; later runs reuse it.  Each server runs on 127.0.0.1 with a token, a fresh root
directory and private Jupyter config/data/runtime directories, so nothing of the user's own
Jupyter setup takes part.  "nodelay" loads a config file that patches the kernel websocket
handler to set TCP_NODELAY on its connection as it opens (tornado leaves Nagle on).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile

from common import HERE, Processes, http, now, waitFor

VENV = os.path.join(HERE, ".jupyter-venv")
PINS = ("jupyter-server==2.21.1", "ipykernel==7.4.0")
DRIVER = os.path.join(HERE, "_jupyter_driver.py")

NODELAY_CONFIG = '''\
# Loaded by bench/compare_jupyter.py: TCP_NODELAY on every kernel websocket, set as it opens.
from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

_open = KernelWebsocketHandler.open


async def _openWithNodelay(self, *args, **kwargs):
    self.set_nodelay(True)
    return await _open(self, *args, **kwargs)


KernelWebsocketHandler.open = _openWithNodelay
'''


def venvPython(venv: str = VENV) -> str:
    return os.path.join(venv, "bin", "python")


def installedVersions(python: str, names=("jupyter-server", "ipykernel")) -> dict | None:
    """{distribution: version} of ``names`` in the interpreter ``python``, or None."""
    code = ("import json, importlib.metadata as m; print(json.dumps({n: m.version(n) for n in "
            + repr(list(names)) + "}))")
    try:
        done = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return json.loads(done.stdout) if done.returncode == 0 else None


def ensureVenv(install: bool, say, venv: str = VENV, pins=PINS,
               what: str = "Jupyter") -> tuple[str | None, str]:
    """The python of ``venv`` with the pinned versions (made from PyPI when ``install``), or
    (None, why not). bench/_browser_lab.py uses it for JupyterLab's venv."""
    python = venvPython(venv)
    wanted = {p.split("==")[0]: p.split("==")[1] for p in pins}
    if os.path.exists(python) and installedVersions(python, wanted) == wanted:
        return python, "reused " + os.path.relpath(venv)
    if not install:
        return None, f"{what} is not installed in {os.path.relpath(venv)} and installing was not asked for"
    say(f"Installing {' + '.join(pins)} into {os.path.relpath(venv)} (once) ...")
    try:
        if not os.path.exists(python):
            subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=300)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        *pins], check=True, timeout=1800)
    except (OSError, subprocess.SubprocessError) as e:
        return None, f"installing {what} failed: {e}"
    found = installedVersions(python, wanted)
    if found != wanted:
        return None, f"the {what} venv has {found}, not {wanted}"
    return python, "installed " + " + ".join(pins)


def freePort() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterTarget:
    """One Jupyter Server, stock or with TCP_NODELAY, and the client processes that drive it."""

    kind = "jupyter"
    rows = ("cold_start", "kernel_start_cold", "rt_1plus1", "lines_10k", "fanout_50",
            "mem_per_viewer", "rt_1plus1_idle")
    perProcess = 50  # viewer connections per client process

    def __init__(self, procs: Processes, python: str, *, nodelay: bool):
        self.procs, self.python, self.nodelay = procs, python, nodelay
        self.key = "jupyter_nodelay" if nodelay else "jupyter"
        self.label = "Jupyter+NODELAY" if nodelay else "Jupyter"
        self.token = "bench-" + os.urandom(12).hex()
        self.tmp = self.procs.tempDir(f"athena-bench-{self.key}-")
        self.server = None
        self.base = None
        self.kernel = None
        self._setUpDirectories()

    def _setUpDirectories(self) -> None:
        for sub in ("config", "data/kernels/python3", "runtime", "ipython"):
            os.makedirs(os.path.join(self.tmp, sub), exist_ok=True)
        # Our own kernelspec, so the kernel is this venv's ipykernel whatever else is installed.
        with open(os.path.join(self.tmp, "data/kernels/python3/kernel.json"), "w") as f:
            json.dump({"argv": [self.python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                       "display_name": "Python 3 (bench)", "language": "python"}, f)
        with open(os.path.join(self.tmp, "nodelay_config.py"), "w") as f:
            f.write(NODELAY_CONFIG)

    def _env(self) -> dict:
        env = dict(os.environ)
        env.update(JUPYTER_CONFIG_DIR=os.path.join(self.tmp, "config"),
                   JUPYTER_DATA_DIR=os.path.join(self.tmp, "data"),
                   JUPYTER_RUNTIME_DIR=os.path.join(self.tmp, "runtime"),
                   IPYTHONDIR=os.path.join(self.tmp, "ipython"),
                   JUPYTER_PLATFORM_DIRS="1")
        env.pop("JUPYTER_PATH", None)
        return env

    def _start(self) -> tuple[subprocess.Popen, str]:
        port = freePort()
        root = tempfile.mkdtemp(dir=self.tmp, prefix="root-")
        argv = [self.python, "-m", "jupyter_server", "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
                "--ServerApp.open_browser=False", "--ServerApp.log_level=WARN"]
        if os.geteuid() == 0:  # containers; Jupyter refuses root without it
            argv.append("--allow-root")
        if self.nodelay:
            argv.append("--config=" + os.path.join(self.tmp, "nodelay_config.py"))
        proc = self.procs.start(argv, self.key + "-server", env=self._env(), cwd=root)
        return proc, f"http://127.0.0.1:{port}"

    def _answers(self, base: str, proc) -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"Jupyter Server exited with status {proc.returncode}; "
                               f"see {proc.benchLog}.")
        status, _, _ = http("GET", base + "/api/status", timeout=2,
                            headers={"Authorization": "token " + self.token})
        return status == 200

    def coldStart(self, n: int) -> list[float]:
        """From starting the process until GET /api/status answers 200, n times."""
        samples = []
        for _ in range(n):
            start = now()
            proc, base = self._start()
            try:
                waitFor(lambda base=base, proc=proc: self._answers(base, proc), 60, "Jupyter Server to answer")
                samples.append((now() - start) * 1000)
            finally:
                self.procs.stop(proc)
        return samples

    def launch(self) -> None:
        self.server, self.base = self._start()
        waitFor(lambda: self._answers(self.base, self.server), 60, "Jupyter Server to answer")
        self.kernel = self.newKernel()

    def newKernel(self) -> str:
        status, _, body = http("POST", self.base + "/api/kernels", json.dumps({"name": "python3"}).encode(),
                               {"Authorization": "token " + self.token,
                                "Content-Type": "application/json"}, timeout=60)
        if status != 201:
            raise RuntimeError(f"Starting a kernel answered HTTP {status}: {body[:200]!r}")
        return json.loads(body)["id"]

    @property
    def serverPid(self) -> int:
        return self.server.pid

    def driver(self, name: str):
        return self.procs.worker([self.python, DRIVER], f"{self.key}-{name}")

    def connectArgs(self) -> dict:
        return {"base": self.base, "token": self.token, "kernel": self.kernel}

    def kernelStart(self, n: int) -> dict:
        """Kernel start until a first execute is answered (cold: Jupyter has no pool)."""
        worker = self.driver("kernelstart")
        try:
            reply = worker.call({"cmd": "kernelStart", "base": self.base, "token": self.token,
                                 "n": n}, timeout=60 + 30 * n)
        finally:
            self.procs.stop(worker.proc)
        return {"kernel_start_cold": (reply["samples"], {})}

    def stop(self) -> None:
        if self.server is not None:
            self.procs.stop(self.server)
            self.server = None
