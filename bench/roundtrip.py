"""The round-trip benchmark of livefragments: N sequential ``callRemote`` calls, long-poll and WebSocket.

Tests: tests/integration/test_bench_smoke.py (runs it with tiny N).

Run: python bench/roundtrip.py [-n 2000].  It starts a server in a separate process (this file
with --serve), drives it with ``livefragments.client`` over real TCP on 127.0.0.1 (TCP_NODELAY
on both ends), and prints p50/p95/p99/mean latency and calls/s for:

- livefragments over long-poll and over WebSocket (``callRemote("echo", i)``, answered by an
  exposed method), and
- the references on the same server: a bare twisted.web POST echo (one HTTP request per round
  trip, the floor under long-poll) and a bare WebSocket echo (the floor under WebSocket).

Writes everything to bench/results/roundtrip.json (``bench.common.writeResults``, so
ATHENA_BENCH_RESULTS moves it).  No figure is asserted by tests.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from twisted.internet import defer, reactor  # noqa: E402
from twisted.python.failure import Failure  # noqa: E402
from twisted.web.resource import Resource  # noqa: E402

from bench.common import summary, writeResults  # noqa: E402
from livefragments import (  # noqa: E402
    LiveFragment,
    LivePage,
    LivePageResource,
    LiveSite,
    ModuleResource,
    Settings,
    expose,
    jsRoot,
)

# -- the server (--serve, in its own process) -------------------------------------------------


class Echo(LiveFragment):
    jsClass = "bench/echo.js:Echo"

    @expose
    def echo(self, value):
        return value


class EchoPage(LivePage):
    def __init__(self):
        super().__init__()
        self.echo = self.addChild(Echo())


class PostEcho(Resource):
    """The reference under long-poll: one bare POST answered with its body."""

    isLeaf = True

    def render_POST(self, request):
        request.setHeader(b"content-type", b"application/json")
        return request.content.read()


class _SocketEcho:
    """The reference under WebSocket: every text frame sent straight back."""

    def negotiationStarted(self, transport):
        self.transport = transport

    def negotiationFinished(self):
        pass

    def textMessageReceived(self, message):
        self.transport.sendTextMessage(message)

    def bytesMessageReceived(self, data):
        pass

    def pongReceived(self, payload):
        pass

    def connectionLost(self, reason):
        pass


class _SocketEchoFactory:
    def buildProtocol(self, request):
        return _SocketEcho()


def serve(port: int) -> None:
    from twisted.web.websocket import WebSocketResource

    modules = ModuleResource(jsRoot(), "/static")
    root = Resource()
    root.putChild(b"static", modules)
    root.putChild(b"echo", LivePageResource(lambda request: EchoPage(), reactor=reactor,
                                            moduleRoot=modules.rootURL, settings=Settings()))
    root.putChild(b"post", PostEcho())
    root.putChild(b"ws", WebSocketResource(_SocketEchoFactory()))
    # The notebook's site is a LiveSite; twisted.web turns Nagle off on every connection.
    listening = reactor.listenTCP(port, LiveSite(root), interface="127.0.0.1")
    print(f"http://127.0.0.1:{listening.getHost().port}/", flush=True)
    reactor.run()


# -- the client -----------------------------------------------------------------------------


def show(name: str, s: dict) -> None:
    print("  %-34s p50 %7.3f  p95 %7.3f  p99 %7.3f  mean %7.3f ms  %8.0f calls/s  N=%d"
          % (name, s["p50"], s["p95"], s["p99"], s["mean"], s["calls_per_s"], s["n"]))


async def timed(call, n: int, warmup: int) -> dict:
    for i in range(warmup):
        await call(i)
    samples = []
    began = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        await call(i)
        samples.append((time.perf_counter() - t) * 1000)
    seconds = time.perf_counter() - began
    return {**summary(samples), "calls_per_s": len(samples) / seconds}


async def benchLive(base: str, transport: str, n: int, warmup: int) -> dict:
    from livefragments.client import LiveClient, PlainHTTP

    http = PlainHTTP(reactor)
    client = await LiveClient.open(reactor, base + "echo/", http=http, transport=transport)
    widget = client.widgetsByClass("bench/echo.js:Echo")[0]
    if client.transportKind != transport:
        raise RuntimeError(f"The client fell back to {client.transportKind}: {client.fallbackReason}")
    result = await timed(lambda i: widget.callRemote("echo", i), n, warmup)
    result["transport_stats"] = dict(client.stats)
    await client.close()
    await http.close()
    return result


async def benchPost(base: str, n: int, warmup: int) -> dict:
    from livefragments.client import PlainHTTP

    http = PlainHTTP(reactor)

    async def call(i):
        response = await http.request(b"POST", base + "post", {
            b"content-type": b"application/json"}, b'[0,[[%d,["call",[0,1,"echo",[%d],{}]]]]]' % (i, i))
        assert response.code == 200

    result = await timed(call, n, warmup)
    await http.close()
    return result


async def benchSocket(base: str, n: int, warmup: int) -> dict:
    from livefragments._wsclient import connectWebSocket

    socket = await connectWebSocket(reactor, base.replace("http://", "ws://") + "ws", [])
    waiting: list = []
    socket.onText = lambda text: waiting.pop(0).callback(text)

    def call(i):
        d = defer.Deferred()
        waiting.append(d)
        socket.sendText('[0,[[%d,["call",[0,1,"echo",[%d],{}]]]]]' % (i, i))
        return d

    result = await timed(call, n, warmup)
    socket.close()
    return result


async def run(base: str, n: int, warmup: int) -> dict:
    figures = {}
    print(f"{n} sequential round trips each (after {warmup} to warm up), server in its own process:")
    for name, bench in [
        ("livefragments_longpoll", lambda: benchLive(base, "longpoll", n, warmup)),
        ("livefragments_websocket", lambda: benchLive(base, "websocket", n, warmup)),
        ("reference_bare_http_post", lambda: benchPost(base, n, warmup)),
        ("reference_bare_websocket", lambda: benchSocket(base, n, warmup)),
    ]:
        figures[name] = await bench()
        show(name.replace("_", " "), figures[name])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="round trips per figure")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.port)
        return

    server = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve"],
                              stdout=subprocess.PIPE, text=True)
    try:
        base = server.stdout.readline().strip()
        if not base.startswith("http://"):
            raise SystemExit(f"The server did not start (it printed {base!r}).")
        outcome: list = []
        d = defer.Deferred.fromCoroutine(run(base, args.n, args.warmup))
        d.addBoth(outcome.append)
        d.addBoth(lambda _: reactor.stop())
        reactor.run()
        if not outcome:
            raise SystemExit("The benchmark did not finish.")
        if isinstance(outcome[0], Failure):
            outcome[0].raiseException()
        figures = outcome[0]
    finally:
        server.terminate()
        server.wait(10)
    path = writeResults("roundtrip", {"n": args.n, "warmup": args.warmup, "tcp_nodelay": True,
                                      "figures": figures})
    print(f"Wrote {os.path.relpath(path)}.")


if __name__ == "__main__":
    main()
