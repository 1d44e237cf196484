"""A hostile kernel against the real server: its memory, what it stores and what pages are sent.

The ``athena-nb`` process runs one worksheet whose cells raise a 15 MB error, display 40 MB, and
write a 40 MB frame straight onto the kernel's control socket (bypassing the worker), while
another page of the owner keeps asking the server for the worksheet list.  The test asserts on
bytes (what the store keeps, what a page load carries, how much the server's resident memory
grew) and prints the figures, the latency of the other page among them; it never asserts on
time.  docs/security.md ("Figures") reports them.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.integration import test_service
from tests.integration.test_service import fetch, login
from tests.support.running import OpenPage, storedBytes, waitForStates
from tests.support.stores import ManualStore

pytestmark = pytest.mark.integration
server = test_service.server  # the fixture: an athena-nb process on a free port

HOSTILE_FRAME = """\
import gc, struct
channel = next(o for o in gc.get_objects() if type(o).__name__ == 'Channel' and hasattr(o, 'sock'))
channel.sock.sendall(struct.pack('>I', 40_000_000) + b'{"op": "event", "x": "' + b'x' * 40_000_000)
"""
CELLS = ["raise ValueError('x' * 15_000_000)",
         "display({'text/plain': 'x' * 40_000_000}, raw=True)",
         HOSTILE_FRAME,
         "print('still here')"]


def memory(pid: int) -> dict[str, int]:
    """The process's resident memory now and at its peak, in bytes."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) * 1024
    return fields


def test_a_hostile_kernel_cannot_fill_the_servers_memory_or_its_pages(server, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    dbPath = data / "athena.sqlite"
    db = ManualStore(dbPath)
    sheet = db.run(db.store.create_worksheet("Hostile", CELLS))
    db.run(db.store.close())
    s = server(dataDir=data)
    owner = login(s)
    page = OpenPage(s, owner, sheet.id)

    latencies: list[float] = []
    stop = threading.Event()

    def otherPage():
        while not stop.is_set():
            started = time.monotonic()
            assert fetch(s.port, "GET", "/api/worksheets", cookie=owner,
                         headers={"accept": "application/json"})[0] == 200
            latencies.append(time.monotonic() - started)
            stop.wait(0.05)

    before = memory(s.proc.pid)
    watcher = threading.Thread(target=otherPage)
    watcher.start()
    try:
        # One at a time (Run all would stop at the first error); the oversize frame stops the
        # kernel, and the last cell runs on a new one.
        expected = ["idle"] * len(CELLS)
        for n, state in enumerate(["error", "done", "error", "done"]):
            page.call(page.cells[n], "run")
            expected[n] = state
            waitForStates(dbPath, sheet.id, expected)
    finally:
        stop.set()
        watcher.join(60)
    after = memory(s.proc.pid)

    stored = storedBytes(dbPath, sheet.id)
    status, _, loaded = fetch(s.port, "GET", f"/worksheets/{sheet.id}/", cookie=owner)
    assert status == 200
    text = loaded.decode()
    growth = after["VmHWM"] - before["VmRSS"]
    print(f"\nhostile kernel: stored {stored:,} bytes of output, a page load is "
          f"{len(loaded):,} bytes, the server's peak resident memory grew {growth / 2**20:.1f} MiB "
          f"({before['VmRSS'] / 2**20:.1f} -> peak {after['VmHWM'] / 2**20:.1f} MiB); the other "
          f"page answered {len(latencies)} times, at most in {max(latencies) * 1000:.0f} ms "
          f"(median {sorted(latencies)[len(latencies) // 2] * 1000:.0f} ms)")
    assert stored < 200_000, "the 15 MB error is kept shortened, the 40 MB display not at all"
    assert len(loaded) < 1_000_000
    assert "characters cut" in text and "ValueError" in text
    assert "passed the limit of 1,000,000 characters" in text
    assert "larger than the 16 MiB a message may have" in text
    assert "still here" in text
    assert growth < 200 * 2**20, "a 40 MB message used to cost the server 713 MB"
