"""athena-nb side by side with Jupyter Server, in one run, on this machine (issue 7).  Tests: tests/integration/test_bench_smoke.py.

Run: python bench/compare_jupyter.py [--quick] [--athena-only | --jupyter-only] [--no-install]
     python bench/compare_jupyter.py --only ROW [-n N]   (one athena-nb long-poll row, e.g.
     kernel_start_pooled or cold_start, N samples; nothing else is started)

Installs jupyter-server + ipykernel (pinned, see bench/_jupyter.py) into bench/.jupyter-venv once,
then measures Jupyter stock, Jupyter with TCP_NODELAY on its kernel websockets, and athena-nb over
long-poll and over WebSocket.  Every server runs on 127.0.0.1 in its own process group; every
client (writer, viewers) runs in processes of its own; all of them are stopped at the end, on
error and on Ctrl-C.  Prints each measurement's start and stop points, a side-by-side table with
ratios and the targets of issue 7 (athena-nb's ratio over WebSocket, the transport its pages
use by default, and over long-poll for the start rows), and writes
bench/results/compare_jupyter.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _measure import measureExecute, measureFanout, measureMemory  # noqa: E402
from common import (  # noqa: E402
    Processes,
    machine,
    raiseFileLimit,
    runMain,
    say,
    show,
    summary,
    writeResults,
)

STREAM_CODE = "for i in range(10000):\n    print(i)"

# key: (what, where it starts and stops, target (statistic, limit) or None)
ROWS = {
    "cold_start": ("server cold start until its API answers",
                   "from starting the server process until an HTTP request to its API answers",
                   ("p50", 300, "p50 <= 300 ms")),
    "kernel_start_pooled": ("new worksheet's kernel usable, from the pool",
                            "from opening a new worksheet until its first `1` is answered",
                            ("p50", 10, "p50 <= 10 ms")),
    "kernel_start_cold": ("kernel start until a first execute is answered (cold)",
                          "from asking for a kernel (Jupyter: POST /api/kernels; athena-nb: "
                          "opening a new worksheet, no pool) until its first `1` is answered",
                          ("p50", 150, "p50 <= 150 ms")),
    "rt_1plus1": ("`1+1`: request sent -> result received",
                  "from the client sending the execute request / run call until it has the result",
                  ("p50", 2, "p50 <= 2 ms, p99 <= 5 ms")),
    "lines_10k": ("cell printing 10,000 lines until the viewer has all",
                  "from sending the run request until the client has all 10,000 lines",
                  ("p50", 40, "<= 40 ms (p50)")),
    "fanout_50": ("one output reaching all of 50 viewers",
                  "from the kernel printing a line (its CLOCK_MONOTONIC) until the last of 50 "
                  "viewer connections has it", ("p99", 15, "p99 <= 15 ms")),
    "fanout_500": ("one output reaching all of 500 viewers",
                   "the same with 500 viewers", ("p99", 100, "p99 <= 100 ms")),
    "mem_per_viewer": ("server memory per extra idle viewer (KiB)",
                       "server RSS after opening N idle viewers one at a time, minus before, / N "
                       "(athena-nb: a 20-cell worksheet)", ("mean", 60 * 1000 / 1024, "<= 60 KB (58.6 KiB)")),
    "rt_1plus1_idle": ("`1+1` with many idle viewers connected, all watching the writer's "
                       "worksheet (Jupyter: its kernel)",
                       "as `1+1`, with 200 (Jupyter) / 1,000 (athena-nb) idle viewers connected "
                       "to the same kernel / worksheet, so each run's output reaches them all",
                       ("p50", 3, "p50 <= 3 ms")),
    "rt_1plus1_idle_elsewhere": ("`1+1` with 1,000 idle viewers of another worksheet",
                                 "as `1+1`, with 1,000 idle viewers connected to another "
                                 "worksheet of the same server", ("p50", 3, "p50 <= 3 ms")),
}

SIZES = {
    "full": {"cold": 5, "kernel": 10, "rt": 200, "warmup": 20, "lines": 10, "trials": 30,
             "fanout": (50, 500), "mem": {"jupyter": 50, "athena": 100},
             "idle": {"jupyter": 200, "athena": 1000}, "idleRt": 50, "idleDeadline": 300},
    "quick": {"cold": 1, "kernel": 1, "rt": 5, "warmup": 2, "lines": 1, "trials": 2,
              "fanout": (3, 5), "mem": {"jupyter": 2, "athena": 2},
              "idle": {"jupyter": 3, "athena": 4}, "idleRt": 3, "idleDeadline": 120},
}


def runTarget(target, sizes: dict, results: dict, only: str | None = None) -> None:
    """Every row of ``target``, or with ``only`` that row alone."""
    out = results.setdefault(target.key, {})

    def record(row, samples, unit="ms", extra=None):
        out[row] = summary(samples, unit)
        if extra:
            out[row].update(extra)
        show(f"{target.label}: {row}", out[row])

    def step(row, function):
        if row not in rows:
            return
        what, where, _ = ROWS[row]
        say(f"{target.label} | {what}\n    measured {where}")
        try:
            function()
        except Exception as e:
            out[row] = {"error": f"{type(e).__name__}: {e}"}
            say(f"  !! {target.label}: {row} failed: {e}")
            traceback.print_exc()

    rows = target.rows if only is None else tuple(r for r in target.rows if r == only)
    step("cold_start", lambda: record("cold_start", target.coldStart(sizes["cold"])))
    if not set(rows) - {"cold_start"}:
        return
    say(f"{target.label}: starting the server for the other measurements")
    target.launch()
    try:
        kernelRows = [r for r in ("kernel_start_pooled", "kernel_start_cold") if r in rows]
        if kernelRows:
            def kernels():
                # Only athena-nb's kernelStart takes the rows (--only runs athena-nb alone).
                wanted = () if only is None else (kernelRows,)
                for row, (samples, phases) in target.kernelStart(sizes["kernel"],
                                                                 *wanted).items():
                    record(row, samples, extra={"phases": {k: summary(v) for k, v in phases.items()}})
                    for phase, values in phases.items():
                        show(f"  {row}, {phase}", summary(values))
            step(kernelRows[-1], kernels)
        step("rt_1plus1", lambda: record("rt_1plus1", measureExecute(
            target, "1+1", sizes["rt"], sizes["warmup"])))
        step("lines_10k", lambda: record("lines_10k", measureExecute(
            target, STREAM_CODE, sizes["lines"], 1, lines=10000)))
        memCount = sizes["mem"][target.kind]

        def memory():
            m = measureMemory(target, memCount)
            out["mem_per_viewer"] = {"unit": "KiB", "n": 1, "mean": m["perViewerKiB"],
                                     "p50": m["perViewerKiB"], "p95": m["perViewerKiB"],
                                     "p99": m["perViewerKiB"], **m}
            say(f"  {target.label}: server RSS {m['beforeKiB']} KiB -> {m['afterKiB']} KiB with "
                f"{memCount} more viewers: {m['perViewerKiB']:.1f} KiB each")
        step("mem_per_viewer", memory)
        for viewers, row in zip(sizes["fanout"], ("fanout_50", "fanout_500"), strict=True):
            def fan(viewers=viewers, row=row):
                f = measureFanout(target, viewers, sizes["trials"])
                record(row, f["last"], extra={"viewers": viewers, "missing": f["missing"],
                                              "fromSend": summary(f["lastFromSend"]),
                                              "eachViewer": summary(f["each"]),
                                              "cpuMsPerTrial": f["cpuMsPerTrial"]})
                say("  CPU per output: server %(server).1f ms, viewer processes %(viewers).1f ms"
                    % f["cpuMsPerTrial"])
                show(f"{target.label}: {row} (from send)", summary(f["lastFromSend"]))
            step(row, fan)
        idle = sizes["idle"][target.kind]

        def idleRoundTrip(row, idleArgs=None):
            info = {}
            samples = measureExecute(target, "1+1", sizes["idleRt"], sizes["warmup"], idle=idle,
                                     deadline=sizes["idleDeadline"], info=info, idleArgs=idleArgs)
            record(row, samples, extra=info)
        step("rt_1plus1_idle", lambda: idleRoundTrip("rt_1plus1_idle"))
        step("rt_1plus1_idle_elsewhere", lambda: idleRoundTrip(
            "rt_1plus1_idle_elsewhere", target.connectArgsElsewhere()))
    finally:
        target.stop()


# -- the table --------------------------------------------------------------------------------

def cell(result: dict | None, stat: str = "p50") -> str:
    if not result:
        return "—"
    if "error" in result:
        return "failed"
    if not result.get("n"):
        return "—"
    if result.get("unit") == "KiB":
        return "%.0f KiB" % result["mean"]
    text = "%.1f (%.1f)" % (result["p50"], result["p99"])
    if result.get("idle", 0) < result.get("idleWanted", 0):
        text += " with only %d of %d viewers open" % (result["idle"], result["idleWanted"])
    return text


def verdict(row: str, result: dict | None) -> str:
    target = ROWS[row][2]
    if not result or not result.get("n") or target is None:
        return "not measured"
    stat, limit, _ = target
    if result.get("idle", 0) < result.get("idleWanted", 0):
        return "NOT met: only %d of %d viewers could be opened" % (result["idle"], result["idleWanted"])
    ok = result[stat] <= limit and (row != "rt_1plus1" or result["p99"] <= 5)
    return "met" if ok else "NOT met"


def table(results: dict, targets: list) -> str:
    keys = [t.key for t in targets]
    labels = [t.label for t in targets]
    header = "| what | " + " | ".join(labels) + " | Jupyter / athena-nb (p50) | target | |"
    lines = [header, "|" + "---|" * (len(labels) + 4)]
    for row, (what, _, target) in ROWS.items():
        values = [cell(results.get(k, {}).get(row)) for k in keys]
        if all(v == "—" for v in values):
            continue
        jupyter = results.get("jupyter", {}).get(row)
        # athena-nb as its pages connect by default, over WebSocket; the start rows, which do
        # not depend on the transport, are measured with the long-poll target only.
        athena = results.get("athena_ws", {}).get(row) or results.get("athena_lp", {}).get(row)
        ratio = "—"
        if jupyter and athena and jupyter.get("n") and athena.get("n") and athena.get("p50"):
            ratio = "%.1fx" % (jupyter["p50"] / athena["p50"])
        goal = "—" if target is None else target[2]
        lines.append(f"| {what} | " + " | ".join(values) +
                     f" | {ratio} | {goal} | {verdict(row, athena)} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny N, for the smoke test")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--athena-only", action="store_true", help="skip Jupyter (no install)")
    only.add_argument("--jupyter-only", action="store_true", help="skip athena-nb")
    parser.add_argument("--no-install", action="store_true",
                        help="use Jupyter only if bench/.jupyter-venv already has it")
    parser.add_argument("--profile", metavar="DIR",
                        help="run athena-nb under pyinstrument, reports in DIR (slows it down)")
    parser.add_argument("--output", default="compare_jupyter", help="results file name")
    only.add_argument("--only", metavar="ROW", choices=list(ROWS),
                      help="measure only this row of athena-nb (over long-poll unless "
                           "--transport says): " + ", ".join(ROWS))
    parser.add_argument("--transport", choices=("longpoll", "websocket"), default="longpoll",
                        help="with --only: the transport athena-nb's pages use")
    parser.add_argument("-n", "--samples", type=int, metavar="N",
                        help="with --only: this many samples instead of the default")
    args = parser.parse_args()
    if args.samples is not None and not args.only:
        parser.error("-n/--samples goes with --only.")
    if args.transport != "longpoll" and not args.only:
        parser.error("--transport goes with --only (a whole run measures both).")
    if args.profile:
        from _athena import profileInto
        if why := profileInto(args.profile):
            parser.error(why)
    sizes = dict(SIZES["quick" if args.quick else "full"])
    if args.samples is not None:
        sizes.update({"cold": args.samples, "kernel": args.samples, "rt": args.samples,
                      "lines": args.samples, "trials": args.samples, "idleRt": args.samples})
    raiseFileLimit()
    results = {"sizes": sizes, "notes": {}, "machineAtStart": machine()}
    failed = False
    with Processes() as procs:
        say(f"Logs of every process started: {procs.logDir}")
        targets = []
        if not (args.athena_only or args.only):
            from _jupyter import JupyterTarget, ensureVenv
            python, how = ensureVenv(not args.no_install, say)
            results["notes"]["jupyter"] = how
            say(f"Jupyter: {how}")
            if python is not None:
                targets += [JupyterTarget(procs, python, nodelay=False),
                            JupyterTarget(procs, python, nodelay=True)]
        if not args.jupyter_only:
            from _athena import athenaTargets
            found, why = athenaTargets(procs)
            results["notes"]["athena"] = why
            say(f"athena-nb: {why}")
            targets += found
        if args.only:
            targets = [t for t in targets
                       if args.only in t.rows and getattr(t, "transport", None) == args.transport]
        for target in targets:
            say(f"\n=== {target.label} ===")
            try:
                runTarget(target, sizes, results, args.only)
            except Exception as e:
                failed = True
                results.setdefault(target.key, {})["error"] = f"{type(e).__name__}: {e}"
                say(f"!! {target.label} failed: {e}")
                traceback.print_exc()
    text = table(results, targets)
    results["table"] = text
    say("\nSide by side (p50 (p99) in ms unless stated):\n" + text)
    m = machine()
    say(f"\nMachine: {m['nproc']} CPUs, {m.get('cpu')}, {m.get('memoryKiB', 0) // 1024} MiB, "
        f"Linux {m['kernel']}, Python {m['python']}; load average at start %.2f, at end %.2f"
        % (results["machineAtStart"]["loadavg"][0], m["loadavg"][0]))
    path = writeResults(args.output, results)
    say("wrote " + os.path.relpath(path))
    for key in [t.key for t in targets]:
        for row, value in results.get(key, {}).items():
            if isinstance(value, dict) and "error" in value:
                failed = True
                say(f"failed: {key} {row}: {value['error']}")
    return 1 if failed else 0


if __name__ == "__main__":
    runMain(main)
