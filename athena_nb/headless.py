"""``athena-nb run NOTEBOOK [--output OUT]``: run a notebook from start to end with no server
and no browser, and save it with its outputs, as papermill and ``jupyter nbconvert --execute``
do.  Tests: tests/integration/test_headless.py.

The notebook is a Jupyter notebook (``.ipynb``) or a Sage Notebook worksheet (``.sws``, or the
plain-text ``.txt``); the result is always a Jupyter notebook (default: ``<name>.out.ipynb``
beside it).  Cells run one after the other in one kernel (the same worker as the notebook's,
in the notebook's directory, under the same limits); each code cell's outputs replace its old
ones.  The first cell that ends in an error stops the run, as in Jupyter: the cells after it
keep no outputs, the notebook is saved all the same, and the exit status is 1 (``--allow-errors``
goes on to the end; the status is then 1 if any cell failed).  Text cells are kept as they are.
"""

from __future__ import annotations

import os
import sys

from twisted.python import usage

from .cells import cleanEvent, compact
from .formats import FormatError, ipynb, sws
from .store import CellKind, OutputKind
from .store._model import Cell, Output, Worksheet, WorksheetSnapshot

READERS = {".ipynb": ipynb.read, ".sws": sws.read, ".txt": sws.readText}


class RunOptions(usage.Options):
    synopsis = "athena-nb run NOTEBOOK [options]"
    optParameters = [
        ["output", "o", None, "Where to save the notebook with its outputs "
                              "(default: NOTEBOOK's name with .out.ipynb)."],
        ["system", None, None, "python or sage: what cells without a mode line run as "
                               "(default: the notebook's own, else python)."],
        ["cell-timeout", None, 600.0, "Seconds one cell may run before it is interrupted.",
         float],
    ]
    optFlags = [["allow-errors", None, "Run every cell even after one fails."]]

    def parseArgs(self, notebook):
        self["notebook"] = notebook


def main(argv: list[str]) -> int:
    options = RunOptions()
    if argv and not argv[0].startswith("-"):  # NOTEBOOK first, as documented: options follow
        argv = argv[1:] + argv[:1]
    try:
        options.parseOptions(argv)
    except usage.UsageError as e:
        print(f"{options}\nathena-nb run: {e}", file=sys.stderr)
        return 2
    path = options["notebook"]
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in READERS:
        print(f"athena-nb run: {path} is not a notebook athena-nb reads "
              f"({', '.join(READERS)}).", file=sys.stderr)
        return 2
    try:
        with open(path, "rb") as f:
            imported = READERS[suffix](f.read(), os.path.basename(path))
    except OSError as e:
        print(f"athena-nb run: cannot read {path}: {e.strerror}.", file=sys.stderr)
        return 2
    except FormatError as e:
        print(f"athena-nb run: {e}", file=sys.stderr)
        return 2
    output = options["output"] or os.path.splitext(path)[0] + ".out.ipynb"
    from twisted.internet.task import react

    # react() ends the process: with 0, or with the SystemExit's status _run raises.
    react(lambda reactor: _run(reactor, imported, options, os.path.dirname(os.path.abspath(path)),
                               output))
    return 0  # not reached


async def _run(reactor, imported, options, cwd: str, output: str) -> None:
    from .kernel import Kernel, KernelLimits

    system = options["system"] or imported.metadata.get("system") or "python"
    kernelSystem = "sage" if system not in ("python", "sh", "md", "html", "latex") else "python"
    kernel = Kernel(reactor, system=kernelSystem, cwd=cwd,
                    limits=KernelLimits(wallSeconds=options["cell-timeout"]))
    failed = stopped = False
    cells = []
    try:
        await kernel.start()
        count = 0
        for n, cell in enumerate(imported.cells):
            if cell.kind is CellKind.TEXT or stopped:
                cells.append(_cell(n, cell, (), None))
                continue
            events = []
            done = await kernel.execute(cell.text, events.append, system).deferred
            count += 1
            kept = compact([e for e in map(cleanEvent, events) if e is not None])
            if done.status not in ("ok", "error") and done.message:
                kept.append({"type": "notice", "text": done.message})
            cells.append(_cell(n, cell, kept, count))
            if done.status != "ok":
                failed = True
                print(f"athena-nb run: cell {n + 1} ended with {done.status}"
                      f"{': ' + done.message if done.message else ''}.", file=sys.stderr)
                stopped = not options["allow-errors"]
    finally:
        await kernel.shutdown()
    snapshot = WorksheetSnapshot(Worksheet("run", imported.title, 0.0, 0.0), tuple(cells),
                                 {k: v for k, v in imported.metadata.items()})
    with open(output, "wb") as f:
        f.write(ipynb.write(snapshot, kernelSystem))
    print(f"athena-nb run: saved {output}" + (" (a cell failed)" if failed else ""),
          file=sys.stderr)
    if failed:
        raise SystemExit(1)


def _cell(n: int, cell, events, count) -> Cell:
    """A stored-like cell for the writer: ``events`` as output chunks."""
    outputs = tuple(Output(i, OutputKind(e["type"]), {k: v for k, v in e.items() if k != "type"})
                    for i, e in enumerate(events))
    return Cell(n, "run", n, cell.text, 0, "idle", count, None, outputs, (), cell.kind,
                cell.metadata)
