"""A shared counter: the smallest useful live page, and the fixture of the browser tests.

Tests: tests/browser/test_livefragments_*.py.

Run it with one command and open the URL it prints in several tabs; every tab sees every
increment::

    python examples/counter.py --port 0

Each tab is a ``CounterPage`` with one ``Counter`` fragment (JS: js/examples/counter.js).
Clicking "+1" calls ``Counter.increment`` in Python, which calls ``show`` in the browser of
every tab.  The other buttons show the rest of the framework: errors crossing both ways, a
Python -> JS -> Python round trip, and a widget created after the page loaded.

``--test-hooks`` (or ``LF_EXAMPLE_TEST_HOOKS=1``) adds a "cut" button for fault tests: it
aborts every TCP connection of the server right after the server has answered (so answers
and acknowledgements in both directions are lost) and, if the counter element has a
``data-outage`` of N seconds, aborts every long-poll request for N more seconds (the server is
unreachable).  The page must resume with nothing lost or doubled.  Never enable it on a real
server.
"""

from __future__ import annotations

import argparse
import os
import sys
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from twisted.internet.defer import Deferred  # noqa: E402
from twisted.web.resource import NoResource, Resource  # noqa: E402
from twisted.web.server import Site  # noqa: E402
from twisted.web.util import Redirect  # noqa: E402

from livefragments import (  # noqa: E402
    BadArguments,
    LiveFragment,
    LiveFragmentsError,
    LivePage,
    LivePageResource,
    ModuleResource,
    RemoteError,
    Settings,
    expose,
    jsRoot,
)


class Declined(LiveFragmentsError):
    """The counter's own refusal: its type and message reach the browser as they are."""


class SharedCounter:
    """The one value every tab shares, and the counters showing it."""

    def __init__(self):
        self.value = 0
        self.counters: set[Counter] = set()

    def increment(self, by: int) -> int:
        self.value += by
        for counter in list(self.counters):
            counter.callRemote("show", self.value).addErrback(lambda f: None)
        return self.value


class Extra(LiveFragment):
    """A small widget created after the page loaded (returned by ``Counter.spawn``)."""

    jsClass = "examples/counter.js:Extra"

    def __init__(self, number: int):
        super().__init__()
        self.number = number
        self.bumps = 0

    def getInitialArguments(self):
        return [self.number]

    def elementAttributes(self):
        return {"class": "extra"}

    def render(self):
        return (f'<span class="label">Extra {self.number}</span> '
                f'<button type="button" class="bump">Bump</button> '
                f'<output class="bumps">0</output>')

    @expose
    def bump(self) -> int:
        self.bumps += 1
        return self.bumps


class Counter(LiveFragment):
    jsClass = "examples/counter.js:Counter"

    def __init__(self, shared: SharedCounter, reactor, hooks=None):
        super().__init__()
        self.shared = shared
        self.reactor = reactor
        self.hooks = hooks
        self.extras = 0

    def getInitialArguments(self):
        return [self.shared.value]

    def elementAttributes(self):
        return {"class": "counter"}

    def render(self):
        buttons = [("increment", "+1"), ("fail", "Fail in Python"),
                   ("probe", "Fail in the browser"), ("roundtrip", "Ask the browser"),
                   ("spawn", "Add a widget")]
        if self.hooks is not None:
            buttons.append(("cut", "Cut the connection"))
        return (
            f'<p>Shared value: <output class="value">{self.shared.value}</output> '
            f'(your last answer: <output class="mine"></output>)</p>'
            + "".join(f'<button type="button" class="{name}">{escape(label)}</button> '
                      for name, label in buttons)
            + '<p class="result" role="status"></p><ol class="log"></ol><div class="extras"></div>')

    def connectionMade(self):
        self.shared.counters.add(self)

    def connectionLost(self, reason):
        self.shared.counters.discard(self)

    @expose
    def increment(self, by: int = 1) -> int:
        if type(by) is not int:
            raise BadArguments(f"by must be an integer, not {by!r}.")
        return self.shared.increment(by)

    @expose
    def fail(self, message: str):
        """A refusal: the browser gets its type and message (a bug would be an InternalError
        with an error id, its traceback in the server's log)."""
        raise Declined(message)

    @expose
    async def probe(self) -> dict:
        """Call a browser method that throws; report the error Python received."""
        try:
            await self.callRemote("explode")
        except RemoteError as e:
            return {"type": e.type, "message": e.message}
        return {"type": None, "message": "The browser did not fail."}

    @expose
    async def roundtrip(self, number: int) -> dict:
        """Python calls the browser's ``double`` and reports what it answered."""
        return {"asked": number, "browserSaid": await self.callRemote("double", number)}

    @expose
    def spawn(self) -> Extra:
        self.extras += 1
        return Extra(self.extras)

    @expose
    def cut(self, outage: float = 0) -> Deferred:
        """Test hook: once this turn's answers are written, abort every connection; then
        abort long-poll requests for ``outage`` seconds."""
        if self.hooks is None:
            raise PermissionError("Test hooks are off.")
        if not isinstance(outage, int | float) or not 0 <= outage <= 10:
            raise ValueError(f"The outage must be 0 to 10 seconds, not {outage!r}.")
        done = Deferred()
        self.reactor.callLater(0, self._cut, done, outage)
        return done

    def _cut(self, done: Deferred, outage: float) -> None:
        # Answer what this reactor turn produced (numbering those messages), then abort the
        # TCP connections before those bytes leave the process: answers and acks are lost.
        if self.page is not None and self.page.transport is not None:
            self.page.transport.flush()
        self.hooks.outageUntil = self.reactor.seconds() + outage
        done.callback(self.hooks.abortAll())


class CounterPage(LivePage):
    title = "Shared counter"
    stylesheets = ("examples/counter.css",)

    def __init__(self, shared, reactor, hooks=None):
        super().__init__()
        self.counter = self.addChild(Counter(shared, reactor, hooks))

    def render(self):
        return ("<main><h1>Shared counter</h1>"
                "<p>Open this page in several tabs: every tab sees every increment.</p>"
                + self.renderChild(self.counter) + "</main>")


class FaultHooks:
    """The server's open TCP connections, so a test can cut them all (see ``Counter.cut``)."""

    def __init__(self, reactor):
        self.reactor = reactor
        self.transports: set = set()
        self.outageUntil = 0.0

    def refuse(self, request) -> bool:
        """During an outage, abort a long-poll request's connection; True if it did."""
        if request.method != b"POST" or self.reactor.seconds() >= self.outageUntil:
            return False
        request.channel.transport.abortConnection()
        return True

    def track(self, request) -> None:
        transport = getattr(request.channel, "transport", None)
        if transport is not None:
            self.transports = {t for t in self.transports if t.connected}
            self.transports.add(transport)

    def abortAll(self) -> int:
        live = [t for t in self.transports if t.connected]
        for transport in live:
            transport.abortConnection()
        self.transports = set()
        return len(live)


class _TrackingSite(Site):
    def __init__(self, resource, hooks, **kwargs):
        super().__init__(resource, **kwargs)
        self.hooks = hooks

    def getResourceFor(self, request):
        if self.hooks.refuse(request):
            return NoResource()  # its answer goes nowhere: the connection is gone
        self.hooks.track(request)
        return super().getResourceFor(request)


def makeSite(reactor, settings: Settings, hooks: FaultHooks | None = None) -> Site:
    """The example's whole site: ``/counter/`` (the page), ``/static/`` (the modules)."""
    shared = SharedCounter()
    modules = ModuleResource(jsRoot(), "/static")
    root = Resource()
    root.putChild(b"", Redirect(b"/counter/"))
    root.putChild(b"static", modules)
    root.putChild(b"counter", LivePageResource(
        lambda request: CounterPage(shared, reactor, hooks), reactor=reactor,
        moduleRoot=modules.rootURL, settings=settings))
    if hooks is not None:
        return _TrackingSite(root, hooks, reactor=reactor)
    return Site(root, reactor=reactor)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Serve the shared-counter live page.")
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port; 0 picks a free one")
    parser.add_argument("--websocket", action="store_true",
                        help="have pages use the WebSocket transport (long-poll otherwise)")
    parser.add_argument("--idle-timeout", type=float, default=Settings.idleTimeout,
                        help="seconds a long-poll request stays parked (default %(default)s)")
    parser.add_argument("--crowded-session-pages", type=int,
                        default=Settings.crowdedSessionPages,
                        help="parked pages of one session before their polls rotate "
                             "(default %(default)s)")
    parser.add_argument("--test-hooks", action="store_true",
                        default=os.environ.get("LF_EXAMPLE_TEST_HOOKS") == "1",
                        help="add the fault-injection button used by the browser tests")
    args = parser.parse_args(argv)

    from twisted.internet import reactor

    settings = Settings(preferWebSocket=args.websocket, idleTimeout=args.idle_timeout,
                        crowdedSessionPages=args.crowded_session_pages)
    hooks = FaultHooks(reactor) if args.test_hooks else None
    port = reactor.listenTCP(args.port, makeSite(reactor, settings, hooks), interface=args.host)
    address = port.getHost()
    host = f"[{address.host}]" if ":" in address.host else address.host
    print(f"Shared counter: http://{host}:{address.port}/counter/", flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
