"""A bounded load test of one athena-nb server on 127.0.0.1, with hostile clients beside it (issue 15).  Tests: tests/integration/test_load.py.

Run: python bench/load.py [--quick] [--clients 200] [--worksheets 20] [--seconds 60]
     [--edit-every 1.0] [--run-every 5.0] [--holders 200] [--transport mixed]

A real server (bench/_athena.py) with a fresh data directory.  ``--clients`` people's pages,
spread over ``--worksheets`` worksheets: on each, the first person is the owner (logged in with
the token) and the others collaborators who entered through the worksheet's edit link.  Each
types a line with a marker of its own about every ``--edit-every`` s (OT edits through the page,
as the browser sends them, into its own cell or the shared first cell) and runs its own cell
about every ``--run-every`` s (bench/_loadwork.py, in driver processes of ``--per-process``
pages).  Meanwhile:

- a client sends malformed envelopes and refused calls on a page of its own (bench/_hostile.py:
  bad JSON, wrong acks and actions, 100,000-deep nesting, 9 MiB bodies and frames, unknown
  methods, calls with wrong arguments, over long-poll and WebSocket);
- a client opens ``--holders`` connections (long-poll requests and WebSocket upgrades on pages
  of the busy worksheets and of the misbehaving one) and never reads them;
- one more worksheet's kernel misbehaves in turn: it floods output, raises a 15 MB error,
  allocates 10 GB, starts a hundred processes, and loops until interrupted.

Printed (and written to bench/results/<output>.json): edit acknowledgement latency (typed ->
the edit call's answer, which comes once the edit is saved), run latency (the run call -> the
cell done), errors the well-behaved pages met, acknowledged edits lost (every acknowledged
marker looked for in a page opened after the run, and again after restarting the server on the
same data directory: what the store kept), the server's RSS and CPU, and the answers each kind
of malformed request got.  Exits 1 if a well-behaved page met an error, an acknowledged edit was
lost or a hostile request got a 5xx or no answer.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _athena import DRIVER, AthenaServer, environment, missing  # noqa: E402
from _hostile import Holder, Malformed  # noqa: E402
from common import (  # noqa: E402
    Processes,
    cpuSeconds,
    http,
    machine,
    raiseFileLimit,
    rssKiB,
    runMain,
    say,
    show,
    splitCounts,
    summary,
    treeRssKiB,
    writeResults,
)

#: The misbehaving worksheet's cells, run one after the other, again and again.
MISBEHAVING = [
    ("flood output", "for i in range(400_000):\n    print(i)"),
    ("15 MB error", "raise ValueError('x' * 15_000_000)"),
    ("10 GB allocation", "x = bytearray(10 * 2**30)"),
    ("a hundred processes", "import os, time\nfor i in range(100):\n    if os.fork() == 0:\n"
                            "        time.sleep(5)\n        os._exit(0)"),
    ("busy loop", "while True:\n    pass"),
]


#: A clear answer to a malformed request: a 4xx with its error type, a refusal in band (an
#: error type in a 200's respond), or a WebSocket close frame 4000 + the status.
CLEAR = re.compile(r"(4\d\d|200) [A-Za-z]+|close 4\d\d\d")


def peakKiB(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def importWorksheet(server: AthenaServer, title: str, cells: list[str]) -> str:
    """A worksheet with ``cells`` (code), made in one request as the home page's Import does."""
    notebook = {"nbformat": 4, "nbformat_minor": 4, "metadata": {"title": title},
                "cells": [{"cell_type": "code", "source": text, "metadata": {}, "outputs": [],
                           "execution_count": None} for text in cells]}
    status, _, body = http("POST", f"{server.base}/api/import?name=load.ipynb",
                           json.dumps(notebook).encode(),
                           {"Content-Type": "application/octet-stream",
                            "Cookie": f"athena_session={server.cookies['athena_session']}"})
    if status != 201:
        raise RuntimeError(f"Importing a worksheet answered HTTP {status}: {body[:200]!r}")
    return json.loads(body)["worksheet"]["id"]


def editLink(server: AthenaServer, worksheet: str) -> str:
    status, _, body = http("POST", f"{server.base}/api/worksheets/{worksheet}/links",
                           json.dumps({"role": "collaborator"}).encode(),
                           {"Content-Type": "application/json",
                            "Cookie": f"athena_session={server.cookies['athena_session']}"})
    if status not in (200, 201):
        raise RuntimeError(f"Making a share link answered HTTP {status}: {body[:200]!r}")
    return json.loads(body)["link"]["path"]


def worksheetTexts(procs, server, worksheets: list[str]) -> dict[str, str]:
    """Each worksheet's cells' text, joined, as a page opened now is given it."""
    worker = procs.worker([sys.executable, DRIVER], "texts", env=environment())
    try:
        return {w: "\n".join(worker.call({"cmd": "texts", "base": server.base,
                                          "token": server.token, "worksheet": w},
                                         timeout=120)["texts"]) for w in worksheets}
    finally:
        procs.stop(worker.proc)


def lostMarkers(acked: dict[str, list[str]], texts: dict[str, str]) -> list[str]:
    return [m for w, markers in acked.items() for m in markers if f"# {m}\n" not in texts[w]]


def plan(args, server) -> tuple[list[str], list[dict]]:
    """The worksheets and every person's page: which worksheet, how they came in, their cell."""
    people = splitCounts(args.clients, -(-args.clients // args.worksheets))
    worksheets, pages = [], []
    for w, count in enumerate(people):
        cells = ["# shared notes\n"] + [f"x{k} = {k} * 2\n" for k in range(count)]
        worksheet = importWorksheet(server, f"load {w}", cells)
        link = editLink(server, worksheet)
        worksheets.append(worksheet)
        for k in range(count):
            transport = (args.transport if args.transport != "mixed" else
                         ("longpoll", "websocket")[len(pages) % 2])
            pages.append({"worksheet": worksheet, "link": None if k == 0 else link,
                          "name": f"w{w}p{k}", "transport": transport, "own": k + 1})
    return worksheets, pages


def startPeople(procs, server, pages, perProcess: int) -> list:
    workers = []
    for i, _ in enumerate(splitCounts(len(pages), perProcess)):
        workers.append(procs.worker([sys.executable, DRIVER], f"people{i}", env=environment()))
    for i, worker in enumerate(workers):  # each process a mix of worksheets and transports
        worker.send({"cmd": "loadOpen", "base": server.base, "token": server.token,
                     "pages": pages[i::len(workers)]})
    opened = sum(w.receive(timeout=300)["open"] for w in workers)
    say(f"  {opened} pages open in {len(workers)} processes")
    return workers


def warmUp(workers) -> list[float]:
    """Each worksheet's kernel started (its owner runs a cell) before the clock runs."""
    for worker in workers:
        worker.send({"cmd": "loadWarm"})
    return [ms for w in workers for ms in w.receive(timeout=300)["firstRuns"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny N, for the smoke test")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--worksheets", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--edit-every", type=float, default=1.0)
    parser.add_argument("--run-every", type=float, default=5.0)
    parser.add_argument("--holders", type=int, default=200)
    parser.add_argument("--per-process", type=int, default=25)
    parser.add_argument("--transport", choices=("mixed", "longpoll", "websocket"),
                        default="mixed")
    parser.add_argument("--output", default="load", help="results file name")
    args = parser.parse_args()
    if args.quick:
        args.clients, args.worksheets, args.seconds, args.holders = 8, 2, 6, 10
    why = missing()
    if why is not None:
        say(f"athena-nb cannot be measured here: {why}.")
        return 1
    raiseFileLimit()
    results = {"args": vars(args), "machineAtStart": machine()}
    with Processes() as procs:
        say(f"Logs of every process started: {procs.logDir}")
        token = "load-" + os.urandom(12).hex()
        server = AthenaServer(procs, token, name="load-server",
                              extra=("--cell-timeout", "30", "--memory-mb", "1024"))
        server.waitUntilUp()
        worksheets, pages = plan(args, server)
        hostileSheet = importWorksheet(server, "misbehaving kernel", [""])
        say(f"{len(pages)} people on {len(worksheets)} worksheets, "
            f"{args.seconds:.0f} s; a misbehaving kernel; {args.holders} connections held")
        workers = startPeople(procs, server, pages, args.per_process)
        firstRuns = warmUp(workers)
        kernel = procs.worker([sys.executable, DRIVER], "misbehaving", env=environment())
        kernel.call({"cmd": "connect", "base": server.base, "token": token,
                     "worksheet": hostileSheet, "count": 1}, timeout=120)
        holder = Holder(server.base, token, worksheets + [hostileSheet], args.holders)
        holder.open()
        malformed = Malformed(server.base, token, worksheets[0])
        stop = threading.Event()
        thread = threading.Thread(target=malformed.run, args=(stop,), daemon=True)
        pid = server.proc.pid
        cpuBefore, rssBefore, started = cpuSeconds(pid), rssKiB(pid), time.monotonic()
        thread.start()
        kernel.send({"cmd": "misbehave", "seconds": args.seconds, "codes": MISBEHAVING})
        for worker in workers:
            worker.send({"cmd": "loadRun", "seconds": args.seconds, "editEvery": args.edit_every,
                         "runEvery": args.run_every, "seed": workers.index(worker)})
        rss = []
        while time.monotonic() - started < args.seconds:
            rss.append(rssKiB(pid))
            time.sleep(1)
        replies = [w.receive(timeout=args.seconds + 180) for w in workers]
        misbehaved = kernel.receive(timeout=300)["outcomes"]
        stop.set()
        thread.join(300)  # it finishes the round it is in, or its first
        elapsed = time.monotonic() - started
        cpu, peak = cpuSeconds(pid) - cpuBefore, peakKiB(pid)
        tree = treeRssKiB(pid)
        held = holder.close()
        for worker in workers + [kernel]:
            try:
                worker.call({"cmd": "close"}, timeout=60)
            except Exception:
                pass
            procs.stop(worker.proc)
        acked: dict[str, list[str]] = {}
        for reply in replies:
            for w, markers in reply["acked"].items():
                acked.setdefault(w, []).extend(markers)
        live = lostMarkers(acked, worksheetTexts(procs, server, worksheets))
        server.stop()
        again = AthenaServer(procs, token, name="load-restarted", dataDir=server.dataDir)
        again.waitUntilUp()
        stored = lostMarkers(acked, worksheetTexts(procs, again, worksheets))
        again.stop()
    errors = [e for r in replies for e in r["errors"]]
    results.update({
        "people": len(pages), "worksheets": len(worksheets), "seconds": args.seconds,
        "elapsed": elapsed,
        "editAck": summary([ms for r in replies for ms in r["edits"]]),
        "run": summary([ms for r in replies for ms in r["runs"]]),
        "firstRun": summary(firstRuns),
        "errorCount": sum(r["errorCount"] for r in replies), "errors": errors,
        "resyncs": sum(r["resyncs"] for r in replies),
        "ackedEdits": sum(len(m) for m in acked.values()),
        "lostLive": live, "lostStored": stored,
        "server": {"cpuSeconds": cpu, "cpuShare": cpu / elapsed, "rssBeforeKiB": rssBefore,
                   "rssMaxKiB": max(rss, default=0), "peakKiB": peak,
                   "withKernelsKiB": tree},
        "malformed": malformed.report(), "malformedRounds": malformed.rounds,
        "held": held, "misbehaving": misbehaved, "machineAtEnd": machine()})
    report(results)
    path = writeResults(args.output, results)
    say("wrote " + os.path.relpath(path))
    unclear = [f"{k}: {a}" for k, answers in results["malformed"].items() for a in answers
               if not CLEAR.fullmatch(a)]
    if unclear:
        say("!! malformed requests without a clear answer: " + "; ".join(unclear))
    return 1 if results["errorCount"] or live or stored or unclear else 0


def report(r: dict) -> None:
    say(f"\n--- {r['people']} people on {r['worksheets']} worksheets, {r['seconds']:.0f} s of "
        f"work (everyone done after {r['elapsed']:.0f} s) ---")
    show("edit typed -> saved (its answer)", r["editAck"])
    show("run -> cell done", r["run"])
    show("first run of each worksheet (before)", r["firstRun"])
    say(f"  errors seen by well-behaved pages: {r['errorCount']}")
    for e in r["errors"][:10]:
        say(f"    {e}")
    say(f"  acknowledged edits: {r['ackedEdits']}; lost: {len(r['lostLive'])} in a page opened "
        f"after, {len(r['lostStored'])} after a restart (the store); resyncs: {r['resyncs']}")
    s = r["server"]
    say(f"  server: CPU {s['cpuSeconds']:.1f} s ({s['cpuShare'] * 100:.0f}% of one core), RSS "
        f"{s['rssBeforeKiB'] / 1024:.0f} MiB before, {s['rssMaxKiB'] / 1024:.0f} MiB at most "
        f"(peak {s['peakKiB'] / 1024:.0f} MiB), {s['withKernelsKiB'] / 1024:.0f} MiB with kernels")
    say(f"  held connections: {json.dumps(r['held'])}")
    say(f"  malformed requests ({r['malformedRounds']} rounds), answers by kind:")
    for kind, answers in r["malformed"].items():
        say(f"    {kind:32s} " + ", ".join(f"{a} x{n}" for a, n in answers.items()))
    say("  misbehaving kernel: " + "; ".join(
        f"{o['code']} {o['seconds']:.1f} s ({o['outcome'][:60]})" for o in r["misbehaving"]))


if __name__ == "__main__":
    runMain(main)
