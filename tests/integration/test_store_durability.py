"""A killed server loses nothing saved: a child process writes, says "saved" when the Deferred
fires, is SIGKILLed, and every write it reported is in the store when it is opened again."""

from __future__ import annotations

import os
import re
import signal
import sys
import textwrap
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import protocol, reactor
from twisted.internet.defer import Deferred

from athena_nb.store import RunState, Store

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]

# The child: open the store, then write forever, one step after another, each step a text
# save plus an output chunk plus a run-state change, and print "saved N" when step N's
# Deferreds have fired.
CHILD = textwrap.dedent(
    """
    import sys
    from twisted.internet import reactor
    from twisted.internet.defer import gatherResults
    from athena_nb.store import Store

    def opened(store):
        def created(worksheet):
            return store.load_worksheet(worksheet.id).addCallback(loaded)

        def loaded(snapshot):
            cell = snapshot.cells[0].id
            print("ready", snapshot.worksheet.id, cell, flush=True)
            step(cell, 1)

        def step(cell, n):
            state = "running" if n % 2 else "done"
            d = gatherResults([
                store.set_cell_text(cell, "text %d" % n, n),
                store.append_outputs(cell, [("stream", {"n": n})]),
                store.set_run_state(cell, state, execution_count=n),
            ])
            d.addCallback(lambda _: print("saved", n, flush=True))
            d.addCallback(lambda _: step(cell, n + 1))
            d.addErrback(lambda f: (print("failed", f.getErrorMessage(), flush=True),
                                    reactor.stop()))

        return store.create_worksheet("Durable").addCallback(created)

    def failed(f):
        print("failed", f.getErrorMessage(), flush=True)
        reactor.stop()

    Store.open(reactor, sys.argv[1]).addCallback(opened).addErrback(failed)
    reactor.run()
    """
)


class Child(protocol.ProcessProtocol):
    """Reads the child's lines; SIGKILLs it once it has reported `kill_after` saved steps."""

    def __init__(self, kill_after: int) -> None:
        self.kill_after = kill_after
        self.buffer = b""
        self.lines: list[str] = []
        self.errors = b""
        self.killed = False
        self.ended: Deferred = Deferred()

    def outReceived(self, data: bytes) -> None:
        self.buffer += data
        *complete, self.buffer = self.buffer.split(b"\n")
        for raw in complete:
            line = raw.decode()
            self.lines.append(line)
            match = re.fullmatch(r"saved (\d+)", line)
            if match and int(match.group(1)) >= self.kill_after and not self.killed:
                self.killed = True
                self.transport.signalProcess("KILL")

    def errReceived(self, data: bytes) -> None:
        self.errors += data

    def processEnded(self, reason) -> None:
        self.ended.callback(reason.value)


@pytest.mark.parametrize("kill_after", [1, 40])
@pytest_twisted.inlineCallbacks
def test_every_reported_save_survives_sigkill(tmp_path, kill_after):
    """Every step the child reported saved before dying of SIGKILL is in the reopened store,
    in order and with no gaps; the child really died of the signal, without closing the
    store, so what was saved came back from the write-ahead log."""
    path = str(tmp_path / "nb.sqlite")
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    child = Child(kill_after)
    reactor.spawnProcess(child, sys.executable, [sys.executable, str(script), path], env=env)
    ended = yield child.ended

    assert child.killed, (
        f"The child never reported {kill_after} saves: {child.lines} {child.errors!r}"
    )
    assert getattr(ended, "signal", None) == signal.SIGKILL
    assert os.path.exists(path + "-wal"), "The store was closed cleanly, so nothing was tested."
    ready = child.lines[0].split()
    assert ready[0] == "ready"
    worksheet_id, cell_id = ready[1], int(ready[2])
    saved = [int(line.split()[1]) for line in child.lines if line.startswith("saved ")]
    assert saved == list(range(1, len(saved) + 1))
    last = saved[-1]
    assert last >= kill_after

    store = yield Store.open(reactor, path)
    cell = yield store.get_cell(cell_id)
    assert cell.worksheet_id == worksheet_id
    # The child may have committed one step more than it managed to report before it died.
    assert cell.version in (last, last + 1)
    assert cell.text == f"text {cell.version}"
    steps = [o.payload["n"] for o in cell.outputs]
    assert steps[:last] == list(range(1, last + 1))
    assert len(steps) - last in (0, 1)
    assert cell.execution_count >= last
    assert cell.state in (RunState.RUNNING, RunState.DONE)
    yield store.close()
