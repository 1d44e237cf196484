"""What every benchmark shares: summaries, JSON results, child processes, RSS.  Tests: tests/integration/test_bench_smoke.py.

Standard library only, so that scripts running under another interpreter (the Jupyter venv of
compare_jupyter.py) can import it too.  Times are CLOCK_MONOTONIC (``now()``), which is one
clock for every process of the machine: a viewer process may subtract a time another process
took.

Coordinator side::

    with Processes() as procs:                       # every child stopped on exit, Ctrl-C too
        server = procs.start(["athena-nb", ...])     # own process group
        worker = procs.worker([python, "bench/_driver.py"])   # JSON lines over stdin/stdout
        reply = worker.call({"cmd": "roundtrip", "n": 200}, timeout=60)
    show("1+1", summary(reply["samples"], "ms"))
    writeResults("mybench", {...})

Scripts that put the repository root on sys.path import it as ``bench.common`` (bench/roundtrip.py:
``from bench.common import summary, writeResults``); ``writeResults`` honours
ATHENA_BENCH_RESULTS, which the smoke test sets.

Worker side (a script run by ``Processes.worker``): read one JSON object per line from stdin,
write exactly one JSON object per line to stdout for each (``{"ok": true, ...}`` or
``{"ok": false, "error": "..."}``); anything else goes to stderr.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
#: Where results go; ATHENA_BENCH_RESULTS moves them (the smoke test keeps real figures safe).
RESULTS = os.environ.get("ATHENA_BENCH_RESULTS") or os.path.join(HERE, "results")


# -- time and statistics ---------------------------------------------------------------------

def now() -> float:
    """CLOCK_MONOTONIC in seconds: comparable between processes of this machine."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def ms(start: float) -> float:
    """Milliseconds since ``start`` (a ``now()``)."""
    return (now() - start) * 1000


def summary(samples, unit: str = "ms") -> dict:
    """p50/p95/p99/mean/min/max and N of ``samples`` (nearest-rank on the sorted samples)."""
    ordered = sorted(samples)
    if not ordered:
        return {"unit": unit, "n": 0}

    def pct(p):
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {"unit": unit, "n": len(ordered), "p50": pct(50), "p95": pct(95), "p99": pct(99),
            "mean": statistics.fmean(ordered), "min": ordered[0], "max": ordered[-1]}


def formatSummary(s: dict) -> str:
    if not s or not s.get("n"):
        return "(no samples)"
    return "p50 %9.3f  p95 %9.3f  p99 %9.3f  mean %9.3f %-6s N=%d" % (
        s["p50"], s["p95"], s["p99"], s["mean"], s["unit"], s["n"])


def show(name: str, s: dict) -> None:
    print("  %-40s %s" % (name, formatSummary(s)), flush=True)


def say(message: str) -> None:
    """Progress and "starts here, stops there" lines, flushed at once."""
    print(message, flush=True)


# -- results ---------------------------------------------------------------------------------

def machine() -> dict:
    """The machine the figures come from (docs/performance.md quotes it)."""
    info = {"nproc": os.cpu_count(), "python": sys.version.split()[0],
            "kernel": platform.release(), "platform": platform.platform()}
    try:
        with open("/proc/cpuinfo") as f:
            models = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        info["cpu"] = models[0] if models else platform.processor()
    except OSError:
        info["cpu"] = platform.processor()
    info["loadavg"] = os.getloadavg()  # other work on the machine skews the figures
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    info["memoryKiB"] = int(line.split()[1])
    except OSError:
        pass
    return info


def writeResults(name: str, data: dict, directory: str | None = None) -> str:
    """Write ``data`` (plus the machine and the time) to ``<directory>/<name>.json``."""
    directory = directory or RESULTS
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{name}.json")
    record = {"benchmark": name, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
              "machine": machine(), **data}
    with open(path + ".tmp", "w") as f:
        json.dump(record, f, indent=2, sort_keys=False)
    os.replace(path + ".tmp", path)
    return path


# -- memory ----------------------------------------------------------------------------------

def rssKiB(pid: int) -> int:
    """Resident set size of one process, from /proc/<pid>/status (KiB)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise ValueError(f"Process {pid} has no VmRSS line; is it a zombie?")


def cpuSeconds(pid: int) -> float:
    """User + system CPU time of one process so far, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def childPids(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc/<pid>/task/*/children)."""
    children = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                children.extend(int(c) for c in f.read().split())
    except OSError:
        pass
    return children


def treeRssKiB(pid: int) -> int:
    """RSS of ``pid`` and all its descendants (shared pages counted in each: an upper bound)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            total += rssKiB(p)
        except (OSError, ValueError):
            continue
        todo.extend(childPids(p))
    return total


def raiseFileLimit() -> int:
    """Raise this process's open-file limit to its hard limit (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# -- HTTP (blocking; for coordinators) -------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None,
         timeout: float = 10.0):
    """One request to the loopback server: (status, headers, body); redirects not followed."""
    if not url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
        raise ValueError(f"Benchmarks only talk to this machine, not to {url}.")
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def waitFor(predicate, timeout: float, what: str, interval: float = 0.005):
    """Poll ``predicate`` until it returns something true; raise after ``timeout`` seconds."""
    deadline = now() + timeout
    while True:
        try:
            value = predicate()
        except (OSError, ConnectionError):
            value = None
        if value:
            return value
        if now() > deadline:
            raise TimeoutError(f"Gave up after {timeout:.0f} s waiting for {what}.")
        time.sleep(interval)


# -- child processes -------------------------------------------------------------------------

class WorkerError(RuntimeError):
    pass


class Worker:
    """A child speaking JSON lines: one request on stdin, one reply on stdout."""

    def __init__(self, proc: subprocess.Popen, name: str, logPath: str):
        self.proc, self.name, self.logPath = proc, name, logPath
        self._buffer = b""

    def send(self, message: dict) -> None:
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def receive(self, timeout: float) -> dict:
        deadline = now() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - now()
            if left <= 0:
                raise WorkerError(f"{self.name} did not answer within {timeout:.0f} s."
                                  f"{self.logTail()}")
            with selectors.DefaultSelector() as sel:
                sel.register(fd, selectors.EVENT_READ)
                if not sel.select(min(left, 1.0)):
                    continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise WorkerError(f"{self.name} exited (status {self.proc.wait()}) before it "
                                  f"answered.{self.logTail()}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        reply = json.loads(line)
        if not reply.get("ok"):
            raise WorkerError(f"{self.name} failed: {reply.get('error')}{self.logTail()}")
        return reply

    def call(self, message: dict, timeout: float = 60.0) -> dict:
        self.send(message)
        return self.receive(timeout)

    def logTail(self, lines: int = 15) -> str:
        try:
            with open(self.logPath, errors="replace") as f:
                tail = f.read().splitlines()[-lines:]
        except OSError:
            return ""
        return ("\n  --- last lines of %s ---\n  " % self.logPath + "\n  ".join(tail)) if tail else ""


class Processes:
    """Starts children in their own process groups and stops every one of them on exit.

    Use as a context manager: leaving it (normally, by an exception, by Ctrl-C, or by SIGTERM,
    which it turns into KeyboardInterrupt) sends SIGTERM to each group, waits, then SIGKILLs,
    and removes the directories made by ``tempDir`` (the servers' data: a run of
    bench/browser.py writes some 2 GB of them).
    """

    def __init__(self, logDir: str | None = None, gracePeriod: float = 5.0):
        self.logDir = logDir or tempfile.mkdtemp(prefix="athena-bench-logs-")
        self.gracePeriod = gracePeriod
        self.children: list[subprocess.Popen] = []
        self.tempDirs: list[str] = []
        self._previousTerm = None
        self._count = 0

    def tempDir(self, prefix: str) -> str:
        """A new directory, removed when the processes are stopped (``__exit__``)."""
        path = tempfile.mkdtemp(prefix=prefix)
        self.tempDirs.append(path)
        return path

    def __enter__(self) -> Processes:
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            self._previousTerm = signal.signal(signal.SIGTERM, _interrupt)
        return self

    def __exit__(self, *exc) -> None:
        self.stopAll()
        for path in self.tempDirs:
            shutil.rmtree(path, ignore_errors=True)
        if self._previousTerm is not None:
            signal.signal(signal.SIGTERM, self._previousTerm)

    def logPath(self, name: str) -> str:
        self._count += 1
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name)[:60]
        return os.path.join(self.logDir, f"{self._count:03d}-{safe}.log")

    def start(self, argv: list[str], name: str | None = None, **kwargs) -> subprocess.Popen:
        """Start ``argv`` in a new session; its stdout and stderr go to a log file by default."""
        name = name or os.path.basename(argv[0])
        if "stdout" not in kwargs:
            log = open(self.logPath(name), "wb")
            kwargs["stdout"] = log
            kwargs.setdefault("stderr", subprocess.STDOUT)
        proc = subprocess.Popen(argv, start_new_session=True, **kwargs)
        proc.benchName = name
        proc.benchLog = getattr(kwargs.get("stdout"), "name", None)
        self.children.append(proc)
        return proc

    def worker(self, argv: list[str], name: str, env: dict | None = None,
               readyTimeout: float = 60.0) -> Worker:
        """Start a JSON-lines worker and wait for its first line, ``{"ok": true, "ready": ...}``."""
        logPath = self.logPath(name)
        log = open(logPath, "wb")
        proc = self.start(argv, name, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                          env=env)
        worker = Worker(proc, name, logPath)
        worker.receive(readyTimeout)
        return worker

    def stop(self, proc: subprocess.Popen, timeout: float | None = None) -> int | None:
        """SIGTERM the child's process group, then SIGKILL what is left after ``timeout``."""
        timeout = self.gracePeriod if timeout is None else timeout
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                status = proc.wait(timeout)
            except subprocess.TimeoutExpired:
                continue
            # The leader is gone; make sure nothing of its group lingers.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            break
        else:
            status = proc.wait(timeout)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        if proc in self.children:
            self.children.remove(proc)
        return status

    def stopAll(self) -> None:
        for proc in reversed(list(self.children)):
            try:
                self.stop(proc)
            except Exception as e:  # keep stopping the others
                print(f"  (could not stop {proc.benchName}: {e})", file=sys.stderr)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"Stopped by signal {signum}.")


def splitCounts(total: int, perProcess: int) -> list[int]:
    """``total`` viewers spread over processes of at most ``perProcess`` each."""
    if total <= 0:
        return []
    processes = -(-total // perProcess)
    base, extra = divmod(total, processes)
    return [base + (1 if i < extra else 0) for i in range(processes)]


def runMain(main) -> None:
    """Run a benchmark's ``main()`` as a command: its return is the exit status, and Ctrl-C
    (after ``Processes`` has stopped every process it started) exits 130 with a sentence."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("Interrupted; every process this run started was stopped.", file=sys.stderr)
        sys.exit(130)
