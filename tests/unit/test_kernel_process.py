"""The worker's control channel as the server holds it (athena_nb.kernel.process._Channel), and
how the server kills a worker's process tree (WorkerProcess.kill)."""

import signal
import socket
import struct

import pytest
from twisted.internet import main
from twisted.internet.testing import MemoryReactor

from athena_nb.kernel.framing import FrameDecoder, encodeFrame
from athena_nb.kernel.process import _Channel


def channel(onClose=lambda: None):
    ours, theirs = socket.socketpair()
    reactor = MemoryReactor()
    received = []
    c = _Channel(reactor, ours, received.extend, onClose)
    theirs.setblocking(False)
    return c, theirs, reactor


def test_a_frame_goes_out_at_once_when_nothing_is_queued():
    """The worker can read a request before the reactor turns again: it starts on it while
    the server finishes the rest of its turn."""
    c, theirs, reactor = channel()
    try:
        c.write(encodeFrame({"op": "execute", "id": 1}))
        assert FrameDecoder().feed(theirs.recv(1 << 16)) == [{"op": "execute", "id": 1}]
        assert c not in reactor.getWriters()
    finally:
        c.stop()
        theirs.close()


def test_what_the_socket_does_not_take_is_queued_in_order():
    """A frame larger than the socket buffer goes out partly now, the rest when the socket is
    writable; a frame written meanwhile queues behind it, never ahead."""
    c, theirs, reactor = channel()
    try:
        big = encodeFrame({"op": "execute", "id": 1, "code": "x" * (4 << 20)})
        small = encodeFrame({"op": "ack"})
        c.write(big)
        assert c in reactor.getWriters()
        c.write(small)
        decoder, frames = FrameDecoder(), []
        while len(frames) < 2:
            try:
                frames += decoder.feed(theirs.recv(1 << 20))
            except BlockingIOError:
                c.doWrite()
        assert [f["op"] for f in frames] == ["execute", "ack"]
        assert frames[0]["code"] == "x" * (4 << 20)
    finally:
        c.stop()
        theirs.close()


@pytest.mark.parametrize("how", ["doRead", "drain"])
def test_a_broken_frame_loses_the_channel(how):
    """Bytes that are not a frame end the channel (the kernel then kills the worker), whether
    the reactor reads them or they are drained after the worker's exit."""
    closed = []
    c, theirs, reactor = channel(lambda: closed.append(True))
    try:
        theirs.sendall(struct.pack(">I", 9) + b"{not json")
        if how == "doRead":
            assert c.doRead() is main.CONNECTION_LOST
            c.connectionLost(main.CONNECTION_LOST)
        else:
            c.drain()
        assert closed == [True] and c.fd == -1
    finally:
        c.stop()
        theirs.close()


class _Launch:
    def __init__(self):
        self.cgroupKills = 0

    def killAll(self):
        self.cgroupKills += 1


@pytest.mark.parametrize("exitsInTime", [True, False])
def test_a_kill_ends_the_tree_below_the_worker_and_its_keeper_last(monkeypatch, exitsInTime):
    """kill() empties the cgroup and SIGKILLs every descendant of the process it started at
    once (found before any of them dies), and leaves that process, the keeper, to reap them
    and exit; one that has not exited ROOT_KILL_SECONDS later is killed with its group."""
    from twisted.internet.task import Clock

    from athena_nb.kernel import process

    signalled, groups = [], []
    monkeypatch.setattr(process.proctree, "descendants", lambda pid: {500: [501, 502]}[pid])
    monkeypatch.setattr(process.proctree, "signalAll",
                        lambda pids, signum: signalled.append((list(pids), signum)))
    monkeypatch.setattr(process.os, "killpg", lambda pgid, signum: groups.append((pgid, signum)))
    monkeypatch.setattr(process.os, "waitpid", lambda pid, options: (0, 0))  # still running
    clock = Clock()
    worker = process.WorkerProcess(clock, None, python="python3", system="python", cwd=None,
                                   env=None, limits={})
    worker.pid, worker.launch = 500, _Launch()
    worker.kill()
    worker.kill()  # a second kill sets no second last resort
    assert signalled == [([501, 502], signal.SIGKILL)] * 2 and groups == []
    assert worker.launch.cgroupKills == 2
    if exitsInTime:
        worker.exited = True
    clock.advance(process.ROOT_KILL_SECONDS)
    assert groups == ([] if exitsInTime else [(500, signal.SIGKILL)])
