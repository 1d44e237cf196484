"""Settings of the live-page framework, with Athena's timeouts as defaults.  Tests: tests/unit/test_longpoll.py."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Settings:
    #: A parked request with nothing to send is answered empty after this many seconds.
    idleTimeout: float = 30.0
    #: The client gives up on a request after this many seconds (sent to the client).
    clientTimeout: float = 40.0
    #: A page with no request in progress for this long is gone (also the resumption grace).
    disconnectTimeout: float = 90.0
    #: A page with no connection for this long is away (``LivePage.connectionChanged``) until
    #: its client is back, or gone at ``disconnectTimeout`` (0: never away).
    awaySeconds: float = 10.0
    maxMessageBytes: int = 8 * 1024 * 1024
    maxOutboundMessages: int = 10_000
    maxOutboundBytes: int = 64 * 1024 * 1024
    #: The outbound limits of a page whose client has not connected yet (a browser polls at
    #: once; a page rendered and never polled must not hold a full queue for
    #: ``disconnectTimeout``).
    maxUnpolledMessages: int = 1000
    maxUnpolledBytes: int = 1024 * 1024
    maxHeldMessages: int = 1000
    maxPagesPerSession: int = 64
    #: Send tracebacks of remote errors to the client.
    debug: bool = False
    #: Origins besides the server's own that may use the transport.
    allowedOrigins: tuple[str, ...] = field(default_factory=tuple)
    #: When more than this many pages of one session have a long-poll request parked, that
    #: session's parked requests are answered after ``crowdedParkTime`` instead of
    #: ``idleTimeout``, so that a browser's ~6 connections per host rotate among its tabs.
    crowdedSessionPages: int = 4
    crowdedParkTime: float = 1.0
    #: Offer the WebSocket endpoint, and whether clients should try it first.  An open socket
    #: is pinged every ``idleTimeout`` (and sent an empty envelope if it was sent nothing).
    websocket: bool = True
    preferWebSocket: bool = False
    cookieName: str = "lf_session"
    #: When pages send (every policy is described in _flush.py and docs/livefragments.md;
    #: each one's "off" value is given here). A page whose client sent a message within
    #: ``interactiveSeconds`` is interactive: it is sent first, every turn (0: no page is).
    interactiveSeconds: float = 10.0
    #: Watching pages go out this many per reactor turn (off: a very large number).
    flushBatch: int = 25
    #: A watching page goes out at most once per ``watchPace`` seconds times the number of
    #: watching pages sent in the last second (0: no pacing).
    watchPace: float = 0.0005
    #: The longest a sent watcher's connection goes unread while other watchers are sent
    #: (0: never held).
    holdSeconds: float = 0.1
    #: Latest values that will change again soon wait this long before they are sent alone
    #: (0: sent at once).
    settleSeconds: float = 0.01

    def forClient(self) -> dict:
        return {
            "idleTimeout": self.idleTimeout,
            "clientTimeout": self.clientTimeout,
            "disconnectTimeout": self.disconnectTimeout,
            "maxMessageBytes": self.maxMessageBytes,
        }
