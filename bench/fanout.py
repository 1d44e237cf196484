"""Fan-out on one live worksheet: 1 writer and N viewers over long-poll (issue 6).  Tests: tests/integration/test_bench_smoke.py.

Run: python bench/fanout.py [--quick] [--viewers 10,100,500] [--trials 30] [--transport longpoll]

For each N, a fresh athena-nb server (a subprocess) holds a 20-cell worksheet; N viewer pages
(livefragments.client, in processes of their own, up to 100 per process) and one writer page (a
process of its own) open it.  Measured:

- output: from the kernel printing a line (the line carries the kernel's CLOCK_MONOTONIC) until
  the last viewer has it; p50/p99 over the trials, and every viewer's own latency;
- keystroke: from the writer sending a typed edit (the text carries the writer's clock) until
  the last viewer has it;
- server memory: RSS with the writer only, then with N viewers opened, per viewer.

Prints everything and writes bench/results/fanout.json.  Nothing here is asserted by tests.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _athena import AthenaTarget, missing, profileInto  # noqa: E402
from _measure import closeWorkers, fanoutTrials, openViewers, openWriter  # noqa: E402
from common import (  # noqa: E402
    Processes,
    machine,
    raiseFileLimit,
    rssKiB,
    runMain,
    say,
    show,
    summary,
    writeResults,
)


def fanoutRound(procs, viewers: int, trials: int, transport: str, cells: int) -> dict:
    target = AthenaTarget(procs, transport, cells=cells)
    say(f"\n--- {viewers} viewers ({transport}) on a {cells}-cell worksheet ---")
    target.launch()
    workers = []
    try:
        writer = openWriter(target)
        workers.append(writer)
        writer.call({"cmd": "execute", "code": "1+1", "n": 3, "warmup": 0}, timeout=60)
        time.sleep(1.0)
        before = rssKiB(target.serverPid)
        started = time.monotonic()
        workers += openViewers(target, viewers)
        opened = time.monotonic() - started
        time.sleep(1.0)
        after = rssKiB(target.serverPid)
        out = {"viewers": viewers, "transport": transport, "cells": cells,
               "serverRssKiB": {"writerOnly": before, "withViewers": after},
               "rssPerViewerKiB": (after - before) / viewers, "openSeconds": opened}
        say(f"  server RSS {before} KiB -> {after} KiB with {viewers} viewers "
            f"(opened in {opened:.1f} s): {out['rssPerViewerKiB']:.1f} KiB per viewer")
        for kind, what in (("out", "output: kernel print -> last viewer has it"),
                           ("key", "keystroke: writer sends the edit -> last viewer has it")):
            say(f"  {what}")
            f = fanoutTrials(writer, workers[1:], trials, kind, target.serverPid,
                             markDir=target.markDir())
            out[kind] = {"last": summary(f["last"]), "lastFromSend": summary(f["lastFromSend"]),
                         "eachViewer": summary(f["each"]), "missing": f["missing"],
                         "cpuMsPerTrial": f["cpuMsPerTrial"]}
            show(f"{kind}, last of {viewers} viewers", out[kind]["last"])
            show(f"{kind}, each viewer", out[kind]["eachViewer"])
            if kind == "out":
                show("out, writer's run call -> last viewer", out[kind]["lastFromSend"])
            say("  CPU per trial: server %(server).1f ms, viewer processes %(viewers).1f ms, "
                "writer %(writer).1f ms" % f["cpuMsPerTrial"])
        return out
    finally:
        closeWorkers(target, workers)
        target.stop()


def p50p99(s: dict) -> str:
    return "%.1f (%.1f)" % (s["p50"], s["p99"]) if s.get("n") else "no samples"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny N, for the smoke test")
    parser.add_argument("--viewers", default="10,100,500", help="comma-separated viewer counts")
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--cells", type=int, default=20)
    parser.add_argument("--transport", choices=("longpoll", "websocket"), default="longpoll")
    parser.add_argument("--profile", metavar="DIR",
                        help="run athena-nb under pyinstrument, reports in DIR (slows it down)")
    parser.add_argument("--output", default="fanout", help="results file name")
    args = parser.parse_args()
    if args.profile and (why := profileInto(args.profile)):
        parser.error(why)
    counts = [2, 3] if args.quick else [int(v) for v in args.viewers.split(",")]
    trials = 2 if args.quick else args.trials
    why = missing()
    if why is not None:
        say(f"athena-nb cannot be measured here: {why}.")
        return 1
    raiseFileLimit()
    results = {"rounds": [], "trials": trials, "machineAtStart": machine()}
    failed = False
    with Processes() as procs:
        say(f"Logs of every process started: {procs.logDir}")
        for viewers in counts:
            try:
                results["rounds"].append(fanoutRound(procs, viewers, trials, args.transport,
                                                     args.cells))
            except Exception as e:
                failed = True
                results["rounds"].append({"viewers": viewers, "error": f"{type(e).__name__}: {e}"})
                say(f"!! {viewers} viewers failed: {e}")
                traceback.print_exc()
    say("\n| viewers | output p50 (p99) ms | keystroke p50 (p99) ms | server RSS per viewer |")
    say("|---|---|---|---|")
    for r in results["rounds"]:
        if "error" in r:
            say(f"| {r['viewers']} | failed | failed | failed |")
            continue
        say("| %d | %s | %s | %.1f KiB |" % (r["viewers"], p50p99(r["out"]["last"]),
                                             p50p99(r["key"]["last"]), r["rssPerViewerKiB"]))
    path = writeResults(args.output, results)
    say("wrote " + os.path.relpath(path))
    return 1 if failed else 0


if __name__ == "__main__":
    runMain(main)
