"""Measurements any target can run (Jupyter or athena-nb), through its client processes.  Tests: tests/integration/test_bench_smoke.py.

A *target* (bench/_jupyter.py, bench/_athena.py) has ``procs``, ``perProcess``, ``serverPid``,
``driver(name)`` (a JSON-lines Worker, see bench/common.py) and ``connectArgs()``; its drivers
understand connect / execute / run / key / collect / close.  Nothing here runs in the server's
process: the writer and the viewers are processes of their own.
"""

from __future__ import annotations

import os
import tempfile
import time

from common import cpuSeconds, rssKiB, say, splitCounts

#: The cell of every output trial: the same code each time, so that no trial edits the cell
#: (an edit would fan out to the viewers too); the trial number comes from a file, in the
#: kernel's own directory where the target names one (a sandboxed kernel sees no other).
MARK_CODE = "print('bench-' + open(%r).read(), __import__('time').monotonic())"
MARK_NAME = ".athena-bench-mark"


def openViewers(target, count: int, name: str = "viewer", deadline: float | None = None,
                connectArgs: dict | None = None) -> list:
    """``count`` viewers in processes of at most ``target.perProcess``, opened in parallel
    (on ``connectArgs``, by default the target's own: the writer's worksheet or kernel).

    Without ``deadline`` every viewer must open.  With it, each process stops opening after
    ``deadline`` seconds and failures are counted, not raised: each worker's ``opened`` and
    ``failed`` say how it went (a server that cannot take that many viewers is a finding).
    """
    workers = []
    extra = {} if deadline is None else {"deadline": deadline}
    try:
        for i, k in enumerate(splitCounts(count, target.perProcess)):
            worker = target.driver(f"{name}{i}")
            workers.append(worker)
            worker.send({"cmd": "connect", "count": k, **extra,
                         **(connectArgs or target.connectArgs())})
        for worker in workers:
            reply = worker.receive(timeout=(deadline or 0) + 120 + count * 0.5)
            worker.opened, worker.failed = reply["open"], reply.get("failed", 0)
            if reply.get("firstError"):
                say(f"  !! {worker.name}: {worker.failed} viewers failed to open, the first "
                    f"with {reply['firstError']}")
    except BaseException:
        closeWorkers(target, workers)
        raise
    return workers


def closeWorkers(target, workers) -> None:
    for worker in workers:
        try:
            worker.call({"cmd": "close"}, timeout=30)
        except Exception:
            pass  # it is stopped below either way
        target.procs.stop(worker.proc)


def openWriter(target):
    writer = target.driver("writer")
    try:
        writer.call({"cmd": "connect", "count": 1, **target.connectArgs()}, timeout=120)
    except BaseException:
        target.procs.stop(writer.proc)
        raise
    return writer


def measureExecute(target, code: str, n: int, warmup: int, lines: int = 0, idle: int = 0,
                   deadline: float | None = None, info: dict | None = None,
                   idleArgs: dict | None = None) -> list:
    """Run ``code`` n times from a writer (with ``idle`` viewers connected, on ``idleArgs`` if
    given); ms per run. ``info`` (a dict) receives how many idle viewers were open and how long
    opening took.
    """
    started = time.monotonic()
    viewers = openViewers(target, idle, "idle", deadline, idleArgs) if idle else []
    if info is not None:
        info.update(idleWanted=idle, idle=sum(w.opened for w in viewers),
                    idleFailed=sum(w.failed for w in viewers),
                    idleOpenSeconds=time.monotonic() - started)
        if idle:
            say(f"  {info['idle']} of {idle} idle viewers open after "
                f"{info['idleOpenSeconds']:.0f} s ({info['idleFailed']} failed)")
    try:
        writer = openWriter(target)
    except BaseException:
        closeWorkers(target, viewers)
        raise
    try:
        reply = writer.call({"cmd": "execute", "code": code, "n": n, "warmup": warmup,
                             "lines": lines}, timeout=60 + 5 * (n + warmup))
        return reply["samples"]
    finally:
        closeWorkers(target, [writer] + viewers)


def _cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += cpuSeconds(pid)
        except OSError:
            pass
    return total


#: Seconds between the end of one fan-out trial and the start of the next, for every target:
#: each trial measures one change reaching viewers that are up to date, not a stream of
#: changes.  Under a stream athena-nb paces its watchers (livefragments/_flush.py): at 500, a
#: watcher gets two sends in a row, then one per 0.25 s, and a loaded trial can take two.
TRIAL_GAP = 0.6


def fanoutTrials(writer, workers, trials: int, kind: str = "out", serverPid: int | None = None,
                 markDir: str | None = None) -> dict:
    """``trials`` outputs (kind "out") or keystrokes ("key") from the writer to the viewers,
    ``TRIAL_GAP`` apart.

    For each trial: the latency to the last viewer, from the kernel's print (out) or the
    writer's keystroke (key), and from the writer's send; plus every viewer's own latency.
    """
    last, lastFromSend, each, missing, expected = [], [], [], 0, 0
    if markDir is None:
        markFd, markPath = tempfile.mkstemp(prefix="athena-bench-mark-")
        os.close(markFd)
        markCode = MARK_CODE % markPath
    else:  # the kernel works in markDir: it opens the file by its name
        markPath, markCode = os.path.join(markDir, MARK_NAME), MARK_CODE % MARK_NAME

    def fire(trial: int) -> float:
        if kind == "key":
            return writer.call({"cmd": "key", "trial": trial}, timeout=60)["sent"]
        with open(markPath, "w") as f:
            f.write(str(trial))
        return writer.call({"cmd": "run", "code": markCode}, timeout=60)["sent"]

    def collect(trial: int) -> tuple[list, list]:
        arrivals, stamps = [], []
        for worker in workers:
            reply = worker.call({"cmd": "collect", "trial": trial, "kind": kind, "timeout": 30},
                                timeout=60)
            arrivals += reply["arrivals"]
            stamps += reply["kernelTimes"]
        return arrivals, stamps

    if kind == "out":  # trial 0 puts the code into the cell; it is not counted
        fire(0)
        collect(0)
    # CPU used meanwhile, to tell the server's share of the latency from the viewers'.
    serverPids = [serverPid] if serverPid else []
    viewerPids = [w.proc.pid for w in workers]
    cpuBefore = (_cpu(serverPids), _cpu(viewerPids), _cpu([writer.proc.pid]))
    for trial in range(1, trials + 1):
        time.sleep(TRIAL_GAP)
        sent = fire(trial)
        arrivals, stamps = collect(trial)
        got = [(a, s) for a, s in zip(arrivals, stamps, strict=True) if a is not None]
        missing += len(arrivals) - len(got)
        expected += len(arrivals)
        if got:
            each += [(a - s) * 1000 for a, s in got]
            last.append((max(a for a, _ in got) - got[0][1]) * 1000)
            lastFromSend.append((max(a for a, _ in got) - sent) * 1000)
    if missing:
        say(f"  !! {missing} of {expected} {kind} arrivals never came")
    cpuAfter = (_cpu(serverPids), _cpu(viewerPids), _cpu([writer.proc.pid]))
    if os.path.exists(markPath):
        os.unlink(markPath)
    cpu = {who: (after - before) * 1000 / max(trials, 1) for who, before, after in
           zip(("server", "viewers", "writer"), cpuBefore, cpuAfter, strict=True)}
    return {"last": last, "lastFromSend": lastFromSend, "each": each, "missing": missing,
            "cpuMsPerTrial": cpu}


def measureFanout(target, viewers: int, trials: int) -> dict:
    """One output reaching all of ``viewers`` viewers (see ``fanoutTrials``)."""
    workers = openViewers(target, viewers)
    try:
        writer = openWriter(target)
    except BaseException:
        closeWorkers(target, workers)
        raise
    try:
        return fanoutTrials(writer, workers, trials, serverPid=target.serverPid,
                            markDir=getattr(target, "markDir", lambda: None)())
    finally:
        closeWorkers(target, [writer] + workers)


def measureMemory(target, count: int, settle: float = 1.0) -> dict:
    """Server RSS growth per idle viewer, opening ``count`` of them one at a time."""
    writer = openWriter(target)
    workers = []
    try:
        writer.call({"cmd": "execute", "code": "1+1", "n": 3, "warmup": 0}, timeout=60)
        time.sleep(settle)
        before = rssKiB(target.serverPid)
        worker = target.driver("memviewers")
        workers.append(worker)
        worker.call({"cmd": "connect", "count": count, **target.connectArgs()},
                    timeout=120 + count)
        time.sleep(settle)
        after = rssKiB(target.serverPid)
    finally:
        closeWorkers(target, [writer] + workers)
    return {"beforeKiB": before, "afterKiB": after, "viewers": count,
            "perViewerKiB": (after - before) / count}
