"""How the notebook service starts and stops its parts: the store, the kernel pool, the hubs and
the web site, in that order, each once the one before it has started, and in reverse, each once
the one after it has stopped.  Driven by a MemoryReactorClock and a store that commits when the
test says so.
"""

from __future__ import annotations

import gc

import pytest
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.error import CannotListenError
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import globalLogPublisher

from athena_nb.options import Options
from athena_nb.service import NotebookService, StartError
from athena_nb.store import CorruptDatabaseError
from athena_nb.store.testing import open_manual_store

TOKEN = "a-token-for-these-tests"
URL = f"http://127.0.0.1:8123/?token={TOKEN}"


class Port:
    """A listening port that says when it stops."""

    def __init__(self, events):
        self.events = events

    def getHost(self):
        return IPv4Address("TCP", "127.0.0.1", 8123)

    def stopListening(self):
        self.events.append("stop listening")


class Reactor(MemoryReactorClock):
    """Listens on ports that record their stop, or refuses to listen with ``refusal``."""

    def __init__(self, events, refusal=None):
        super().__init__()
        self.events = events
        self.refusal = refusal

    def listenTCP(self, port, factory, backlog=50, interface=""):
        if self.refusal is not None:
            raise self.refusal
        super().listenTCP(port, factory, backlog, interface)
        self.events.append("listen")
        return Port(self.events)


class Stoppable:
    """A kernel pool or hub registry: ``shutdown()`` records and gives ``stopping``."""

    def __init__(self, events, what, stopping):
        self.events, self.what, self.stopping = events, what, stopping

    def shutdown(self):
        self.events.append(f"shut down {self.what}")
        return self.stopping

    def closeSessions(self, sessionIds, reason):
        return 0


class Server:
    """A NotebookService whose store opens when ``opening`` fires and commits on ``flush()``."""

    def __init__(self, tmp_path, *, refusal=None, hubsStopping=None):
        self.events: list[str] = []
        self.reactor = Reactor(self.events, refusal)
        self.opening = Deferred()
        self.store, self.writer = open_manual_store(self.reactor)
        closeStore = self.store.close

        def close():
            self.events.append("close store")
            return closeStore()

        self.store.close = close
        self.dataDir = tmp_path / "data"
        options = Options(environ={})
        options.parseOptions(["--data-dir", str(self.dataDir), "--port", "8123",
                              "--token", TOKEN])
        self.pool = Stoppable(self.events, "pool", succeed(None))
        self.hubs = Stoppable(self.events, "hubs", hubsStopping or succeed(None))
        self.service = NotebookService(
            options, reactor=self.reactor, announce=lambda url: self.events.append(url),
            openStore=self.openStore, poolFactory=self.makePool, hubsFactory=self.makeHubs)
        self.ready = []
        self.service.ready.addBoth(self.ready.append)

    def openStore(self, reactor, path):
        self.events.append("open store")
        return self.opening

    def makePool(self):
        self.events.append("make pool")
        return self.pool

    def makeHubs(self, reactor, store, pool, dataDir):
        assert store is self.store and pool is self.pool
        self.events.append("make hubs")
        return self.hubs

    def flush(self):
        self.writer.flush()

    def start(self):
        """Start, open the store and commit until the service is ready."""
        self.service.startService()
        self.opening.callback(self.store)
        self.flush()  # the running cells marked interrupted
        self.flush()  # old sessions expired


@pytest.fixture(autouse=True)
def keepTheGarbageCollector():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.fixture
def logged():
    events = []
    globalLogPublisher.addObserver(events.append)
    yield events
    globalLogPublisher.removeObserver(events.append)


def test_each_part_starts_once_the_one_before_it_has_started(tmp_path):
    """The store opens first; the kernel pool is made only once it is open and its running
    cells are marked interrupted; then the hubs; the site listens last, and ``ready`` fires
    with the URL after it is announced."""
    server = Server(tmp_path)
    server.service.startService()
    assert server.events == ["open store"]
    server.opening.callback(server.store)
    assert server.events == ["open store"], "the store has not marked its running cells yet"
    server.flush()
    assert server.events == ["open store", "make pool", "make hubs"]
    assert server.ready == [], "the site expires old sessions before it listens"
    server.flush()
    assert server.events == ["open store", "make pool", "make hubs", "listen", URL]
    assert server.ready == [URL]
    assert (server.dataDir / "server.json").exists()


def test_each_part_stops_once_the_one_after_it_has_stopped(tmp_path):
    """The port stops listening first (server.json goes with it); the store closes only once
    the hubs have closed their kernels and the pool has stopped its own."""
    hubsStopping = Deferred()
    server = Server(tmp_path, hubsStopping=hubsStopping)
    server.start()
    del server.events[:]
    stopped = server.service.stopService()
    assert server.events == ["stop listening", "shut down hubs"]
    assert not (server.dataDir / "server.json").exists()
    hubsStopping.callback(None)
    assert server.events == ["stop listening", "shut down hubs", "shut down pool", "close store"]
    assert not stopped.called, "the store has not written what it was asked to yet"
    server.flush()
    assert stopped.called and stopped.result is None


def test_a_damaged_store_stops_the_start_and_nothing_else_starts(tmp_path):
    server = Server(tmp_path)
    server.service.startService()
    damaged = CorruptDatabaseError("athena.sqlite", "The file athena.sqlite is damaged.")
    server.opening.errback(damaged)
    assert server.ready[0].value is damaged
    assert server.events == ["open store"]
    assert server.service.stopService().called
    assert server.events == ["open store"]


def test_a_port_in_use_stops_the_start_with_a_sentence_and_what_started_stops(tmp_path):
    refusal = CannotListenError("127.0.0.1", 8123, OSError(98, "Address already in use"))
    server = Server(tmp_path, refusal=refusal)
    server.start()
    failure = server.ready[0]
    assert failure.check(StartError)
    message = failure.getErrorMessage()
    assert message.startswith("Cannot listen on tcp:port=8123") and message.endswith(".")
    assert "Address already in use" in message
    server.service.stopService()
    assert server.events == ["open store", "make pool", "make hubs",
                             "shut down hubs", "shut down pool", "close store"]
    assert not (server.dataDir / "server.json").exists()


def test_stopping_while_the_store_opens_closes_it_and_starts_nothing_more(tmp_path):
    server = Server(tmp_path)
    server.service.startService()
    stopped = server.service.stopService()
    assert not stopped.called and server.events == ["open store"]
    server.opening.callback(server.store)
    server.flush()
    assert server.events == ["open store", "close store"]
    assert server.ready[0].getErrorMessage() == "The server was stopped before it had started."
    server.flush()
    assert stopped.called


def test_a_part_that_cannot_stop_is_logged_and_the_others_stop_all_the_same(tmp_path, logged):
    server = Server(tmp_path, hubsStopping=fail(RuntimeError("A kernel would not exit.")))
    server.start()
    stopped = server.service.stopService()
    server.flush()
    assert server.events[-3:] == ["shut down hubs", "shut down pool", "close store"]
    assert stopped.called
    [event] = [e for e in logged if "log_failure" in e]
    assert event["part"] == "hubs" and event["log_failure"].check(RuntimeError)


def test_a_service_that_is_not_running_does_not_stop_again(tmp_path):
    """Stopping twice stops each part once; stopping what never started does nothing."""
    server = Server(tmp_path)
    assert server.service.stopService().called
    assert server.events == []
    server.start()
    server.service.stopService()
    server.flush()
    del server.events[:]
    assert server.service.stopService().called
    assert server.events == []
