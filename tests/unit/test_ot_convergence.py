"""Convergence of athena_nb.ot: several sites typing concurrently against one server authority.

Each site is a SyncClient; the server is a TextDocument. Messages travel in per-direction
FIFO queues (the ordered channel the live page gives) and are delivered in random
interleavings, so any site may lag any number of versions behind. Every inserted character
is unique, which lets the tests check exactly which characters must survive.

The same simulation writes the recorded traces in tests/vectors/ot/traces.json, which
tests/unit/test_ot.py and tests/js/ot.test.mjs replay. Regenerate them with
``python tests/unit/test_ot_convergence.py --write-vectors``.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from athena_nb.ot import (  # noqa: E402
    Delete,
    Insert,
    Operation,
    StaleVersion,
    SyncClient,
    SyncError,
    SyncState,
    TextDocument,
    apply,
    compose,
    invert,
    transform,
)

TRACES = ROOT / "tests" / "vectors" / "ot" / "traces.json"
SITES = ("A", "B", "C")
INITIAL = "abcdefgh"
NODE = "/usr/bin/node"

Choose = Callable[[int], int]  # returns an int in range(n)


class Simulation:
    """Sites, a server and the queues between them; records every event as a trace."""

    def __init__(self, initial: str = INITIAL, sites=SITES, historyLimit: int = 1000) -> None:
        self.initial = initial
        self.historyLimit = historyLimit
        self.server = TextDocument(initial, 0, historyLimit)
        self.toServer: dict[str, deque] = {s: deque() for s in sites}
        self.toSite: dict[str, deque] = {s: deque() for s in sites}
        # How many times each site started again (resync): a refusal of an op sent before
        # the last start is moot, as the browser's CellText treats it.
        self.epochs = {s: 0 for s in sites}
        self.clients = {
            s: SyncClient(initial, 0, lambda op, base, follows, s=s: self.toServer[s].append(
                (op, base, follows, self.epochs[s])))
            for s in sites
        }
        self.events: list[dict] = []
        self.serverLog: list[dict] = []
        self.inserted: set[str] = set()
        self.deleted: set[str] = set()
        self.snapshots: list[str] = [initial]
        self.resyncs = 0
        self.charCount = 0

    # -- events ------------------------------------------------------------------------

    def edit(self, site: str, op: Operation) -> None:
        client = self.clients[site]
        before = client.text
        client.applyLocal(op)
        self.inserted |= set(client.text) - set(before)
        self.deleted |= set(before) - set(client.text)
        self.snapshots.append(client.text)
        self.events.append({"edit": site, "op": op.toJSON()})

    def flush(self, site: str) -> None:
        self.clients[site].flush()
        self.events.append({"flush": site})

    def deliverToServer(self, site: str) -> None:
        op, base, follows, epoch = self.toServer[site].popleft()
        self.events.append({"toServer": site})
        entry = {"site": site, "base": base, "op": op.toJSON()}
        if follows:
            entry["follows"] = follows
        try:
            applied, version = self.server.receive(op, base, site, follows)
        except (StaleVersion, SyncError) as e:
            entry["error"] = type(e).__name__
            self.toSite[site].append(("resync", self.server.text, self.server.version, epoch))
        else:
            entry["result"] = [applied.toJSON(), version]
            for other, queue in self.toSite.items():
                queue.append(("ack", version) if other == site else ("op", applied, version))
            self.snapshots.append(self.server.text)
        self.serverLog.append(entry)

    def deliverToSite(self, site: str) -> None:
        message = self.toSite[site].popleft()
        self.events.append({"toSite": site})
        client = self.clients[site]
        if message[0] == "ack":
            client.acknowledge(message[1])
        elif message[0] == "op":
            client.applyRemote(message[1], message[2])
            self.snapshots.append(client.text)
        elif message[3] == self.epochs[site]:
            self.resyncs += 1
            self.epochs[site] += 1
            client.resync(message[1], message[2])

    # -- random driving ----------------------------------------------------------------

    def newText(self, n: int) -> str:
        """`n` never-seen characters, mixing BMP, emoji and astral CJK."""
        out = []
        for _ in range(n):
            k, kind = divmod(self.charCount, 3)
            out.append(chr((0x4E00, 0x1F300, 0x20000)[kind] + k))
            self.charCount += 1
        return "".join(out)

    def randomEdit(self, choose: Choose, site: str) -> Operation:
        size = len(self.clients[site].text)
        kind = choose(6) if size else 0
        if kind <= 2:  # insert
            return Operation.insert(choose(size + 1), self.newText(1 + choose(3)))
        at = choose(size)
        count = 1 + choose(min(3, size - at))
        if kind <= 4:
            return Operation.delete(at, count)
        # a replacement: two components in one op
        return Operation([Delete(at, count), Insert(at, self.newText(1 + choose(2)))])

    def pending(self) -> list[tuple[str, str]]:
        return [("toServer", s) for s, q in self.toServer.items() if q] + [
            ("toSite", s) for s, q in self.toSite.items() if q
        ]

    def step(self, choose: Choose) -> None:
        moves = self.pending()
        pick = choose(len(moves) + 3)  # an edit is always possible, and twice as likely
        if pick == len(moves) + 2:  # a site sends its buffer early (a run follows its edits)
            self.flush(sorted(self.clients)[choose(len(self.clients))])
        elif pick >= len(moves):
            site = sorted(self.clients)[choose(len(self.clients))]
            self.edit(site, self.randomEdit(choose, site))
        else:
            self.do(*moves[pick])

    def do(self, kind: str, site: str) -> None:
        (self.deliverToServer if kind == "toServer" else self.deliverToSite)(site)

    def drain(self, choose: Choose) -> None:
        while moves := self.pending():
            self.do(*moves[choose(len(moves))])

    def trace(self, name: str) -> dict:
        return {
            "name": name,
            "initial": self.initial,
            "sites": sorted(self.clients),
            "historyLimit": self.historyLimit,
            "events": self.events,
            "server": self.serverLog,
            "final": self.server.text,
            "finalVersion": self.server.version,
        }

    # -- the properties ----------------------------------------------------------------

    def checkConverged(self) -> None:
        final = self.server.text
        for site, client in self.clients.items():
            assert client.state is SyncState.SYNCHRONIZED, site
            assert client.version == self.server.version, site
            assert client.text == final, f"site {site} diverged"
        assert len(set(final)) == len(final), "a character was duplicated"
        everything = set(self.initial) | self.inserted
        kept = everything - self.deleted
        assert set(final) == kept, (
            f"lost: {sorted(kept - set(final))!r}, undeleted: {sorted(set(final) - kept)!r}")
        where = {ch: i for i, ch in enumerate(final)}
        for snapshot in self.snapshots:  # no site's view of the order was overturned
            seen = [where[ch] for ch in snapshot if ch in where]
            assert seen == sorted(seen), "characters changed their order"


def runRandom(choose: Choose, steps: int, historyLimit: int = 1000) -> Simulation:
    sim = Simulation(historyLimit=historyLimit)
    for _ in range(steps):
        sim.step(choose)
    sim.drain(choose)
    return sim


def seededTrace(seed: int, historyLimit: int = 1000) -> dict:
    rng = random.Random(seed)
    sim = runRandom(rng.randrange, 10 + seed % 50, historyLimit)
    sim.checkConverged()
    return sim.trace(f"seed {seed}, history {historyLimit}")


def fixedTraces() -> list[dict]:
    """The committed traces: 40 with ample history, 10 whose one-op history forces resyncs."""
    return [seededTrace(seed) for seed in range(40)] + [
        seededTrace(seed, historyLimit=1) for seed in range(140, 150)
    ]


def writeTraces(path: Path, traces: list[dict]) -> None:
    lines = ",\n".join("  " + json.dumps(t, ensure_ascii=False) for t in traces)
    path.write_text(
        '{\n "description": "Recorded three-site sessions; see tests/unit/test_ot_convergence.py.",\n'
        ' "traces": [\n' + lines + "\n ]\n}\n",
        encoding="utf-8",
    )


# -- tests -------------------------------------------------------------------------------

SLOW = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(st.data())
def test_three_sites_converge_and_keep_every_surviving_insertion(data):
    """Three sites editing with random delivery orders end with the server's text, keeping
    every inserted character nobody deleted, no deleted one, and everyone's character order."""
    draws = st.integers(0, 10**6)
    sim = runRandom(lambda n: data.draw(draws) % n, data.draw(st.integers(1, 60)))
    sim.checkConverged()


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_sites_that_fall_behind_a_short_history_resync_without_losing_edits(data):
    """With history for one version only, late sites get StaleVersion, resync, and still
    converge with every surviving insertion, every deletion and everyone's order."""
    draws = st.integers(0, 10**6)
    sim = runRandom(lambda n: data.draw(draws) % n, data.draw(st.integers(1, 60)), historyLimit=1)
    sim.checkConverged()


def test_the_short_history_really_forces_resyncs():
    """The resync path is exercised by the seeded traces, not only possible."""
    assert sum(
        runRandom(random.Random(seed).randrange, 40, historyLimit=1).resyncs for seed in range(20)
    ) >= 20


TEXTS = st.text(alphabet=st.sampled_from("ab😀𠀀\u4e00"), max_size=8)


@st.composite
def textAndOp(draw, text=None):
    """A text and a random valid operation on it (one to three components)."""
    text = draw(TEXTS) if text is None else text
    op = Operation()
    current = text
    for _ in range(draw(st.integers(1, 3))):
        if current and draw(st.booleans()):
            at = draw(st.integers(0, len(current) - 1))
            step = Operation.delete(at, draw(st.integers(1, len(current) - at)))
        else:
            step = Operation.insert(draw(st.integers(0, len(current))), draw(TEXTS.filter(bool)))
        op = compose(op, step)
        current = apply(current, step)
    return text, op


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_transform_satisfies_tp1(data):
    """For concurrent a and b, a then b' equals b then a'."""
    text, a = data.draw(textAndOp())
    _, b = data.draw(textAndOp(text))
    a2, b2 = transform(a, b)
    assert apply(apply(text, a), b2) == apply(apply(text, b), a2)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_compose_and_invert_agree_with_apply(data):
    """compose(a, b) applies as a then b; invert(a) undoes a; JSON round-trips."""
    text, a = data.draw(textAndOp())
    _, b = data.draw(textAndOp(apply(text, a)))
    assert apply(text, compose(a, b)) == apply(apply(text, a), b)
    assert apply(apply(text, a), invert(a, text)) == text
    assert Operation.fromJSON(json.loads(json.dumps(a.toJSON()))) == a


def test_committed_traces_are_what_the_generator_produces():
    """tests/vectors/ot/traces.json is reproducible from its seeds (regenerate it if not)."""
    committed = json.loads(TRACES.read_text(encoding="utf-8"))["traces"]
    assert committed == json.loads(json.dumps(fixedTraces(), ensure_ascii=False))


def test_fresh_random_traces_replay_identically_in_js(tmp_path):
    """200 traces never committed replay under node with the same ops and texts."""
    if not os.path.exists(NODE):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{NODE} is missing and CI=true.")
        pytest.skip(f"{NODE} is missing.")
    traces = [seededTrace(seed) for seed in range(1000, 1150)] + [
        seededTrace(seed, historyLimit=1) for seed in range(2000, 2050)
    ]
    extra = tmp_path / "traces.json"
    writeTraces(extra, traces)
    result = subprocess.run(
        [NODE, "--test", str(ROOT / "tests" / "js" / "ot.test.mjs")],
        env={**os.environ, "OT_EXTRA_TRACES": str(extra)},
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "replays 200 extra traces" in result.stdout, result.stdout


if __name__ == "__main__":
    if sys.argv[1:] != ["--write-vectors"]:
        sys.exit("usage: python tests/unit/test_ot_convergence.py --write-vectors")
    writeTraces(TRACES, fixedTraces())
    print(f"wrote {TRACES}")
