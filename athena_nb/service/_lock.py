"""``DataDirLock``: one server per data directory.  Tests: tests/unit/test_service_lock.py,
tests/integration/test_service.py.

Two servers on one data directory would each keep their own worksheets in memory and both say
"Saved" while one overwrites the other's edits, and stopping either would delete the other's
server.json.  The first server takes an exclusive ``flock`` on ``<dataDir>/server.lock`` and
writes its process id there; a second one finds the lock taken and refuses to start, naming
that process.  The system releases the lock when its holder exits, however it exits, so a
crashed server never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os

from ._host import StartError

LOCK_FILE = "server.lock"


class DataDirLock:
    def __init__(self, dataDir: str) -> None:
        self.dataDir = dataDir
        self.path = os.path.join(dataDir, LOCK_FILE)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock and write our process id in it; raise StartError naming the process
        that holds it if another has it."""
        if self._fd is not None:
            return
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _readHolder(fd)
            os.close(fd)
            raise StartError(
                f"Another athena-nb server{holder} is using the data directory "
                f"{self.dataDir!r}. Stop it first, or give this one another --data-dir.")
        except OSError as e:
            os.close(fd)
            raise StartError(f"Cannot lock the data directory {self.dataDir!r}: {e.strerror}.")
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError as e:
            os.close(fd)
            raise StartError(f"Cannot write to {self.path!r}: {e.strerror}.")
        self._fd = fd

    def release(self) -> None:
        """Let the next server have the directory (the file stays: removing it could let two
        servers lock two different files)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing releases the flock

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as e:
            raise StartError(f"Cannot open {self.path!r} to lock the data directory: "
                             f"{e.strerror}.")


def _readHolder(fd: int) -> str:
    """" (process 1234)" from the lock file's content, or "" if it says nothing usable."""
    try:
        text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (process {text})" if text.isdigit() else ""
