"""The kernel worker's ``sys.stdout`` and ``sys.stderr``: text that goes out at once when the
streams were quiet, and in batches while a cell prints fast.  Tests: tests/unit/test_streams.py.

Stdlib only: the worker loads it by file path (worker.py, ``SIBLINGS``).

Line buffering writes every line to the pipe by itself: a loop printing 10,000 lines made
10,000 system calls, 12-50 ms of them here against 4-8 ms in batches (docs/performance.md).
``OutputStreams`` keeps what a person sees the same:

- A line (an end of line, ``\n`` or ``\r``) written after ``interval`` of quiet goes out at
  once, as with line buffering.
- Other text is held, and goes out with whatever follows it within ``interval``: a thread of
  the worker writes it then. So a loop's lines go out in batches, and text without an end of
  line shows too (a prompt printed with ``end=""`` before a long computation; with line
  buffering it did not).
- Nothing held is overtaken. Writing to the other stream writes the held text first; so does
  every audit event of a process being made (``os.system``, ``subprocess.Popen``, ``os.fork``,
  ``os.exec*``, ``os.posix_spawn``), whose output goes to the same pipes without passing
  here; the worker also flushes before every event it sends (worker.py ``emit``) and at the end
  of every cell.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

#: How long the streams must have been quiet for a write to go out at once, and at most how
#: long held text waits (seconds).
INTERVAL = 0.005

#: Audit events after which another process may write to the worker's pipes.
SPAWNING = frozenset({"os.system", "subprocess.Popen", "os.fork", "os.forkpty", "os.exec",
                      "os.posix_spawn", "os.spawn", "pty.spawn"})


class _Stream(io.TextIOWrapper):
    """One of the two streams; tells its group after each write."""

    group: OutputStreams

    def write(self, text: str) -> int:
        written = super().write(text)
        self.group.wrote(self, text)
        return written


class OutputStreams:
    """The worker's two output streams, batched together (see the module's docstring).

    ``clock`` and ``startThread`` are for tests: with ``startThread`` false nothing flushes
    held text by itself, and ``flushDue()`` does what the thread does at its time.
    """

    def __init__(self, interval: float = INTERVAL,
                 clock: Callable[[], float] = time.monotonic, startThread: bool = True) -> None:
        self.interval = interval
        self.clock = clock
        self.startThread = startThread
        self.streams: list[_Stream] = []
        # Reentrant: a signal handler that prints may run while this thread holds it.
        self._lock = threading.RLock()
        self._woken = threading.Condition(self._lock)
        #: the stream holding text not yet written, and since when
        self._heldBy: _Stream | None = None
        self._heldSince = 0.0
        self._wentOut = float("-inf")
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()  # whose thread _thread is

    def open(self, fd: int) -> _Stream:
        """A text stream writing to ``fd`` (which stays open when the stream is closed)."""
        raw = io.FileIO(fd, "w", closefd=False)
        stream = _Stream(io.BufferedWriter(raw, 1 << 16), encoding="utf-8",
                         errors="backslashreplace", write_through=True)
        stream.group = self
        self.streams.append(stream)
        return stream

    def install(self) -> None:
        """For the worker's own streams (once; neither can be undone): write held text before
        another process can write to the same pipes, and keep a forked child's streams usable
        (its parent's thread is not there, and must not hold the lock as the child is made)."""
        def hook(event: str, _args: tuple) -> None:
            if event in SPAWNING and self._heldBy is not None:
                self.flush()

        sys.addaudithook(hook)
        os.register_at_fork(before=lambda: self._lock.acquire(),
                            after_in_parent=lambda: self._lock.release(),
                            after_in_child=self._forked)

    def _forked(self) -> None:
        self._lock = threading.RLock()
        self._woken = threading.Condition(self._lock)
        self._thread, self._pid = None, os.getpid()

    def wrote(self, stream: _Stream, text: str) -> None:
        """``text`` was written to ``stream``: write it out now (an end of line after quiet,
        or the other stream held text), or hold it a little."""
        with self._lock:
            now = self.clock()
            quiet = now - self._wentOut >= self.interval
            if self._heldBy not in (None, stream):
                self._flush([self._heldBy], now)  # the other stream's text is the older
            if quiet and ("\n" in text or "\r" in text):
                self._flushAll(now)
                return
            if self._heldBy is None:
                self._heldBy, self._heldSince = stream, now
                self._wake()

    def flush(self) -> None:
        """Write whatever either stream holds."""
        with self._lock:
            self._flushAll(self.clock())

    def flushDue(self) -> float | None:
        """What the thread does: write held text whose time has come; how long until the
        held text's time, or None when nothing is held."""
        with self._lock:
            if self._heldBy is None:
                return None
            now = self.clock()
            due = self._heldSince + self.interval
            if now < due:
                return due - now
            self._flushAll(now)
            return None

    # -- internals ---------------------------------------------------------------------------

    def _flushAll(self, now: float) -> None:
        # The stream that held text first: its text is the older.
        self._flush(([self._heldBy] if self._heldBy is not None else []) + self.streams, now)

    def _flush(self, streams: list[_Stream], now: float) -> None:
        self._heldBy = None
        for stream in streams:
            try:
                stream.flush()
            except (OSError, ValueError):
                pass  # a closed or broken pipe: the server is gone or going
        self._wentOut = now

    def _wake(self) -> None:
        if not self.startThread:
            return
        if self._thread is None or self._pid != os.getpid():
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="athena-nb output",
                                            daemon=True)
            self._thread.start()
        else:
            self._woken.notify()

    def _run(self) -> None:
        # Signals are for the cell's thread: an interrupt must wake its sleep, not this one.
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        with self._lock:
            while True:
                wait = self.flushDue()
                self._woken.wait(wait)
