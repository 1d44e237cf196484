"""The kernel worker's ``sys.stdout`` and ``sys.stderr``: stdout written in batches while a cell
runs, stderr a line at a time, in the order they were written.  Tests: tests/unit/test_streams.py.

Stdlib only: the worker loads it by file path (worker.py, ``SIBLINGS``).

Line buffering wrote every line to the pipe by itself: a loop printing 10,000 lines made 10,000
system calls, 18-22 ms of the worker's CPU here, against 4 ms in batches (docs/performance.md).
So stdout is an ordinary buffered stream, as Python's own is when it writes to a pipe, and:

- While a cell runs, a thread of the worker writes what stdout holds every ``interval`` (5 ms:
  a person cannot tell), so a loop's lines go out a few hundred at a time and a line printed
  before a long computation still shows at once (one printed with ``end=""`` too; with line
  buffering it did not). Between cells it looks every ``idleInterval``, for threads the code
  left printing.
- stderr is written a line at a time (and whatever it holds at the thread's time), after what
  stdout holds: a warning or a traceback never overtakes the lines printed before it.
- What stdout holds is written before a process is made (the audit events of ``os.system``,
  ``subprocess.Popen``, ``os.fork``, ``os.exec*``, ``os.posix_spawn``), whose output goes to
  the same pipes without passing here, and the worker writes it before every event it sends
  (worker.py ``emit``) and at the end of every cell.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
import time

#: How often stdout is written out while a cell runs, and between cells (seconds).
INTERVAL = 0.005
IDLE_INTERVAL = 0.5

#: Audit events after which another process may write to the worker's pipes.
SPAWNING = frozenset({"os.system", "subprocess.Popen", "os.fork", "os.forkpty", "os.exec",
                      "os.posix_spawn", "os.spawn", "pty.spawn"})

BUFFER = 1 << 16


class _Stderr(io.TextIOWrapper):
    """stderr, line-buffered: what stdout holds goes first."""

    stdout: io.TextIOWrapper

    def write(self, text: str) -> int:
        try:
            self.stdout.flush()
        except (OSError, ValueError):
            pass
        return super().write(text)


class OutputStreams:
    """The worker's stdout and stderr on the file descriptors ``out`` and ``err`` (which stay
    open when the streams are closed).  ``startThread`` false is for tests: nothing then
    writes stdout out by itself, and ``poll()`` does what the thread does at its time."""

    def __init__(self, out: int, err: int, interval: float = INTERVAL,
                 idleInterval: float = IDLE_INTERVAL, startThread: bool = True) -> None:
        self.interval = interval
        self.idleInterval = idleInterval
        self.stdout = io.TextIOWrapper(self._buffered(out), encoding="utf-8",
                                       errors="backslashreplace")
        self.stderr = _Stderr(self._buffered(err), encoding="utf-8",
                              errors="backslashreplace", line_buffering=True)
        self.stderr.stdout = self.stdout
        # Held while the streams are written out, and by os.fork: a child must not be made
        # halfway through.
        self._lock = threading.Lock()
        self._running = threading.Event()  # a cell runs
        self._thread: threading.Thread | None = None
        if startThread:
            self._thread = threading.Thread(target=self._run, name="athena-nb output",
                                            daemon=True)
            self._thread.start()

    @staticmethod
    def _buffered(fd: int) -> io.BufferedWriter:
        return io.BufferedWriter(io.FileIO(fd, "w", closefd=False), BUFFER)

    def install(self) -> None:
        """For the worker's own streams (once; neither can be undone): write what stdout
        holds before another process can write to the same pipes, and never fork while the
        thread writes."""
        def hook(event: str, _args: tuple) -> None:
            if event in SPAWNING:
                self.poll()

        sys.addaudithook(hook)
        os.register_at_fork(before=self._lock.acquire, after_in_parent=self._lock.release,
                            after_in_child=self._forked)

    def cellStarted(self) -> None:
        self._running.set()

    def cellEnded(self) -> None:
        self._running.clear()
        self.poll()

    def poll(self) -> None:
        """Write out what the streams hold (stderr: a line not yet ended)."""
        with self._lock:
            for stream in (self.stdout, self.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass  # a closed or broken pipe: the server is gone or going

    # -- internals ---------------------------------------------------------------------------

    def _forked(self) -> None:
        # The child has no thread: its stdout is written out when it flushes or exits.
        self._lock = threading.Lock()
        self._running = threading.Event()
        self._thread = None

    def _run(self) -> None:
        # Signals are for the cell's thread: an interrupt must wake its sleep, not this one.
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        while True:
            if self._running.wait(self.idleInterval):
                time.sleep(self.interval)
            self.poll()
