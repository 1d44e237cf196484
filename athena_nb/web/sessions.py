"""``StoredSessions``: the login sessions, cached in memory and kept in the store.  Tests: tests/unit/test_auth.py, tests/unit/test_revoke.py.

livefragments asks its ``SessionStore`` synchronously (``get``), so the sessions in use are
cached here and written through to the store (only their hash is kept there, ``session_key``).
A session the cache does not have (after a restart) is loaded with ``load``, and only *checked*
sessions ever enter the cache: ``load`` asks ``verify(session)`` (does its share link still
grant access, was it made with today's token?) before caching it, and every request asking for
the same session meanwhile waits for that one answer.  So no request can find a session in the
cache whose check is still in flight.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger

from livefragments import Session, SessionStore

from ..store import session_key

log = Logger()

#: A session unused for this long is gone (its cookie lives as long).
SESSION_LIFETIME = 30 * 24 * 3600.0
#: How often a session in use has its "last seen" time written to the store.
TOUCH_INTERVAL = 3600.0
#: How many ids known not to be sessions are remembered (so a made-up cookie costs one read).
_MISSING_CACHE = 4096


def _always(session: Session) -> Deferred:
    return succeed(True)


class StoredSessions(SessionStore):
    """The livefragments session table, cached in memory and kept in the store.

    ``get`` answers from the cache only; ``load`` fetches (and checks) a session the cache does
    not have.  Sessions are made by logging in (``add``), never on the fly: ``create`` refuses,
    so a page can never mint an anonymous session.
    """

    def __init__(self, clock, store, lifetime: float = SESSION_LIFETIME,
                 verify: Callable[[Session], Deferred] = _always):
        super().__init__(clock)
        self._store = store
        self.lifetime = lifetime
        self.verify = verify
        self._lastSeen: dict[str, float] = {}
        self._lastWritten: dict[str, float] = {}
        self._missing: OrderedDict[str, None] = OrderedDict()
        self._loading: dict[str, list[Deferred]] = {}
        #: Sessions ended while they were loading: their load answers None.
        self._endedLoading: set[str] = set()

    def get(self, sessionId: str | None) -> Session | None:
        session = super().get(sessionId)
        if session is None:
            return None
        now = self._clock.seconds()
        if now - self._lastSeen.get(session.id, now) > self.lifetime:
            self.remove(session.id)
            return None
        self._lastSeen[session.id] = now
        if now - self._lastWritten.get(session.id, now) >= TOUCH_INTERVAL:
            self._lastWritten[session.id] = now
            self._store.touch_session(session.id).addErrback(
                lambda f: log.failure("Recording a session's use failed", f))
        return session

    def create(self, data: dict | None = None) -> Session:
        raise RuntimeError(
            "Sessions are only made by logging in or by entering a share link; "
            "a request without one must be refused before it reaches a page.")

    def remove(self, sessionId: str) -> None:
        """End the session, here and in the store."""
        self.forget(sessionId)
        self._store.delete_session(sessionId).addErrback(
            lambda f: log.failure("Deleting a session failed", f))

    def add(self, made: Deferred) -> Deferred:
        """Cache the session ``made`` fires with (a stored ``Session``, or None); fires with
        the livefragments Session (or None)."""

        def cache(stored):
            if stored is None:
                return None
            return self._cache(stored.id, stored.created, stored.last_seen, stored.info)

        return made.addCallback(cache)

    def isKnown(self, sessionId: str) -> bool:
        """Is the answer for ``sessionId`` in memory (a session, or known not to be one)?"""
        return sessionId in self._sessions or sessionId in self._missing

    def load(self, sessionId: str) -> Deferred:
        """Fires with the session ``sessionId`` (fetched from the store and checked with
        ``verify`` if need be) or None.  Loads of one id at once share one read and one check."""
        if self.isKnown(sessionId):
            return succeed(self.get(sessionId))
        d = Deferred()
        waiting = self._loading.get(sessionId)
        if waiting is not None:
            waiting.append(d)
            return d
        self._loading[sessionId] = [d]

        def found(stored):
            if stored is None or self._clock.seconds() - stored.last_seen > self.lifetime:
                if stored is not None:
                    self._store.delete_session(sessionId)
                return False, None
            session = Session(stored.id, stored.created, dict(stored.info))
            return self.verify(session).addCallback(lambda ok: (ok, stored))

        def settled(result):
            waiters = self._loading.pop(sessionId, [])
            ok, stored = result
            if sessionId in self._endedLoading:
                self._endedLoading.discard(sessionId)
                ok = False
            if ok:
                session = self._cache(stored.id, stored.created, stored.last_seen, stored.info)
            else:
                session = None
                self._notASession(sessionId)
            for waiter in waiters:
                waiter.callback(session)

        def failed(failure):
            self._endedLoading.discard(sessionId)
            for waiter in self._loading.pop(sessionId, []):
                waiter.errback(failure)

        self._store.get_session(sessionId).addCallback(found).addCallbacks(settled, failed)
        return d

    def end(self, key: str) -> str | None:
        """The session stored under ``key`` (``session_key``) is being ended: drop it from the
        cache, and have a load of it that is in flight answer None.  Returns its id if this
        server knew it."""
        for sessionId in list(self._sessions) + list(self._loading):
            if session_key(sessionId) == key:
                self.forget(sessionId)
                if sessionId in self._loading:
                    self._endedLoading.add(sessionId)
                return sessionId
        return None

    def forget(self, sessionId: str) -> None:
        """Drop a session from the cache only (it may be loaded again later)."""
        self._sessions.pop(sessionId, None)
        self._lastSeen.pop(sessionId, None)
        self._lastWritten.pop(sessionId, None)

    def cached(self) -> list[Session]:
        return list(self._sessions.values())

    def lastSeen(self, sessionId: str) -> float | None:
        """When the cached session was last used (fresher than the store, which is told
        hourly)."""
        return self._lastSeen.get(sessionId)

    def _notASession(self, sessionId: str) -> None:
        self._missing[sessionId] = None
        while len(self._missing) > _MISSING_CACHE:
            self._missing.popitem(last=False)

    def _cache(self, sessionId, created, lastSeen, info) -> Session:
        session = Session(sessionId, created, dict(info))
        self._sessions[sessionId] = session
        self._lastSeen[sessionId] = lastSeen
        self._lastWritten[sessionId] = lastSeen
        self._missing.pop(sessionId, None)
        return session
