"""Small live pages used by the livefragments tests."""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.web.resource import Resource

from livefragments import (
    LiveFragment,
    LiveFragmentsError,
    LivePage,
    LivePageResource,
    LiveSite,
    ModuleResource,
    Settings,
    expose,
    jsRoot,
)
from livefragments.client import ClientWidget, LiveClient
from tests.support.memoryhttp import MemoryHTTP


class Declined(LiveFragmentsError):
    """The demo's own refusal: its type and message reach the caller as they are."""


class Counter(LiveFragment):
    jsClass = "demo/counter.js:Counter"

    def __init__(self, start=0):
        super().__init__()
        self.value = start
        self.lostWith = None
        self.made = 0
        self.log: list = []

    def getInitialArguments(self):
        return [self.value]

    @expose
    def increment(self, by=1):
        self.value += by
        return self.value

    @expose
    def record(self, item):
        self.log.append(item)
        return len(self.log)

    @expose
    def fail(self, message):
        raise Declined(message)

    @expose
    def crash(self):
        """A bug: the caller gets an InternalError, the log the traceback."""
        return {}["missing"]

    @expose
    async def later(self, d_holder):
        return "async ok"

    @expose
    def spawn(self, start):
        return Counter(start)

    @expose
    def echo(self, value):
        return value

    def notExposed(self):
        raise AssertionError("must never run")

    def connectionMade(self):
        self.made += 1

    def connectionLost(self, reason):
        self.lostWith = reason


class DemoPage(LivePage):
    title = "Demo"

    def __init__(self):
        super().__init__()
        self.counter = self.addChild(Counter(0))


class ClientCounter(ClientWidget):
    """The browser side of Counter, in Python."""

    def __init__(self, client, description):
        super().__init__(client, description)
        self.shown: list = []

    @expose
    def show(self, value):
        self.shown.append(value)
        return f"shown {value}"

    @expose
    def boom(self):
        raise KeyError("no such thing")


def demoSite(reactor, makePage, pages: list, settings: Settings, siteClass=LiveSite):
    """A ``siteClass`` serving the modules at ``/static/`` and ``makePage()`` pages at
    ``/demo/``; every page made is appended to ``pages``.  Returns the Site and the
    LivePageResource."""
    modules = ModuleResource(jsRoot(), "/static")
    root = Resource()
    root.putChild(b"static", modules)

    def factory(request):
        page = makePage()
        pages.append(page)
        return page

    resource = LivePageResource(factory, reactor=reactor, moduleRoot=modules.rootURL,
                                settings=settings)
    root.putChild(b"demo", resource)
    return siteClass(root, reactor=reactor), resource


class Harness:
    """A Site (a ``LiveSite`` unless ``siteClass`` says otherwise) with ``/demo/`` on a Clock,
    and clients over in-memory HTTP."""

    def __init__(self, settings: Settings | None = None, pageClass=DemoPage, siteClass=LiveSite):
        self.clock = Clock()
        self.pages: list = []
        self.site, self.resource = demoSite(self.clock, pageClass, self.pages,
                                            settings or Settings(), siteClass)
        self.http = MemoryHTTP(self.site)

    def openClient(self, http=None, random=None, **options) -> LiveClient:
        """A client of a new page; ``options`` go to ``LiveClient.open`` (``transport``...)."""
        import random as _random

        d = Deferred.fromCoroutine(LiveClient.open(
            self.clock, "http://127.0.0.1:8080/demo/", http=http or self.http,
            widgetClasses={"demo/counter.js:Counter": ClientCounter},
            random=random or _random.Random(0).random, **options))
        results = []
        d.addBoth(results.append)
        self.clock.advance(0)
        if isinstance(results[0], Exception) or hasattr(results[0], "raiseException"):
            results[0].raiseException()
        return results[0]

    def settle(self, rounds: int = 5) -> None:
        for _ in range(rounds):
            self.clock.advance(0)


class RawPage:
    """A page opened with a plain GET, for hand-made transport requests.

    With ``cookie`` (another RawPage's) the page joins that session, as a second tab would.
    """

    def __init__(self, harness: Harness, cookie: str | None = None):
        from http.cookies import SimpleCookie

        from livefragments._json import loads
        from livefragments.client import _BootParser

        self.h = harness
        got = []
        headers = {} if cookie is None else {b"cookie": cookie.encode()}
        harness.http.request(b"GET", "/demo/", headers, None).addBoth(got.append)
        response = got[0]
        if cookie is None:
            made = SimpleCookie(response.headers["set-cookie"][0])
            cookie = f"lf_session={made['lf_session'].value}"
        else:
            assert "set-cookie" not in response.headers, "the page joined the given session"
        self.cookie = cookie
        self.response = response
        parser = _BootParser()
        parser.feed(response.body.decode())
        self.boot = loads(parser.boot)
        self.page = harness.pages[-1]

    def post(self, body, *, csrf=True, cookie=True, origin=None, headers=None):
        """POST ``body`` (bytes, or a value sent as JSON); the list gets the response later."""
        from livefragments._json import dumpb

        hdrs = {b"content-type": b"application/json"}
        if csrf:
            hdrs[b"x-lf-csrf"] = self.boot["csrf"].encode()
        if cookie:
            hdrs[b"cookie"] = self.cookie.encode()
        if origin is not None:
            hdrs[b"origin"] = origin.encode()
        hdrs.update(headers or {})
        data = body if isinstance(body, bytes) else dumpb(body)
        answers: list = []
        self.h.http.request(b"POST", self.boot["transport"], hdrs, data).addBoth(answers.append)
        return answers


def call(seq: int, callId: int, method: str, *args, widget: int = 1) -> list:
    """The client's message number ``seq``: a call of ``method(*args)`` on ``widget``, as a
    transport envelope's entry (docs/protocol.md)."""
    return [seq, ["call", [callId, widget, method, list(args), {}]]]
