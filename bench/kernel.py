"""The kernel benchmarks: start (cold and pooled), first answer (cold and pooled), the memory of
an idle kernel, `1+1` round trip, streaming throughput, each without and (where bubblewrap
works) with the kernel sandbox and its cgroup.

Tests: tests/integration/test_bench_smoke.py (runs it with tiny N).

Run: python bench/kernel.py [--quick]. Prints p50/p95/p99/mean/N per figure for Python and,
when sage.all imports, Sage; with Jupyter's ipykernel as the reference where it is installed.
The first answer is what a person opening a worksheet waits for before their first cell's
result: a new kernel started and the cell run (cold), or a pooled one taken, moved into the
worksheet's directory and the cell run (pooled; ``KernelPools.acquire`` for the worksheet's
system, as the server does). An idle kernel's memory is the PSS and RSS of its process tree
(athena_nb/kernel/memory.py), measured while it waits in the pool.
Writes everything to bench/results/kernel.json (or $ATHENA_BENCH_RESULTS). No figure is
asserted by tests.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from twisted.internet import defer, reactor  # noqa: E402
from twisted.internet.task import deferLater  # noqa: E402

from athena_nb.kernel import Kernel, KernelLimits, KernelPool, KernelState  # noqa: E402
from athena_nb.kernel.isolation import Isolation  # noqa: E402
from athena_nb.kernel.pools import KernelPools  # noqa: E402
from athena_nb.kernel.process import WORKER_PATH  # noqa: E402
from bench.common import ms, now, show, summary, writeResults  # noqa: E402

STREAM_CODE = "for i in range(100000):\n    print(i)"
#: A worksheet's first cell, and its answer, per system (``^`` is Sage's power).
FIRST_CELL = {"python": ("1+1", "2"), "sage": ("2^10", "1024")}


@defer.inlineCallbacks
def benchSystem(system, cwd, starts, roundTrips, streams, isolation=None):
    out = {}
    limits = KernelLimits(outputChars=None)

    def make(r, d):
        return Kernel(r, system=system, cwd=d, limits=limits, isolation=isolation)

    samples = []
    for _ in range(starts):
        kernel = make(reactor, cwd)
        t = now()
        yield kernel.start()
        samples.append(ms(t))
        yield kernel.shutdown()
    out["start_cold"] = summary(samples, "ms")
    show("start, cold", out["start_cold"])

    code, answer = FIRST_CELL[system]
    samples = []
    for _ in range(starts):
        kernel = make(reactor, cwd)
        t = now()
        yield kernel.start()
        result = yield kernel.execute(code).deferred
        samples.append(ms(t))
        assert result.ok, result
        yield kernel.shutdown()
    out["first_answer_cold"] = summary(samples, "ms")
    show("first answer, cold (start + cell)", out["first_answer_cold"])

    # A sandboxed kernel's directory becomes the worksheet's by a rename: same file system.
    pool = KernelPool(reactor, size=1, factory=make, system=system,
                      scratch=os.path.join(os.path.dirname(cwd), ".bench-pool"))
    pools = KernelPools({system: pool}, system)
    acquired, answered, pss, rss = [], [], [], []
    for _ in range(starts):
        while pool.ready < 1:
            yield deferLater(reactor, 0.005)
        yield deferLater(reactor, 0.5)  # settled: what an idle kernel keeps
        memory = pool.memory()
        pss.append(memory.pss / 2**20)
        rss.append(memory.rss / 2**20)
        outputs = []
        t = now()
        kernel = yield pools.acquire(cwd, system)
        acquired.append(ms(t))
        result = yield kernel.execute(code, outputs.append).deferred
        answered.append(ms(t))
        assert result.ok and [e["data"]["text/plain"] for e in outputs
                              if e["type"] == "result"] == [answer], (result, outputs)
        yield kernel.shutdown()
    yield pool.shutdown()
    out["start_pooled"] = summary(acquired, "ms")
    show("start, pooled (acquire)", out["start_pooled"])
    out["first_answer_pooled"] = summary(answered, "ms")
    show("first answer, pooled (acquire + cell)", out["first_answer_pooled"])
    out["idle_memory_pss"] = summary(pss, "MiB")
    out["idle_memory_rss"] = summary(rss, "MiB")
    show("idle kernel memory, PSS", out["idle_memory_pss"])
    show("idle kernel memory, RSS", out["idle_memory_rss"])

    kernel = make(reactor, cwd)
    yield kernel.start()
    for _ in range(20):  # warm up
        yield kernel.execute("1+1").deferred
    samples = []
    for _ in range(roundTrips):
        t = now()
        result = yield kernel.execute("1+1").deferred
        samples.append(ms(t))
        assert result.ok, result
    out["roundtrip_1plus1"] = summary(samples, "ms")
    show("1+1 round trip", out["roundtrip_1plus1"])

    rates, mbs = [], []
    for _ in range(streams):
        received = [0, 0]

        def onOutput(event, received=received):
            if event["type"] == "stream":
                received[0] += event["text"].count("\n")
                received[1] += len(event["text"].encode())

        t = now()
        result = yield kernel.execute(STREAM_CODE, onOutput).deferred
        seconds = now() - t
        assert result.ok and received[0] == 100000, (result, received)
        rates.append(received[0] / seconds)
        mbs.append(received[1] / seconds / 1e6)
    out["stream_100k_lines_per_s"] = summary(rates, "line/s")
    out["stream_100k_MB_per_s"] = summary(mbs, "MB/s")
    show("stream 100k lines", out["stream_100k_lines_per_s"])
    show("stream 100k lines", out["stream_100k_MB_per_s"])
    assert kernel.state == KernelState.IDLE
    yield kernel.shutdown()
    return out


JUPYTER_SCRIPT = r"""
import json, sys, time
from jupyter_client.manager import start_new_kernel
out = {"start": [], "rt": []}
for _ in range(%(starts)d):
    t = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="python3")
    kc.execute_interactive("1", timeout=60, output_hook=lambda m: None)
    out["start"].append((time.perf_counter() - t) * 1000)
    kc.stop_channels(); km.shutdown_kernel(now=True)
km, kc = start_new_kernel(kernel_name="python3")
time.sleep(0.5)
memory = {}
with open("/proc/%%d/smaps_rollup" %% km.provisioner.process.pid) as f:
    for line in f:
        if line.split(":")[0] in ("Rss", "Pss"):
            memory[line.split(":")[0]] = int(line.split()[1]) / 1024
out["memory"] = memory
for _ in range(20):
    kc.execute_interactive("1+1", timeout=60, output_hook=lambda m: None)
for _ in range(%(rt)d):
    t = time.perf_counter()
    kc.execute_interactive("1+1", timeout=60, output_hook=lambda m: None)
    out["rt"].append((time.perf_counter() - t) * 1000)
lines = [0]
def hook(m):
    if m["msg_type"] == "stream":
        lines[0] += m["content"]["text"].count("\n")
t = time.perf_counter()
kc.execute_interactive(%(code)r, timeout=300, output_hook=hook)
out["stream"] = lines[0] / (time.perf_counter() - t)
out["lines"] = lines[0]
kc.stop_channels(); km.shutdown_kernel(now=True)
print("JSON:" + json.dumps(out))
"""


def benchJupyter(starts, roundTrips):
    """Jupyter's ipykernel through jupyter_client, in its own process (it blocks)."""
    script = JUPYTER_SCRIPT % {"starts": starts, "rt": roundTrips, "code": STREAM_CODE}
    try:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=600)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        print("  (Jupyter reference unavailable: %s)"
              % (done.stderr.strip().splitlines() or ["?"])[-1])
        return None
    raw = json.loads([line for line in done.stdout.splitlines() if line.startswith("JSON:")][-1][5:])
    out = {"start_cold": summary(raw["start"], "ms"), "roundtrip_1plus1": summary(raw["rt"], "ms"),
           "stream_100k_lines_per_s": summary([raw["stream"]], "line/s"),
           "stream_lines_received": raw["lines"],
           "idle_memory_pss": summary([raw["memory"]["Pss"]], "MiB"),
           "idle_memory_rss": summary([raw["memory"]["Rss"]], "MiB")}
    show("start, cold (to first result)", out["start_cold"])
    show("1+1 round trip", out["roundtrip_1plus1"])
    show("stream 100k lines", out["stream_100k_lines_per_s"])
    show("idle kernel memory, PSS", out["idle_memory_pss"])
    show("idle kernel memory, RSS", out["idle_memory_rss"])
    return out


def sageImports():
    return subprocess.run([sys.executable, "-c", "import sage.all"], capture_output=True).returncode == 0


@defer.inlineCallbacks
def main(args):
    results = {}
    top = tempfile.mkdtemp(prefix="athena-nb-bench-")
    cwd = os.path.join(top, "worksheet")
    os.mkdir(cwd)
    quick = args.quick
    systems = ["python"] + (["sage"] if sageImports() else [])
    isolation = Isolation.find(network=True, python=sys.executable,
                               workerDir=os.path.dirname(WORKER_PATH), secrets=[])
    if isolation.sandbox is None:
        print("sandboxed kernels: skipped, %s" % isolation.sandboxText)
    try:
        for system in systems:
            starts = (3 if quick else 10) if system == "sage" else (5 if quick else 30)
            for name, how in ((system, None), (system + "_sandboxed", isolation)):
                if how is not None and (how.sandbox is None or (quick and system == "sage")):
                    continue  # (the smoke test's quick run measures one sandboxed system)
                print("%s kernel%s:" % (system, " (sandboxed, %s)" % how.summary()["limits"]
                                         if how else ""))
                results[name] = yield benchSystem(system, cwd, starts, 50 if quick else 200,
                                                  1 if quick else 3, how)
    finally:
        shutil.rmtree(top, ignore_errors=True)
    if "sage" not in systems:
        print("sage kernel: skipped, sage.all does not import here")
    print("Jupyter ipykernel (reference):")
    results["jupyter_reference"] = benchJupyter(3 if quick else 5, 50 if quick else 200)
    print("wrote", os.path.relpath(writeResults("kernel", results)))


def run():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, for a smoke test")
    args = parser.parse_args()

    def go():
        d = main(args)
        d.addErrback(lambda f: (f.printTraceback(), setattr(run, "failed", True)))
        d.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(go)
    reactor.run()
    sys.exit(1 if getattr(run, "failed", False) else 0)


if __name__ == "__main__":
    run()
