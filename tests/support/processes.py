"""Looking for processes in the host's /proc from a test: by a marker in their command line, and
whether one is still running (a zombie, dead but not yet reaped, is not)."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """Is ``pid`` running? A zombie or a process that is gone is not."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2:][:1] not in (b"Z", b"X")


def processesRunning(marker: bytes) -> list[int]:
    """Host process ids, zombies left out, one of whose command line's words is ``marker``."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    words = f.read().split(b"\0")
            except OSError:
                continue
            if marker in words and alive(int(name)):
                found.append(int(name))
    return found
