"""A worker child on a pty, read by the reactor (tests: tests/unit/test_kernel_process.py, tests/integration/test_kernel.py).

pexpect spawns the worker, under its keeper or bubblewrap (isolation.py), with the pty as its
controlling terminal (its PtyProcess comes from ``spawnOnPty``, posix_spawn instead of a fork of
the server) and passes it three more descriptors: one end of a socketpair (the private
control channel) and the write ends of two pipes that the worker puts on its fds 1 and 2. The
reactor reads all of them through ``addReader``: no threads, and no pexpect call that sleeps or
blocks (``expect``, ``close``, ``terminate``, ``send``) is ever made. Exit is noticed through
Twisted's SIGCHLD reaping and, should that be off, through the channel's EOF followed by
``waitpid(WNOHANG)`` at widening intervals.

Ordering: a frame is handed over only after everything already written to the output pipes, and
the worker writes nothing after a frame until the server has read it (it waits for an ack, or
for its next request), so ``print(1); display(x); print(2)`` arrives as 1, x, 2. Output and frames read in one reactor
iteration are delivered together on the next turn (``callLater(0)``), merged per stream, so a
fast writer costs one callback per turn and other work runs between them.
"""

from __future__ import annotations

import codecs
import errno
import json
import os
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any

import pexpect
from twisted.internet import abstract, error, main
from twisted.internet import process as twistedProcess
from twisted.logger import Logger
from twisted.python.failure import Failure

from . import proctree
from .endings import ExitStatus
from .framing import FrameDecoder, FramingError, encodeFrame
from .isolation import Isolation, Launch
from .spawn import spawnClass

WORKER_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "worker.py")
READ_SIZE = 1 << 16
# Reads per readiness event: enough to keep up with a fast writer, few enough to stay fair.
READS_PER_TURN = 4
#: How long ``kill`` lets the keeper (or bubblewrap) reap the worker before it kills it too.
ROOT_KILL_SECONDS = 1.0

log = Logger()


class _Reader(abstract.FileDescriptor):
    """Reads one descriptor for the reactor and hands bytes to ``sink(data)``; EIO counts as EOF
    (that is how a pty master reports that the slave side is gone)."""

    def __init__(self, reactor: Any, fd: int, sink: Callable[[bytes], None],
                 onClose: Callable[[], None], ownsFd: bool = True) -> None:
        abstract.FileDescriptor.__init__(self, reactor)
        self.fd = fd
        self.sink = sink
        self.onClose = onClose
        self.ownsFd = ownsFd
        self.connected = True  # FileDescriptor.write drops data unless it is set
        os.set_blocking(fd, False)

    def fileno(self) -> int:
        return self.fd

    def logPrefix(self) -> str:
        return "kernel-worker"

    def readSome(self, limit: int) -> error.ConnectionClosed | None:
        """Read until the descriptor is empty or ``limit`` reads are done; return the status."""
        chunks: list[bytes] = []
        result: error.ConnectionClosed | None = None
        for _ in range(limit):
            try:
                data = os.read(self.fd, READ_SIZE)
            except BlockingIOError:
                break
            except InterruptedError:
                continue
            except OSError as e:
                result = main.CONNECTION_DONE if e.errno == errno.EIO else main.CONNECTION_LOST
                break
            if not data:
                result = main.CONNECTION_DONE
                break
            chunks.append(data)
            if len(data) < READ_SIZE:
                break
        if chunks:
            self.sink(b"".join(chunks))
        return result

    def doRead(self) -> error.ConnectionClosed | None:
        return self.readSome(READS_PER_TURN)

    def drain(self) -> None:
        """Read what is already buffered (bounded, in case something keeps writing)."""
        if self.fd >= 0 and not self.disconnected:
            if self.readSome(64) is not None:
                self.stop()

    def stop(self) -> None:
        if self.fd < 0:
            return
        self.stopReading()
        self.disconnected = True
        if self.ownsFd:
            os.close(self.fd)
        self.fd = -1
        self.onClose()

    def connectionLost(self, reason: Failure) -> None:
        self.stop()


class _Channel(_Reader):
    """The control socket: frames in through a FrameDecoder, frames out through the
    FileDescriptor write buffer (non-blocking; the reactor writes when the socket allows)."""

    def __init__(self, reactor: Any, sock: socket.socket,
                 onMessages: Callable[[list[dict[str, Any]]], None],
                 onClose: Callable[[], None]) -> None:
        self.socket = sock
        self.decoder = FrameDecoder()
        self.onMessages = onMessages
        _Reader.__init__(self, reactor, sock.fileno(), self._dataReceived, onClose, ownsFd=False)

    def _dataReceived(self, data: bytes) -> None:
        self.onMessages(self.decoder.feed(data))

    def readSome(self, limit: int) -> error.ConnectionClosed | None:
        # A broken frame loses the channel, whether read by the reactor or drained at exit.
        try:
            return _Reader.readSome(self, limit)
        except FramingError as e:
            log.error("Kernel control channel broken: {error}", error=str(e))
            return main.CONNECTION_LOST

    def write(self, data: bytes) -> None:
        """Send at once when nothing is queued (the worker starts on it while this reactor turn
        goes on with other work); queue what the socket does not take."""
        if (data and self.connected and not self._writeDisconnected and not self._tempDataLen
                and self.offset >= len(self.dataBuffer)):
            try:
                data = data[self.socket.send(data):]
            except BlockingIOError:
                pass
            except OSError:
                pass  # the queued write below meets the same error and closes the channel
            if not data:
                return
        _Reader.write(self, data)

    def writeSomeData(self, data: bytes) -> int | error.ConnectionClosed:
        try:
            return self.socket.send(data)
        except BlockingIOError:
            return 0
        except OSError:
            return main.CONNECTION_LOST

    def stop(self) -> None:
        if self.fd < 0:
            return
        self.stopWriting()
        _Reader.stop(self)
        self.socket.close()


class WorkerProcess:
    """One worker child. ``owner`` receives, in order:

    - ``workerOutput(name, text)``: name is "stdout", "stderr" or "tty" (the terminal itself);
    - ``workerMessage(message)``: a decoded frame;
    - ``workerChannelLost()``: the control channel closed or broke while the child lives on;
    - ``workerExited(status)``: last of all, with an ExitStatus.
    """

    def __init__(self, reactor: Any, owner: Any, *, python: str, system: str, cwd: str | None,
                 env: dict[str, str] | None, limits: dict[str, Any],
                 isolation: Isolation | None = None) -> None:
        self.reactor = reactor
        self.owner = owner
        self.python = python
        self.system = system
        self.cwd = cwd
        self.env = env
        self.limits = limits
        self.pid: int | None = None
        self.exited = False
        self._child: pexpect.spawn | None = None
        self._readers: list[_Reader] = []
        self._channel: _Channel | None = None
        self._pending: list[tuple[Any, ...]] = []  # ("output"|"message"|..., ...) for the owner
        self._flushCall: Any = None  # IDelayedCall of the next _flush
        self._reapCall: Any = None  # IDelayedCall of the next look at the exit
        self._rootKill: Any = None  # IDelayedCall of kill's last resort
        self._reapDelay = 0.005
        self._decoders: dict[str, codecs.IncrementalDecoder] = {}
        self._closing = False
        self.isolation = isolation or Isolation(None, "kernels are not sandboxed")
        self.launch: Launch | None = None

    @property
    def sandboxed(self) -> bool:
        return self.isolation.sandbox is not None

    # -- life --------------------------------------------------------------------------------

    def start(self) -> None:
        """Spawn the worker. Raises OSError (e.g. the interpreter does not exist) synchronously."""
        parentSock, childSock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        outRead, outWrite = os.pipe()
        errRead, errWrite = os.pipe()
        childFds = [childSock.fileno(), outWrite, errWrite]
        launch = self.launch = self.isolation.launch(
            directory=self.cwd, python=self.python, limits=self.limits, env=self.env)
        config = {"control": childFds[0], "stdout": outWrite, "stderr": errWrite,
                  "system": self.system, "limits": dict(self.limits, **launch.workerLimits()),
                  "cwd": launch.insideDirectory, "leadTerminal": launch.sandboxed}
        try:
            argv, passFds, sandboxEnv = launch.command(
                [self.python, WORKER_PATH, json.dumps(config)])
            env = dict((os.environ if self.env is None else self.env) if sandboxEnv is None
                       else sandboxEnv)
            env.setdefault("PYTHONIOENCODING", "utf-8")
            env["TERM"] = "dumb"
            env.pop("PYTHONSTARTUP", None)
            for fd in childFds + passFds:
                os.set_inheritable(fd, True)
            spawn = spawnClass(childFds + passFds)
            child = spawn(argv[0], argv[1:], cwd=self.cwd, env=env, echo=False, timeout=None,
                          encoding=None)
        except BaseException:
            for fd in (outRead, errRead):
                os.close(fd)
            parentSock.close()
            launch.closeDescriptors()
            launch.exited()
            launch.removeCgroup()
            raise
        finally:
            childSock.close()
            os.close(outWrite)
            os.close(errWrite)
        launch.spawned(child.pid)
        launch.watch(self.reactor, self.kill)
        child.delaybeforesend = None
        self._child = child
        self.pid = pid = child.pid
        channel = self._channel = _Channel(self.reactor, parentSock, self._messagesReceived,
                                           self._channelClosed)
        self._readers = [
            _Reader(self.reactor, outRead, lambda d: self._outputReceived("stdout", d), _noop),
            _Reader(self.reactor, errRead, lambda d: self._outputReceived("stderr", d), _noop),
            _Reader(self.reactor, child.child_fd,
                    lambda d: self._outputReceived("tty", d), _noop, ownsFd=False),
        ]
        for reader in self._readers + [channel]:
            reader.startReading()
        twistedProcess.registerReapProcessHandler(pid, self)

    def send(self, message: dict[str, Any]) -> None:
        """Queue one frame for the worker; never blocks."""
        if self._channel is not None and self._channel.fd >= 0:
            self._channel.write(encodeFrame(message))

    def interrupt(self) -> None:
        """SIGINT to the worker's process group (subprocesses included), sent with kill(2):
        it is pending in the worker before this returns. (Typing the terminal's interrupt
        character instead raises it only when the kernel's tty layer gets round to it, which
        can be after the next cell's request went out and its stale-interrupt check ran: the
        next cell was then interrupted.)"""
        if self.exited or self._child is None or self.pid is None:
            return
        try:
            self.launch.interrupt(self.pid, self._child.child_fd)
        except ProcessLookupError:
            pass
        except PermissionError:
            os.kill(self.pid, signal.SIGINT)
        self._watchExit()

    def kill(self) -> None:
        """SIGKILL the worker and every process it started, whatever their session: the
        kernel's cgroup where it has one (all at once with cgroup v2), and every descendant of
        the process we started, read from /proc (one bounded walk, no wait) before any of them
        dies, since a dead parent's children go to a subreaper or to init, where nothing ties
        them to this kernel any more. The process we started, the keeper or bubblewrap, is
        left to reap them, end what their orphans bring it, and exit with the worker's status;
        should it not have exited ``ROOT_KILL_SECONDS`` later, it is killed too."""
        if self.exited or self.pid is None:
            return
        if self.launch is not None:
            self.launch.killAll()
        proctree.signalAll(proctree.descendants(self.pid), signal.SIGKILL)
        if self._rootKill is None:
            self._rootKill = self.reactor.callLater(ROOT_KILL_SECONDS, self._killRoot)
        self._watchExit()

    def _killRoot(self) -> None:
        self._rootKill = None
        if self.exited or self.pid is None:
            return
        tree = proctree.descendants(self.pid)
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        except PermissionError:
            os.kill(self.pid, signal.SIGKILL)
        proctree.signalAll(tree, signal.SIGKILL)

    def closeChannel(self) -> None:
        """Close the control channel: an idle worker takes that as its cue to exit."""
        self._closing = True
        if self._channel is not None:
            self._channel.stop()
        self._watchExit()

    # -- Twisted's reaper calls these ----------------------------------------------------------

    def reapProcess(self) -> None:
        if self.exited or self.pid is None:
            return
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, 0
        if pid:
            try:
                twistedProcess.unregisterReapProcessHandler(pid, self)
            except RuntimeError:
                pass
            self.processEnded(status)

    def processEnded(self, status: int) -> None:
        self.exited = True
        # The keeper or bubblewrap has ended the worker's descendants before it exited; the
        # process group (whose id cannot be reused while it exists) and the cgroup
        # (launch.exited below) are ended again in case either was killed itself.
        if self.pid is not None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for call in (self._reapCall, self._rootKill):
            if call is not None and call.active():
                call.cancel()
        self._reapCall = self._rootKill = None
        # Everything the worker managed to write is handed over before the exit itself.
        if self._channel is not None:
            self._channel.drain()
            self._channel.stop()
        for reader in self._readers:
            reader.drain()
            reader.stop()
        if self._child is not None:
            # pexpect would close (and sleep in) its PtyProcess.__del__ otherwise.
            try:
                self._child.ptyproc.fileobj.close()
            except OSError:
                pass
            self._child.ptyproc.closed = True
            self._child.closed = True
            self._child.terminated = True
        outOfMemory = self.launch.exited() if self.launch is not None else False
        self._removeCgroup()
        self._enqueue(("exited", ExitStatus(
            status, wrapped=True, outOfMemory=outOfMemory,
            memoryBytes=self.limits.get("memoryBytes"), processLimit=self.limits.get(
                "processes") if self.launch is not None and self.launch.processLimitReached
            else None)))

    def _removeCgroup(self, tries: int = 20) -> None:
        """Remove the kernel's cgroup once the system has reaped its last processes."""
        if self.launch is not None and not self.launch.removeCgroup() and tries:
            self.reactor.callLater(0.05, self._removeCgroup, tries - 1)

    def _watchExit(self) -> None:
        """Check for the exit at widening intervals, for reactors that do not reap on SIGCHLD."""
        if self.exited or (self._reapCall is not None and self._reapCall.active()):
            return
        self._reapCall = self.reactor.callLater(self._reapDelay, self._reapLater)

    def _reapLater(self) -> None:
        self._reapCall = None
        self.reapProcess()
        if not self.exited:
            self._reapDelay = min(self._reapDelay * 2, 1.0)
            self._watchExit()

    # -- input --------------------------------------------------------------------------------

    def _outputReceived(self, name: str, data: bytes) -> None:
        decoder = self._decoders.get(name)
        if decoder is None:
            decoder = self._decoders[name] = codecs.getincrementaldecoder("utf-8")("replace")
        text = decoder.decode(data)
        if text:
            self._enqueueOutput(name, text)

    def _enqueueOutput(self, name: str, text: str) -> None:
        last = self._pending[-1] if self._pending else None
        if last is not None and last[0] == "output" and last[1] == name:
            last[2].append(text)
        else:
            self._enqueue(("output", name, [text]))

    def finishOutput(self) -> None:
        """Flush half-received multibyte characters (as U+FFFD) at the end of a cell."""
        for name, decoder in self._decoders.items():
            text = decoder.decode(b"", final=True)
            if text:
                self.owner.workerOutput(name, text)

    def _messagesReceived(self, messages: list[dict[str, Any]]) -> None:
        if not messages:
            return
        # The worker writes nothing more to its pipes until this batch is answered (it waits for
        # the ack of a "sync" event, or for the next request after "done"), so what the pipes
        # hold now was written before these frames: deliver it first.
        for reader in self._readers:
            reader.drain()
        for message in messages:
            self._enqueue(("message", message))
            if message.get("sync"):
                self.send({"op": "ack"})

    def _channelClosed(self) -> None:
        if not self.exited and not self._closing:
            # The keeper or bubblewrap exits just after its worker: wait a moment for its exit
            # status (how the worker ended) before the kernel kills whatever is left.
            self.reactor.callLater(0.25, self._channelLost)
            self.reapProcess()
            self._watchExit()

    def _channelLost(self) -> None:
        if not self.exited:
            self._enqueue(("channelLost",))

    def _enqueue(self, item: tuple[Any, ...]) -> None:
        self._pending.append(item)
        if self._flushCall is None:
            self._flushCall = self.reactor.callLater(0, self._flush)

    def _flush(self) -> None:
        self._flushCall = None
        pending, self._pending = self._pending, []
        for item in pending:
            kind = item[0]
            try:
                if kind == "output":
                    self.owner.workerOutput(item[1], "".join(item[2]))
                elif kind == "message":
                    self.owner.workerMessage(item[1])
                elif kind == "channelLost":
                    self.owner.workerChannelLost()
                else:
                    self.owner.workerExited(item[1])
            except Exception:
                log.failure("Kernel owner failed to handle {kind}", kind=kind)


def _noop() -> None:
    pass


def defaultPython() -> str:
    """The interpreter that runs workers unless told otherwise: the server's own."""
    return sys.executable
