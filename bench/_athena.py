"""athena-nb as a benchmark target: its server process and its client processes.  Tests: tests/integration/test_bench_smoke.py.

The server is the checkout's ``athena-nb`` command (``python -m athena_nb.cli``, so the code
measured is the code in this tree) with ``--port 0``, a fresh ``--data-dir``, a known token and
Python kernels.  Clients are bench/_athena_driver.py processes, each with its own reactor.
"""

from __future__ import annotations

import json
import os
import re
import sys

from common import HERE, ROOT, Processes, http, now, waitFor

DRIVER = os.path.join(HERE, "_athena_driver.py")
#: A directory: run every athena-nb server under pyinstrument and write its report there.
PROFILE_ENV = "ATHENA_BENCH_PROFILE"
URL_LINE = re.compile(rb"^(http://127\.0\.0\.1:(\d+))/\S*$", re.M)


def profileInto(directory: str) -> str | None:
    """Run every athena-nb server started from now on under pyinstrument, its report in
    ``directory``; or, when pyinstrument is not installed, the sentence that says so."""
    try:
        import pyinstrument  # noqa: F401
    except ImportError:
        return ("--profile runs the servers under pyinstrument, which is not installed: "
                "pip install '.[bench]'.")
    os.environ[PROFILE_ENV] = os.path.abspath(directory)
    return None


def missing() -> str | None:
    """Why athena-nb cannot be measured in this tree yet, or None."""
    for module in ("athena_nb/cli.py", "athena_nb/web/worksheet.py", "athena_nb/web/fragments.py",
                   "livefragments/client.py"):
        if not os.path.exists(os.path.join(ROOT, module)):
            return f"{module} does not exist yet"
    return None


def environment() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    # As installed (pip writes .pyc files, and Jupyter's venv has them): the server runs from
    # bytecode caches, not from sources compiled anew at every start because the developer's
    # shell sets PYTHONDONTWRITEBYTECODE (that alone cost 30-90 ms of a ~250 ms cold start).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


class AthenaServer:
    """One athena-nb process: start it, find its port, log in."""

    def __init__(self, procs: Processes, token: str, poolSize: int | None = None,
                 name: str = "athena-nb", extra: tuple[str, ...] = (), dataDir: str | None = None):
        self.started = now()  # cold starts count from here
        self.procs, self.token, self.poolSize, self.name = procs, token, poolSize, name
        # A fresh data directory, or one made beforehand (a worksheet written into its store).
        self.dataDir = dataDir or procs.tempDir("athena-bench-data-")
        argv = [sys.executable, "-m", "athena_nb.cli", "--port", "0", "--interface", "127.0.0.1",
                "--data-dir", self.dataDir, "--token", token, "--system", "python",
                "--sage-pool-size", "0"]
        profiles = os.environ.get(PROFILE_ENV)
        if profiles:  # the server's main thread (the reactor) under pyinstrument
            os.makedirs(profiles, exist_ok=True)
            report = os.path.join(profiles, f"{name}-{os.getpid()}-{len(procs.children)}.txt")
            argv[1:3] = ["-m", "pyinstrument", "-r", "text", "-o", report, "-m", "athena_nb.cli"]
        if poolSize is not None:
            argv += ["--pool-size", str(poolSize)]
        argv += list(extra)
        self.proc = procs.start(argv, name, env=environment(), cwd=ROOT)
        self.base = None

    def _findURL(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"athena-nb exited with status {self.proc.returncode}; "
                               f"see {self.proc.benchLog}.")
        with open(self.proc.benchLog, "rb") as f:
            match = URL_LINE.search(f.read())
        return match.group(1).decode() if match else None

    def _loggedIn(self) -> dict | None:
        status, headers, _ = http("GET", f"{self.base}/?token={self.token}", timeout=5)
        cookies = [c for c in headers.get_all("Set-Cookie") or [] if c.startswith("athena_session=")]
        if status in (302, 303) and cookies:
            return {"athena_session": cookies[0].split(";")[0].split("=", 1)[1]}
        return None

    def waitUntilUp(self, timeout: float = 60) -> float:
        """Milliseconds from the process start until logging in with the token works."""
        self.base = waitFor(self._findURL, timeout, "athena-nb to print its URL", 0.002)
        self.cookies = waitFor(self._loggedIn, timeout, "athena-nb to answer a login", 0.002)
        return (now() - self.started) * 1000

    def createWorksheet(self, title: str = "bench") -> str:
        status, _, body = http("POST", f"{self.base}/api/worksheets",
                               json.dumps({"title": title}).encode(),
                               {"Content-Type": "application/json",
                                "Cookie": f"athena_session={self.cookies['athena_session']}"})
        if status != 201:
            raise RuntimeError(f"Creating a worksheet answered HTTP {status}: {body[:200]!r}")
        return json.loads(body)["worksheet"]["id"]

    def stop(self) -> None:
        self.procs.stop(self.proc, timeout=10)


class AthenaTarget:
    """athena-nb over one transport; the long-poll target also measures start times."""

    kind = "athena"
    perProcess = 100  # viewer pages per client process

    def __init__(self, procs: Processes, transport: str, cells: int = 20):
        self.procs, self.transport, self.cells = procs, transport, cells
        self.key = "athena_lp" if transport == "longpoll" else "athena_ws"
        self.label = "athena-nb LP" if transport == "longpoll" else "athena-nb WS"
        self.token = "bench-" + os.urandom(12).hex()
        self.server = None
        self.worksheet = self.elsewhere = None
        if transport == "longpoll":
            self.rows = ("cold_start", "kernel_start_pooled", "kernel_start_cold", "rt_1plus1",
                         "lines_10k", "fanout_50", "fanout_500", "mem_per_viewer",
                         "rt_1plus1_idle", "rt_1plus1_idle_elsewhere")
        else:  # start times do not depend on the transport
            self.rows = ("rt_1plus1", "lines_10k", "fanout_50", "fanout_500", "mem_per_viewer",
                         "rt_1plus1_idle", "rt_1plus1_idle_elsewhere")

    def coldStart(self, n: int) -> list[float]:
        """From starting the process until a login with the token answers, n times (after one
        untimed start that leaves the bytecode caches an install would have)."""
        samples = []
        warm = AthenaServer(self.procs, self.token, name=f"{self.key}-warmup")
        try:  # writes the bytecode caches, as an install does; not timed
            warm.waitUntilUp()
        finally:
            warm.stop()
        for i in range(n):
            server = AthenaServer(self.procs, self.token, name=f"{self.key}-cold{i}")
            try:
                samples.append(server.waitUntilUp())
            finally:
                server.stop()
        return samples

    def launch(self) -> None:
        self.server = AthenaServer(self.procs, self.token, name=f"{self.key}-server")
        self.server.waitUntilUp()
        self.worksheet = self.server.createWorksheet("bench: %d cells" % self.cells)
        writer = self.driver("setup")
        try:
            writer.call({"cmd": "connect", "count": 1, **self.connectArgs()}, timeout=120)
            writer.call({"cmd": "setup", "cells": self.cells}, timeout=120)
            writer.call({"cmd": "close"}, timeout=30)
        finally:
            self.procs.stop(writer.proc)

    @property
    def serverPid(self) -> int:
        return self.server.proc.pid

    def driver(self, name: str):
        return self.procs.worker([sys.executable, DRIVER], f"{self.key}-{name}",
                                 env=environment())

    def markDir(self) -> str:
        """The writer's worksheet's directory: where its (sandboxed) kernel works."""
        return os.path.join(self.server.dataDir, "worksheets", self.worksheet)

    def connectArgs(self) -> dict:
        return {"base": self.server.base, "token": self.token, "worksheet": self.worksheet,
                "transport": self.transport}

    def connectArgsElsewhere(self) -> dict:
        """``connectArgs`` for another worksheet of the same server (made the first time)."""
        if self.elsewhere is None:
            self.elsewhere = self.server.createWorksheet("bench: elsewhere")
        return {**self.connectArgs(), "worksheet": self.elsewhere}

    def _kernelStarts(self, server: AthenaServer, n: int) -> tuple[list[float], dict]:
        """(samples, phases): open -> page loaded -> run answered -> result (ms)."""
        worker = self.driver("kernelstart")
        try:
            reply = worker.call({"cmd": "kernelStart", "base": server.base, "token": self.token,
                                 "n": n, "transport": self.transport}, timeout=60 + 30 * n)
            return reply["samples"], reply["phases"]
        finally:
            self.procs.stop(worker.proc)

    def kernelStart(self, n: int, rows=("kernel_start_pooled", "kernel_start_cold")) -> dict:
        """A new worksheet's kernel usable: with the server's pool, and with no pool (cold)."""
        out = {}
        if "kernel_start_pooled" in rows:
            out["kernel_start_pooled"] = self._kernelStarts(self.server, n)
        if "kernel_start_cold" not in rows:
            return out
        cold = AthenaServer(self.procs, self.token, poolSize=0, name=f"{self.key}-nopool")
        try:
            cold.waitUntilUp()
            out["kernel_start_cold"] = self._kernelStarts(cold, n)
        finally:
            cold.stop()
        return out

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def athenaTargets(procs: Processes) -> tuple[list, str]:
    why = missing()
    if why is not None:
        return [], f"not measured: {why}"
    return ([AthenaTarget(procs, "longpoll"), AthenaTarget(procs, "websocket")],
            "the checkout's athena-nb (python -m athena_nb.cli), Python kernels")
