"""History of a worksheet typed in for a term: how fast it opens and shows a past version,
before and after compaction (issue 14 point 5). Nothing here is asserted by tests.

Run: python bench/history.py [--keystrokes 100000] [--cells 30] [--samples 50] [--quick]

A fresh store file (SQLite on this machine's disk, ``synchronous=FULL``) gets a worksheet of
``--cells`` cells; two people then type ``--keystrokes`` one-character edits into it through
the store's own ``set_cell_text`` (each logged with its operation, as the hub saves them),
with a few structure changes, 0.5 s apart by the store's clock, committed in batches of 100
(group commit). Measured, before and after ``compact_history`` (runs of up to 60 s):

- open: ``Store.open``'s work (header, ``PRAGMA quick_check`` of every page, version) plus
  ``load_worksheet``, as opening a worksheet costs after a restart;
- history_info: what the History panel asks first;
- history_at: showing a version, for ``--samples`` random versions (median and worst), and the
  last version replayed from version 0 without checkpoints, for comparison;
- the file's size and the number of log rows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from twisted.internet.task import Clock  # noqa: E402

from athena_nb import ot  # noqa: E402
from athena_nb.store import _history  # noqa: E402
from athena_nb.store._schema import open_database  # noqa: E402
from athena_nb.store.testing import open_manual_store, settle  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def fill(path: str, keystrokes: int, cells: int) -> str:
    clock = Clock()
    store, writer = open_manual_store(clock, path)
    wid = settle(writer, store.create_worksheet("Term", [""] * cells)).id
    snapshot = settle(writer, store.load_worksheet(wid))
    texts = {c.id: "" for c in snapshot.cells}
    versions = {c.id: 0 for c in snapshot.cells}
    ids = list(texts)
    rng = random.Random(14)
    cell = ids[0]
    started = time.perf_counter()
    for n in range(keystrokes):
        clock.advance(0.5)
        if n % 200 == 0:  # now and then someone moves on to another cell
            cell = rng.choice(ids)
        who = "ann" if (n // 1000) % 2 == 0 else "bob"
        text = texts[cell]
        if text and rng.random() < 0.15:
            op = ot.Operation.delete(len(text) - 1, 1)
        else:
            op = ot.Operation.insert(len(text), rng.choice("abcdefgh \n=+()"))
        texts[cell] = ot.apply(text, op)
        versions[cell] += 1
        store.set_cell_text(cell, texts[cell], versions[cell], op=op.toJSON(), who=who)
        if n % 5000 == 4999:  # and a structure change now and then
            store.move_cell(rng.choice(ids), rng.randrange(cells), who=who)
        if n % 100 == 99:
            writer.flush()
    writer.flush()
    elapsed = time.perf_counter() - started
    print(f"logged {keystrokes} keystrokes in {elapsed:.1f} s "
          f"({keystrokes / elapsed:.0f}/s, batches of 100)")
    settle(writer, store.close())
    return wid


def measure(path: str, wid: str, samples: int, label: str) -> dict:
    started = time.perf_counter()
    conn = open_database(path)  # what Store.open does on its thread
    opened = time.perf_counter() - started
    conn.close()
    store, writer = open_manual_store(Clock(), path)
    started = time.perf_counter()
    settle(writer, store.load_worksheet(wid))
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    info = settle(writer, store.history_info(wid))
    infoTime = time.perf_counter() - started
    rng = random.Random(5)
    times = []
    for _ in range(samples):
        version = rng.randint(0, info["last"])
        started = time.perf_counter()
        settle(writer, store.history_at(wid, version))
        times.append(time.perf_counter() - started)
    conn = writer._conn
    rows = conn.execute("SELECT COUNT(*) FROM history WHERE worksheet_id = ?", (wid,)).fetchone()[0]
    checkpoints = conn.execute("SELECT COUNT(*) FROM history_checkpoints").fetchone()[0]
    started = time.perf_counter()
    state = json.loads(conn.execute("SELECT state FROM history_checkpoints WHERE worksheet_id = ? "
                                    "AND version = 0", (wid,)).fetchone()[0])
    for _, t, who, change in _history.rows(conn, wid, 0, info["last"]):
        _history.apply_change(state, json.loads(change), who, t)
    fromZero = time.perf_counter() - started
    settle(writer, store.close())
    size = os.path.getsize(path)
    print(f"{label}: {rows} log rows, {checkpoints} checkpoints, file {size / 1e6:.1f} MB; "
          f"open (quick_check) {ms(opened)} + load_worksheet {ms(loaded)}; history_info "
          f"{ms(infoTime)}; history_at median {ms(statistics.median(times))}, worst "
          f"{ms(max(times))}; last version replayed from 0 without checkpoints {ms(fromZero)}")
    return {"rows": rows, "size": size, "open": opened, "load": loaded}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keystrokes", type=int, default=100_000)
    parser.add_argument("--cells", type=int, default=30)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--quick", action="store_true",
                        help="2,000 keystrokes and 5 samples: a smoke run, no figures to quote")
    args = parser.parse_args()
    if args.quick:
        args.keystrokes, args.samples = 2_000, 5
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "bench.sqlite")
        wid = fill(path, args.keystrokes, args.cells)
        measure(path, wid, args.samples, "before compaction")
        store, writer = open_manual_store(Clock(), path)
        started = time.perf_counter()
        removed, calls, done = 0, 0, False
        while not done:
            result = settle(writer, store.compact_history(wid, 1e12, 60.0))
            removed, calls, done = removed + result["removed"], calls + 1, result["done"]
        print(f"compaction removed {removed} rows in {ms(time.perf_counter() - started)} "
              f"({calls} calls of at most 1000 rows each)")
        settle(writer, store.close())
        conn = open_database(path)
        started = time.perf_counter()
        conn.execute("VACUUM")
        print(f"VACUUM (gives the freed pages back to the disk) {ms(time.perf_counter() - started)}")
        conn.close()
        measure(path, wid, args.samples, "after compaction")


if __name__ == "__main__":
    main()
