"""Who is asking: identities, login sessions kept in the store, share links.  Tests: tests/unit/test_auth.py.

Whoever holds the server token (or the password) is the owner.  Anyone else comes in through a
share link, a capability URL for one worksheet and one role, and picks a display name.  Either
way the browser gets one cookie, ``athena_session``, naming a session that is cached here and
kept in the store (only its hash), so it survives a restart of the server.

The site's gate asks ``Auth.resolve`` once per request who sends it (a session not in the cache
yet, after a restart, is loaded from the store), and attaches the answer to the request as its
``IIdentity`` component; everything after the gate reads it with ``identityOf(request)``.
"""

from __future__ import annotations

import hmac
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.threads import deferToThreadPool
from twisted.logger import Logger
from zope.interface import Interface, implementer

from livefragments import Session, SessionStore

from ..options import verifyPassword
from ..store import Role, ShareLink

log = Logger()

COOKIE = "athena_session"
OWNER_NAME = "Owner"
MAX_NAME = 60
#: A session unused for this long is gone (its cookie lives as long).
SESSION_LIFETIME = 30 * 24 * 3600.0
#: How often a session in use has its "last seen" time written to the store.
TOUCH_INTERVAL = 3600.0
_MISSING_CACHE = 4096


class IIdentity(Interface):
    """Who sent a request: the component the site's gate attaches to every request that
    carries a valid session (``Identity``)."""


def identityOf(request) -> Identity | None:
    """The identity the gate attached to ``request`` (None: the request has no session)."""
    return request.getComponent(IIdentity)


@implementer(IIdentity)
@dataclass(frozen=True)
class Identity:
    """Who a request comes from.  ``worksheetId`` is None for the owner (every worksheet)."""

    role: Role
    name: str
    sessionId: str
    worksheetId: str | None
    link: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))  # ValueError for an unknown role

    @property
    def isOwner(self) -> bool:
        return self.role is Role.OWNER

    def canEdit(self) -> bool:
        """May edit and run cells (owner or collaborator)."""
        return self.role.canEdit

    def mayOpen(self, worksheetId: str) -> bool:
        """May see the worksheet ``worksheetId`` at all."""
        return self.worksheetId is None or self.worksheetId == worksheetId

    @classmethod
    def fromSession(cls, session: Session) -> Identity | None:
        data = session.data
        try:
            role = Role(data.get("role"))
        except ValueError:
            return None
        worksheetId = data.get("worksheetId") if role is not Role.OWNER else None
        if role is not Role.OWNER and not isinstance(worksheetId, str):
            return None
        return cls(role, str(data.get("name") or OWNER_NAME), session.id, worksheetId,
                   data.get("link"))


def cleanName(name: object) -> str:
    """A display name as given, trimmed; ValueError with a sentence if it cannot be used."""
    if not isinstance(name, str):
        raise ValueError("The display name must be text.")
    name = " ".join(name.split())
    if not name:
        raise ValueError("Please enter a display name, so the others know who you are.")
    if len(name) > MAX_NAME:
        raise ValueError(f"A display name may have at most {MAX_NAME} characters.")
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in name):
        raise ValueError("A display name may not contain control characters.")
    return name


def sessionCookie(name: str, value: str, *, secure: bool, maxAge: float) -> bytes:
    """Our cookie: HttpOnly, SameSite=Strict, Secure under TLS; ``maxAge`` 0 deletes it."""
    cookie = f"{name}={value}; Path=/; Max-Age={int(maxAge)}; HttpOnly; SameSite=Strict"
    return (cookie + "; Secure" if secure else cookie).encode("ascii")


class StoredSessions(SessionStore):
    """The livefragments session table, cached in memory and kept in the store.

    ``get`` answers from the cache only; ``load`` fetches a session the cache does not have
    (after a restart).  Sessions are made by logging in (``add``), never on the fly: ``create``
    refuses, so a page can never mint an anonymous session.
    """

    def __init__(self, clock, store, lifetime: float = SESSION_LIFETIME):
        super().__init__(clock)
        self._store = store
        self.lifetime = lifetime
        self._lastSeen: dict[str, float] = {}
        self._lastWritten: dict[str, float] = {}
        self._missing: OrderedDict[str, None] = OrderedDict()

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

    def add(self, info: dict) -> Deferred:
        """Make and keep a session holding ``info``; fires with it once it is committed."""

        def made(stored):
            return self._cache(stored.id, stored.created, stored.last_seen, stored.info)

        return self._store.create_session(info).addCallback(made)

    def isKnown(self, sessionId: str) -> bool:
        """Is the answer for ``sessionId`` in memory (a session, or known not to be one)?"""
        return sessionId in self._sessions or sessionId in self._missing

    def load(self, sessionId: str) -> Deferred:
        """Fires with the session ``sessionId`` (fetched from the store if need be) or None."""
        if self.isKnown(sessionId):
            return succeed(self.get(sessionId))

        def found(stored):
            if stored is None or self._clock.seconds() - stored.last_seen > self.lifetime:
                self._missing[sessionId] = None
                while len(self._missing) > _MISSING_CACHE:
                    self._missing.popitem(last=False)
                if stored is not None:
                    self._store.delete_session(sessionId)
                return None
            if sessionId in self._sessions:  # loaded twice at once: keep the first
                return self._sessions[sessionId]
            return self._cache(stored.id, stored.created, stored.last_seen, stored.info)

        return self._store.get_session(sessionId).addCallback(found)

    def forget(self, sessionId: str) -> None:
        """Drop a session from the cache only (it may be loaded again later)."""
        self._sessions.pop(sessionId, None)
        self._lastSeen.pop(sessionId, None)
        self._lastWritten.pop(sessionId, None)

    def cached(self) -> list[Session]:
        return list(self._sessions.values())

    def _cache(self, sessionId, created, lastSeen, info) -> Session:
        session = Session(sessionId, created, dict(info))
        self._sessions[sessionId] = session
        self._lastSeen[sessionId] = lastSeen
        self._lastWritten[sessionId] = lastSeen
        self._missing.pop(sessionId, None)
        return session


class Auth:
    """Identities from requests, logins, share links.

    ``runInThread(f, *args)`` runs the slow password check off the reactor thread (default: the
    reactor's thread pool); tests pass one that runs it at once.
    """

    def __init__(self, reactor, store, *, token: str, passwordHash: str | None = None,
                 cookieName: str = COOKIE, lifetime: float = SESSION_LIFETIME,
                 runInThread: Callable[..., Deferred] | None = None):
        self.reactor = reactor
        self.store = store
        self.token = token
        self.passwordHash = passwordHash
        self.cookieName = cookieName
        self.sessions = StoredSessions(reactor, store, lifetime)
        self._runInThread = runInThread or (
            lambda f, *a: deferToThreadPool(reactor, reactor.getThreadPool(), f, *a))
        self._revoked: list[Callable[[ShareLink, frozenset[str]], object]] = []

    # -- who is asking ----------------------------------------------------------------------

    def sessionIdOf(self, request) -> str | None:
        raw = request.getCookie(self.cookieName.encode())
        if not raw:
            return None
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            return None

    def resolve(self, request) -> Deferred:
        """Fires with the Identity behind the request's cookie, or None.  From the cache when
        the session is in it (at once), else loaded from the store (a share link's session is
        checked against its link, which may have been revoked meanwhile)."""
        sessionId = self.sessionIdOf(request)
        if sessionId is None:
            return succeed(None)
        if self.sessions.isKnown(sessionId):
            session = self.sessions.get(sessionId)
            return succeed(Identity.fromSession(session) if session is not None else None)

        def loaded(session):
            if session is None:
                return None
            identity = Identity.fromSession(session)
            if identity is None or identity.link is None:
                return identity

            def checked(link):
                if self._stillGrants(link, identity):
                    return identity
                # Revoked (or its worksheet trashed) while the server was down.
                self.sessions.forget(sessionId)
                return None

            return self.store.lookup_share_link(identity.link).addCallback(checked)

        return self.sessions.load(sessionId).addCallback(loaded)

    @staticmethod
    def _stillGrants(link: ShareLink | None, identity: Identity) -> bool:
        return (link is not None and link.worksheet_id == identity.worksheetId
                and link.role is identity.role)

    # -- logging in -------------------------------------------------------------------------

    def checkToken(self, candidate: str | bytes | None) -> bool:
        """Is ``candidate`` the server token?  Constant time."""
        if candidate is None:
            return False
        if isinstance(candidate, str):
            candidate = candidate.encode("utf-8", "replace")
        return hmac.compare_digest(candidate, self.token.encode("utf-8"))

    def checkPassword(self, candidate: str) -> Deferred:
        """Fires with whether ``candidate`` matches the password hash (False if none is set)."""
        if self.passwordHash is None or not candidate:
            return succeed(False)
        return maybeDeferred(self._runInThread, verifyPassword, candidate, self.passwordHash)

    def startSession(self, request, info: dict) -> Deferred:
        """Make a session for ``info``, set the cookie on ``request``; fires with the Identity.

        A session the request had before is ended: logging in anew never keeps an old identity.
        """
        old = self.sessionIdOf(request)

        def made(session):
            if old is not None and old != session.id:
                self.sessions.remove(old)
            request.setHeader(b"set-cookie", sessionCookie(
                self.cookieName, session.id, secure=request.isSecure(),
                maxAge=self.sessions.lifetime))
            return Identity.fromSession(session)

        return self.sessions.add(info).addCallback(made)

    def loginOwner(self, request) -> Deferred:
        """Start an owner session (call only after the token or password checked out)."""
        return self.startSession(request, {"role": Role.OWNER, "name": OWNER_NAME,
                                           "since": time.time()})

    def joinShareLink(self, request, token: str, name: str) -> Deferred:
        """Enter through the share link ``token`` as ``name``; fires with the Identity, or None
        if the link does not grant access (unknown, revoked, worksheet in the trash).
        ValueError (before anything is stored) if the name cannot be used."""
        name = cleanName(name)

        def found(link):
            if link is None:
                return None
            return self.startSession(request, {
                "role": link.role, "name": name, "worksheetId": link.worksheet_id,
                "link": link.token})

        return self.store.lookup_share_link(token).addCallback(found)

    def logout(self, request) -> None:
        """End the request's session and clear its cookie."""
        sessionId = self.sessionIdOf(request)
        if sessionId is not None:
            self.sessions.remove(sessionId)
        request.setHeader(b"set-cookie", sessionCookie(
            self.cookieName, "", secure=request.isSecure(), maxAge=0))

    def expireSessions(self) -> Deferred:
        """Delete sessions unused for longer than the lifetime; fires with how many."""
        return self.store.expire_sessions(self.reactor.seconds() - self.sessions.lifetime)

    # -- share links ------------------------------------------------------------------------

    def createShareLink(self, worksheetId: str, role: str) -> Deferred:
        """A new link to ``worksheetId`` for ``role`` ("collaborator" or "viewer")."""
        return self.store.create_share_link(worksheetId, role)

    def listShareLinks(self, worksheetId: str) -> Deferred:
        return self.store.list_share_links(worksheetId)

    def revokeShareLink(self, token: str) -> Deferred:
        """Revoke the link: its sessions end now, and every ``onRevoked`` callback is called
        with the link and the ids of the sessions that came in through it.  Fires with the
        ShareLink."""

        def revoked(link):
            ids = frozenset(s.id for s in self.sessions.cached() if s.data.get("link") == token)
            # Callbacks first: they close the visitors' live pages in band, so a parked request
            # carries the reason before the sessions (and so the transport) are gone.
            for callback in list(self._revoked):
                try:
                    callback(link, ids)
                except Exception:
                    log.failure("An onRevoked callback failed")
            for sessionId in ids:
                self.sessions.remove(sessionId)
            return link

        return self.store.revoke_share_link(token).addCallback(revoked)

    def onRevoked(self, callback: Callable[[ShareLink, frozenset[str]], object]) -> Callable:
        """Call ``callback(link, sessionIds)`` when a link is revoked; returns an unsubscriber."""
        self._revoked.append(callback)
        return lambda: callback in self._revoked and self._revoked.remove(callback)

    @staticmethod
    def sharePath(token: str) -> str:
        return f"/share/{token}"
