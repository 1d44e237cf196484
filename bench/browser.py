"""What a person feels, in Chromium: athena-nb and JupyterLab 4 with real-time collaboration side by side in one run (issue 12).  Tests: tests/integration/test_bench_smoke.py.

Run: python bench/browser.py [--quick] [--athena-only | --jupyterlab-only] [--no-install]
                             [--transport longpoll|websocket|both] [--only ROW,ROW]
                             [--samples N]

Installs JupyterLab + jupyter-collaboration (pinned, see bench/_browser_lab.py) into
bench/.jupyterlab-venv once; ``--no-install`` only reuses it. Starts athena-nb (long-poll by
default) and JupyterLab on 127.0.0.1 with a token, drives both in one headless Chromium
(/usr/bin/chromium, Playwright), each person in a browser context of their own, and prints
p50 (p99) per row with the ratio JupyterLab / athena-nb, the machine and its load.
Times are taken in the pages (bench/_browser_probe.js): from the key the person presses (its
keydown) or the tab's navigation start, until the DOM shows the result; the screen shows it
at the next frame, for both alike. Writes bench/results/browser.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _bigsheet  # noqa: E402
from _browser import (  # noqa: E402
    EDITOR_TEXT,
    NEW_OUTPUT,
    NEW_OUTPUT_ENDS,
    SHIFT_LEAD,
    Browser,
    arm,
    clearKeys,
    keyTime,
    markOutputs,
    missing,
    pageLoads,
    pause,
    result,
    shiftEnter,
)
from _browser_big import END_TIMEOUT, bigPageReady  # noqa: E402
from common import Processes, machine, runMain, say, show, summary, writeResults  # noqa: E402

# key: (what, from where to where, issue 12's target: (minimum ratio JupyterLab / athena-nb
# p50, its words) or None)
ROWS = {
    "page_ready": ("page ready: 20 cells, 10 of them with math output",
                   "from a new tab's navigation start (the same person loaded it before, so the "
                   "browser's cache is warm; the first, cold load is shown apart) until the page "
                   "shows all 20 cells' code and the 10 math outputs (typeset where the page "
                   "typesets) and is live",
                   (10.0, ">= 10x faster than JupyterLab")),
    "run_1plus1": ("`1+1`: Shift+Enter until `2` shows",
                   "from the Enter keydown (Shift held) in a cell holding `1+1` until the new "
                   "output `2` is in the DOM", None),
    "type_run": ("type `1+1` then Shift+Enter at once, until `2` shows",
                 "from the keydown of the first key typed into an empty cell (`1+1` then "
                 "Shift+Enter, back to back) until the new output `2` is in the DOM",
                 (4.0, ">= 4x faster than JupyterLab")),
    "lines_10k": ("10,000 lines of output until all are shown",
                  "from the Enter keydown (Shift held) on `for i in range(10000): print(i)` "
                  "until the new output's last line `9999` is in the DOM", None),
    "keystroke_peer": ("a keystroke reaching a second person",
                       "two people (browser contexts) on the same notebook: from the keydown of "
                       "a character typed by one until the other's editor shows it",
                       (1.0, "faster than JupyterLab")),
    "output_5_watchers": ("an output reaching 5 watchers",
                          "5 people watch while a sixth runs a cell: from the Enter keydown "
                          "until the last of the 5 shows the new output", None),
    "big_page_ready": ("page ready: 2,000 cells with 20 MB of outputs",
                       "from a new tab's navigation start (the same person loaded it before: "
                       "warm cache) until the first two cells (what the screen shows) have "
                       "their code in an editor and all their output, and the page is live; "
                       "apart, from then until scrolled to the end, the last cell shows its "
                       "code in an editor and its typeset output (bench/_bigsheet.py)", None),
}

#: Rows whose issue 12 target is an absolute time (athena-nb's p50 at most, ms; its words).
LIMITS = {"big_page_ready": (2000.0, "about 2 s at most")}

SIZES = {
    "full": {"load": 20, "run": 40, "typeRun": 30, "lines": 10, "key": 50, "watch": 20,
             "watchers": 5, "warmup": 3, "big": 5, "bigCells": _bigsheet.CELLS},
    "quick": {"load": 2, "run": 2, "typeRun": 2, "lines": 1, "key": 2, "watch": 2,
              "watchers": 2, "warmup": 1, "big": 1, "bigCells": 40},
}

#: The sizes that are numbers of samples (``--samples`` sets them all).
SAMPLED = ("load", "run", "typeRun", "lines", "key", "watch", "big")

CELLS, MATH = 20, 10
STREAM = "for i in range(10000):\n    print(i)"
COUNTER = 'k = globals().get("k", 0) + 1\nk'
#: The work notebook: `1+1` (b), empty (c), the stream (d), empty (e), a counter (f), spares
#: (so that Shift+Enter never adds a cell).
WORK = ["1+1", "", STREAM, "", COUNTER, "", ""]
RUN, TYPE, LINES, KEY, WATCH = 0, 1, 2, 3, 4


def loadCells() -> list[tuple[str, dict]]:
    """20 cells, every other one with a LaTeX result: (code, the result Jupyter saves)."""
    cells = []
    for i in range(CELLS):
        if i % 2 == 0:
            k = i // 2 + 2
            code = ('type("Math", (), {"_repr_latex_": lambda self: r"$x^{%d} + \\frac{1}{%d}$", '
                    '"__repr__": lambda self: "x^%d + 1/%d"})()' % (k, k, k, k))
            cells.append((code, {"text/latex": "$x^{%d} + \\frac{1}{%d}$" % (k, k),
                                 "text/plain": "x^%d + 1/%d" % (k, k)}))
        else:
            cells.append((f"{i} * 2", {"text/plain": str(i * 2)}))
    return cells


def mathIndexes() -> tuple[list[int], list[str]]:
    cells = loadCells()
    found = [(i, data["text/plain"]) for i, (_, data) in enumerate(cells) if "text/latex" in data]
    return [i for i, _ in found], [t for _, t in found]


# -- the rows ---------------------------------------------------------------------------------

def pageReady(side, browser, n: int) -> tuple[list[float], float]:
    """(warm samples, the first load with a cold cache), ms from navigation start."""
    indexes, texts = mathIndexes()
    test = side.readyTest(CELLS, indexes, texts)
    return pageLoads(browser, side.login, lambda page: side.openLoad(page, test), n)


def settle(side, page) -> None:
    pause(0.3)
    side.waitIdle(page)


def clearCell(side, page, index: int) -> None:
    side.focusEnd(page, index)
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    arm(page, "empty", EDITOR_TEXT, [index, ""])
    result(page, "empty")
    pause(0.3)  # the edit is sent and acknowledged before the timing starts


def runCell(side, page, index: int, n: int, warmup: int, *, typed: str | None = None,
            want: str = "2", ends: bool = False, info: dict | None = None) -> list[float]:
    """Shift+Enter in cell ``index`` (after typing ``typed`` into it, emptied, if given).

    With ``typed``, ``info`` gets "fromEnter" (the same runs timed from the Enter keydown) and
    "typing" (first key to Enter: how long the browser took to take the keys)."""
    samples, fromEnter, typing = [], [], []
    for i in range(warmup + n):
        if typed is not None:
            clearCell(side, page, index)
        else:
            side.focusEnd(page, index)
            pause(0.2)
        markOutputs(page, index)
        clearKeys(page)
        arm(page, "out", NEW_OUTPUT_ENDS if ends else NEW_OUTPUT, [index, want], timeout=120)
        if typed is not None:
            page.keyboard.type(typed)
        shiftEnter(page, lead=0 if typed is not None else SHIFT_LEAD)
        enter = keyTime(page, "Enter")
        start = keyTime(page) if typed is not None else enter  # not from Shift, held before
        done = result(page, "out")
        if i >= warmup:
            samples.append(done - start)
            fromEnter.append(done - enter)
            typing.append(enter - start)
        settle(side, page)
    if info is not None and typed is not None:
        info.update(fromEnter=summary(fromEnter), typing=summary(typing))
    return samples


def keystroke(side, writer, peer, n: int, warmup: int) -> list[float]:
    samples = []
    side.focusEnd(writer, KEY)
    text = writer.evaluate("(i) => __bench.editorText(__bench.cells()[i])", KEY)
    for i in range(warmup + n):
        ch = "abcdefghijklmnopqrstuvwxyz"[i % 26]
        text += ch
        clearKeys(writer)
        arm(peer, "key", EDITOR_TEXT, [KEY, text])
        writer.keyboard.type(ch)
        start = keyTime(writer)
        shown = result(peer, "key")
        if i >= warmup:
            samples.append(shown - start)
        pause(0.3)
    return samples


def watched(side, writer, watchers, n: int, warmup: int) -> tuple[list[float], list[float]]:
    """(the last of the watchers, each watcher) per run, ms from the writer's Enter."""
    last, each = [], []
    for i in range(warmup + n):
        side.focusEnd(writer, WATCH)
        pause(0.2)
        for w in watchers:
            markOutputs(w, WATCH)
            arm(w, "fan", NEW_OUTPUT, [WATCH, None])
        clearKeys(writer)
        shiftEnter(writer)
        start = keyTime(writer, "Enter")
        times = [result(w, "fan") - start for w in watchers]
        if i >= warmup:
            last.append(max(times))
            each.extend(times)
        pause(0.6)  # as bench/fanout.py: one output at a time, not a stream
        side.waitIdle(writer)
    return last, each


class Person:
    """A side's writer: one context with the work notebook open, kept across the rows."""

    def __init__(self, side, browser, bigSheet=None):
        self.side, self.browser, self.bigSheet = side, browser, bigSheet
        self.contexts = []
        self._writer = None

    def context(self):
        context = self.browser.context()
        self.contexts.append(context)
        return context

    def drop(self, context) -> None:
        self.contexts.remove(context)
        context.close()

    @property
    def writer(self):
        if self._writer is None:
            self._writer = self.side.openWork(self.context())
            self.side.waitKernel(self._writer)  # the kernel is up before anything is timed
        return self._writer

    def close(self) -> None:
        for context in list(self.contexts):
            try:
                self.drop(context)
            except Exception:
                pass


def measureRow(row: str, side, person: Person, sizes: dict, out: dict) -> None:
    """One row for one side; the figures go to ``out[row]``."""
    def record(samples, extra=None):
        out[row] = summary(samples)
        out[row].update(extra or {})
        show(f"{side.label}: {row}", out[row])

    w = sizes["warmup"]
    if row == "big_page_ready":
        samples, first, ends, missed = bigPageReady(side, person.browser, sizes["big"],
                                                    person.bigSheet)
        record(samples, {"firstLoadColdCache": first, "scrollToEnd": summary(ends),
                         "scrollToEndMissed": missed})
        say(f"  first load (cold cache): {first:.1f} ms")
        if ends:
            show(f"  {side.label}: scrolled to the end, until the last cell is shown",
                 summary(ends))
        if missed:
            say(f"  {side.label}: a scroll to the end did not show the last cell within "
                f"{END_TIMEOUT} s (the next loads were not scrolled)")
    elif row == "page_ready":
        samples, first = pageReady(side, person.browser, sizes["load"])
        record(samples, {"firstLoadColdCache": first, "math": side.mathShown})
        say(f"  first load (cold cache): {first:.1f} ms; math shown as: {side.mathShown}")
    elif row == "run_1plus1":
        record(runCell(side, person.writer, RUN, sizes["run"], w))
    elif row == "type_run":
        info = {}
        record(runCell(side, person.writer, TYPE, sizes["typeRun"], w, typed="1+1", info=info),
               info)
        show(f"  {side.label}: {row} from the Enter", info["fromEnter"])
        show(f"  {side.label}: {row} typing (first key to Enter)", info["typing"])
    elif row == "lines_10k":
        record(runCell(side, person.writer, LINES, sizes["lines"], 1, want="9999", ends=True))
    elif row == "keystroke_peer":
        writer = person.writer
        context = person.context()
        try:
            other = side.openWork(context)
            pause(1.0)
            record(keystroke(side, writer, other, sizes["key"], w))
        finally:
            person.drop(context)
    elif row == "output_5_watchers":
        writer = person.writer
        contexts = [person.context() for _ in range(sizes["watchers"])]
        try:
            watchers = [side.openWork(c) for c in contexts]
            pause(1.0)
            last, each = watched(side, writer, watchers, sizes["watch"], w)
            record(last, {"watchers": len(watchers), "eachWatcher": summary(each)})
        finally:
            for context in contexts:
                person.drop(context)


def measureAll(sides: list, browser, sizes: dict, rows: set, results: dict,
               bigSheet=None) -> None:
    """Row by row, each side in turn (so that the machine's load drifts alike for all)."""
    people = {side.key: Person(side, browser, bigSheet) for side in sides}
    try:
        for row, (what, where, _) in ROWS.items():
            if row not in rows:
                continue
            say(f"\n{what}\n    measured {where}")
            for side in sides:
                out = results.setdefault(side.key, {})
                if "error" in out:
                    continue
                try:
                    measureRow(row, side, people[side.key], sizes, out)
                except Exception as e:
                    out[row] = {"error": f"{type(e).__name__}: {e}"}
                    say(f"  !! {side.label}: {row} failed: {e}")
                    traceback.print_exc()
    finally:
        for person in people.values():
            person.close()


# -- the table --------------------------------------------------------------------------------

def cell(value: dict | None) -> str:
    if not value:
        return "—"
    if "error" in value:
        return "failed"
    if not value.get("n"):
        return "—"
    return "%.1f (%.1f)" % (value["p50"], value["p99"])


def table(results: dict, sides: list) -> str:
    labels = [s.label for s in sides]
    lines = ["| what | " + " | ".join(labels) + " | JupyterLab / athena-nb (p50) | issue 12 target | |",
             "|" + "---|" * (len(labels) + 4)]
    for row, (what, _, target) in ROWS.items():
        values = [cell(results.get(s.key, {}).get(row)) for s in sides]
        if all(v == "—" for v in values):
            continue
        lab = results.get("jupyterlab", {}).get(row) or {}
        # The ratio is taken with the server's default transport, WebSocket, where it ran.
        athena = results.get("athena_ws", {}).get(row) or results.get("athena_lp", {}).get(row) or {}
        ratio, verdict = "—", "—"
        if lab.get("n") and athena.get("n") and athena.get("p50"):
            r = lab["p50"] / athena["p50"]
            ratio = "%.1fx" % r
            if target is not None:
                verdict = "met" if r >= target[0] and (target[0] > 1 or r > 1) else "NOT met"
        words = "—" if target is None else target[1]
        if row in LIMITS and athena.get("n"):
            limit, words = LIMITS[row]
            verdict = "met" if athena["p50"] <= limit else "NOT met"
        lines.append(f"| {what} | " + " | ".join(values) + f" | {ratio} | {words} | {verdict} |")
    return "\n".join(lines)


def describe(m: dict) -> str:
    return (f"{m['nproc']} CPUs ({m.get('cpu')}), {m.get('memoryKiB', 0) // 1024} MiB, Linux "
            f"{m['kernel']}, Python {m['python']}, load average %.2f %.2f %.2f" % tuple(m["loadavg"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny N, for the smoke test")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--athena-only", action="store_true", help="skip JupyterLab (no install)")
    which.add_argument("--jupyterlab-only", action="store_true", help="skip athena-nb")
    parser.add_argument("--no-install", action="store_true",
                        help="use JupyterLab only if bench/.jupyterlab-venv already has it")
    parser.add_argument("--transport", choices=("longpoll", "websocket", "both"),
                        default="websocket",
                        help="athena-nb's transport (default WebSocket, as the server's own default)")
    parser.add_argument("--only", metavar="ROW[,ROW]",
                        help="measure only these rows: " + ", ".join(ROWS))
    parser.add_argument("--samples", type=int, metavar="N",
                        help="N samples for every row measured (instead of its own number)")
    parser.add_argument("--output", default="browser", help="results file name")
    args = parser.parse_args()
    rows = set(ROWS) if not args.only else set(args.only.split(","))
    if rows - set(ROWS):
        parser.error(f"Unknown rows {sorted(rows - set(ROWS))}; the rows are {', '.join(ROWS)}.")
    why = missing()
    if why is not None:
        say(f"Cannot drive a browser here: {why}.")
        return 2
    sizes = dict(SIZES["quick" if args.quick else "full"])
    if args.samples:
        sizes.update({k: args.samples for k in SAMPLED})
    start = machine()
    say(f"Machine: {describe(start)}")
    results = {"sizes": sizes, "notes": {}, "machineAtStart": start}
    failed = False
    with Processes() as procs, Browser() as browser:
        say(f"Logs of every process started: {procs.logDir}")
        sides = []
        if not args.athena_only:
            from _browser_lab import LabSide, ensureVenv
            python, how = ensureVenv(not args.no_install, say)
            results["notes"]["jupyterlab"] = how
            say(f"JupyterLab: {how}")
            if python is not None:
                sides.append(LabSide(procs, python))
        if not args.jupyterlab_only:
            from _browser_athena import AthenaSide
            transports = ("longpoll", "websocket") if args.transport == "both" else (args.transport,)
            sides += [AthenaSide(procs, t) for t in transports]
        cells = loadCells()
        bigSheet = None
        if "big_page_ready" in rows:
            bigSheet = _bigsheet.cells(sizes["bigCells"])
            results["notes"]["bigSheet"] = {"cells": len(bigSheet),
                                            "outputBytes": _bigsheet.outputBytes(bigSheet)}
            say("The big notebook: %d cells, %.1f MB of outputs (as JSON)"
                % (len(bigSheet), _bigsheet.outputBytes(bigSheet) / 1e6))
        try:
            for side in sides:
                say(f"Starting {side.label} and making its notebooks")
                out = results.setdefault(side.key, {})
                try:
                    side.start()
                    if bigSheet is not None:
                        side.prepareBig(browser, bigSheet)
                    if rows - {"big_page_ready"}:
                        side.prepare(browser, cells, MATH, WORK)
                    if "page_ready" in rows:
                        shown = side.probeMath(browser, mathIndexes()[0])
                        results["notes"][side.key + "_math"] = shown
                        if shown != "typeset":
                            say(f"  note: {side.label} shows LaTeX as text, not typeset; the "
                                "page-ready row waits for that text.")
                except Exception as e:
                    out["error"] = f"{type(e).__name__}: {e}"
                    say(f"!! {side.label} failed: {e}")
                    traceback.print_exc()
            measureAll(sides, browser, sizes, rows, results, bigSheet)
        finally:
            for side in sides:
                side.stop()
        results["offMachineRequests"] = sorted(set(browser.offMachine))
        results["browserRestarts"] = browser.restarts
        if browser.restarts:
            say(f"The browser went away and was started again {browser.restarts} time(s).")
    text = table(results, sides)
    results["table"] = text
    say("\nWhat a person feels, p50 (p99) in ms:\n" + text)
    end = machine()
    say(f"\nMachine: {describe(end)} (at the start: %.2f)" % start["loadavg"][0])
    if results["offMachineRequests"]:
        say(f"Requests to other hosts (blocked): {results['offMachineRequests'][:10]}")
    else:
        say("No request left 127.0.0.1.")
    path = writeResults(args.output, results)
    say("wrote " + os.path.relpath(path))
    for side in sides:
        for row, value in results.get(side.key, {}).items():
            if isinstance(value, dict) and "error" in value or row == "error":
                failed = True
                say(f"failed: {side.key} {row}: {value if row == 'error' else value['error']}")
    return 1 if failed else 0


if __name__ == "__main__":
    runMain(main)
