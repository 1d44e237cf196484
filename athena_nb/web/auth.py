"""Who is asking: identities, logins, share links and their revocation.  Tests: tests/unit/test_auth.py, tests/unit/test_revoke.py.

Whoever holds the server token (or the password) is the owner.  Anyone else comes in through a
share link, a capability URL for one worksheet and one role, and picks a display name.  Either
way the browser gets one cookie, ``athena_session``, naming a session that is cached in memory
and kept in the store (only its hash: sessions.py), so it survives a restart of the server.

The site's gate asks ``Auth.resolve`` once per request who sends it (a session not in the cache
yet, after a restart, is loaded from the store and checked before it is cached), and attaches
the answer to the request as its ``IIdentity`` component; everything after the gate reads it
with ``identityOf(request)``.

Revoking a share link takes effect when the owner's request arrives, before the store has
committed it: from then on ``resolve`` refuses the link's sessions, whether cached, loading or
loaded later, and the link's live pages are closed at once.  The store deletes the sessions with
the link, in one transaction, so a restarted server refuses their cookies too.  An owner
session names the secret it was made with (``secretId``); one made with an earlier token or
password is refused, and deleted at start (``endStaleOwnerSessions``).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.threads import deferToThreadPool
from twisted.logger import Logger
from zope.interface import Interface, implementer

from livefragments import Session

from ..names import cleanName
from ..options import verifyPassword
from ..store import Role, ShareLink, session_key
from .sessions import SESSION_LIFETIME, StoredSessions

log = Logger()

COOKIE = "athena_session"
OWNER_NAME = "Owner"
#: How many people one share link may let in (sessions seen within the session lifetime).
MAX_LINK_SESSIONS = 100
#: What an owner session records of the browser that made it, at most.
MAX_AGENT = 200
#: The ``kind`` of a session that is an API token the owner made for a script: used only as
#: ``Authorization: Bearer`` on the REST API (web/api/), never as a cookie.
API_TOKEN = "api"
#: What an API token may do: everything the owner may (``full``), or only read (``read``).
TOKEN_SCOPES = ("full", "read")


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
    #: An API token's scope (TOKEN_SCOPES); None for everyone else.
    scope: str | None = None

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
        scope = data.get("scope", "full") if data.get("kind") == API_TOKEN else None
        if scope is not None and scope not in TOKEN_SCOPES:
            return None
        return cls(role, str(data.get("name") or OWNER_NAME), session.id, worksheetId,
                   data.get("link"), scope)


def sessionCookie(name: str, value: str, *, secure: bool, maxAge: float) -> bytes:
    """Our cookie: HttpOnly, SameSite=Strict, Secure under TLS; ``maxAge`` 0 deletes it."""
    cookie = f"{name}={value}; Path=/; Max-Age={int(maxAge)}; HttpOnly; SameSite=Strict"
    return (cookie + "; Secure" if secure else cookie).encode("ascii")


class Auth:
    """Identities from requests, logins, share links, and the ending of sessions.

    ``runInThread(f, *args)`` runs the slow password check off the reactor thread (default: the
    reactor's thread pool); tests pass one that runs it at once.  ``secretId`` names the token
    and password the server runs with (``options.ownerSecretId``); ``maxLinkSessions`` is how
    many people one share link may let in (None: any number).
    """

    def __init__(self, reactor, store, *, token: str, passwordHash: str | None = None,
                 cookieName: str = COOKIE, lifetime: float = SESSION_LIFETIME,
                 runInThread: Callable[..., Deferred] | None = None, secretId: str = "",
                 maxLinkSessions: int | None = MAX_LINK_SESSIONS, ownerName: str = OWNER_NAME):
        self.reactor = reactor
        #: The owner's display name (--owner-name): their logged-in sessions carry it, also
        #: those made before it changed.
        self.ownerName = ownerName
        self.store = store
        self.token = token
        self.passwordHash = passwordHash
        self.cookieName = cookieName
        self.secretId = secretId
        self.maxLinkSessions = maxLinkSessions
        self.sessions = StoredSessions(reactor, store, lifetime, verify=self._verify)
        self._runInThread = runInThread or (
            lambda f, *a: deferToThreadPool(reactor, reactor.getThreadPool(), f, *a))
        self._ended: list[Callable[[frozenset[str], str], object]] = []
        #: Links revoked by this server (from the moment the owner asked).
        self._revokedLinks: set[str] = set()

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
        the session is in it (at once), else loaded from the store and checked (a share link's
        session against its link, an owner's against today's secret) before it is cached."""
        sessionId = self.sessionIdOf(request)
        if sessionId is None:
            return succeed(None)
        if self.sessions.isKnown(sessionId):
            return succeed(self._identity(self.sessions.get(sessionId)))
        return self.sessions.load(sessionId).addCallback(self._identity)

    def _identity(self, session: Session | None, token: bool = False) -> Identity | None:
        """The identity of ``session`` if it lets its holder in: as a cookie, or (``token``)
        as an API token; an API token is never a cookie, nor a cookie an API token."""
        if session is None or not self._current(session):
            return None
        if (session.data.get("kind") == API_TOKEN) is not token:
            return None
        identity = Identity.fromSession(session)
        if identity is not None and identity.isOwner and not token:
            identity = replace(identity, name=self.ownerName)
        return identity

    def resolveToken(self, token: str) -> Deferred:
        """Fires with the Identity of the API token ``token`` (one the owner made, not ended),
        or None."""
        if not token or len(token) > 100:
            return succeed(None)
        if self.sessions.isKnown(token):
            return succeed(self._identity(self.sessions.get(token), token=True))
        return self.sessions.load(token).addCallback(self._identity, token=True)

    def createApiToken(self, request, name: str, scope: str) -> Deferred:
        """A new API token named ``name`` for ``scope`` (TOKEN_SCOPES); fires with the token,
        which the store keeps only as a hash.  It is listed and ended as a session is, and a
        new server token or password ends it as it ends the owner's sessions."""
        name = cleanName(name)
        if scope not in TOKEN_SCOPES:
            raise ValueError(f"A token's scope must be one of {', '.join(TOKEN_SCOPES)}.")
        info = dict(self._origin(request), role=Role.OWNER, name=name, secret=self.secretId,
                    kind=API_TOKEN, scope=scope)
        return self.sessions.add(self.store.create_session(info)).addCallback(
            lambda session: session.id)

    def _current(self, session: Session) -> bool:
        """Is ``session`` not ended by anything this server knows of: its link revoked here,
        the owner's secret changed?"""
        data = session.data
        if data.get("link") is not None:
            return data["link"] not in self._revokedLinks
        if data.get("role") == Role.OWNER:
            return data.get("secret", "") == self.secretId
        return True

    def _verify(self, session: Session) -> Deferred:
        """Does a session loaded from the store still let its holder in?"""
        identity = Identity.fromSession(session)
        if identity is None or not self._current(session):
            return succeed(False)
        if identity.link is None:
            return succeed(True)
        return self.store.lookup_share_link(identity.link).addCallback(
            lambda link: self._stillGrants(link, identity) and self._current(session))

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

    @staticmethod
    def _origin(request) -> dict:
        """Where a login comes from, for the owner's list of sessions."""
        agent = (request.getHeader(b"user-agent") or b"").decode("utf-8", "replace")
        return {"address": clientAddress(request), "agent": agent[:MAX_AGENT],
                "since": time.time()}

    def _started(self, request, made: Deferred) -> Deferred:
        """Cache the session ``made`` fires with, set the cookie on ``request``; fires with
        the Identity (None if no session was made).

        A session the request had before is ended: logging in anew never keeps an old identity.
        """
        old = self.sessionIdOf(request)

        def started(session):
            if session is None:
                return None
            if not self._current(session):  # its link was revoked while it was being made
                self.sessions.forget(session.id)
                return None
            if old is not None and old != session.id:
                self.sessions.remove(old)
            request.setHeader(b"set-cookie", sessionCookie(
                self.cookieName, session.id, secure=request.isSecure(),
                maxAge=self.sessions.lifetime))
            return self._identity(session)

        return self.sessions.add(made).addCallback(started)

    def loginOwner(self, request) -> Deferred:
        """Start an owner session (call only after the token or password checked out)."""
        info = dict(self._origin(request), role=Role.OWNER, name=self.ownerName,
                    secret=self.secretId)
        return self._started(request, self.store.create_session(info))

    def joinShareLink(self, request, token: str, name: str) -> Deferred:
        """Enter through the share link ``token`` as ``name``; fires with the Identity, or None
        if the link does not grant access (unknown, revoked, worksheet in the trash).
        ValueError (before anything is stored) if the name cannot be used; LimitError if the
        link has let in as many people as it may."""
        name = cleanName(name)
        if token in self._revokedLinks:
            return succeed(None)
        made = self.store.create_link_session(
            token, dict(self._origin(request), name=name), limit=self.maxLinkSessions,
            seen_after=self.reactor.seconds() - self.sessions.lifetime,
            replacing=self.sessionIdOf(request))
        return self._started(request, made)

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

    def endStaleOwnerSessions(self) -> Deferred:
        """Delete the owner sessions made with another token or password than today's; fires
        with how many."""
        return self.store.end_owner_sessions(self.secretId)

    # -- ending sessions --------------------------------------------------------------------

    def onSessionsEnded(self, callback: Callable[[frozenset[str], str], object]) -> Callable:
        """Call ``callback(sessionIds, reason)`` when sessions end by revocation or by the
        owner's hand (to close their live pages); returns an unsubscriber."""
        self._ended.append(callback)
        return lambda: callback in self._ended and self._ended.remove(callback)

    def _endLocally(self, sessionIds: frozenset[str], reason: str) -> None:
        # Callbacks first: they close the live pages in band, so a parked request carries the
        # reason before the sessions (and so the transport) are gone.
        for callback in list(self._ended):
            try:
                callback(sessionIds, reason)
            except Exception:
                log.failure("A callback for ended sessions failed")
        for sessionId in sessionIds:
            self.sessions.forget(sessionId)

    def endSession(self, key: str) -> Deferred:
        """End the session listed under ``key`` (``session_key``): its live pages close now,
        its requests are refused from now on; fires with whether the store had it."""
        sessionId = self.sessions.end(key)
        self._endLocally(frozenset([sessionId]) if sessionId else frozenset(),
                         "The notebook's owner ended your session.")
        return self.store.end_session(key)

    def listSessions(self) -> Deferred:
        """Fires with every session as a dict for the owner's list (``key``, ``role``,
        ``name``, ``worksheetId``, ``created``, ``lastSeen``, ``address``, ``agent``)."""

        def listed(entries):
            fresh = {session_key(s.id): self.sessions.lastSeen(s.id) for s in self.sessions.cached()}
            oldest = self.reactor.seconds() - self.sessions.lifetime
            return [{"key": e.key, "role": str(e.info.get("role")),
                     "kind": str(e.info.get("kind") or "session"),
                     "scope": e.info.get("scope") if e.info.get("kind") == API_TOKEN else None,
                     "name": str(e.info.get("name") or ""), "worksheetId": e.info.get("worksheetId"),
                     "created": e.created, "lastSeen": max(e.last_seen, fresh.get(e.key) or 0),
                     "address": str(e.info.get("address") or ""),
                     "agent": str(e.info.get("agent") or "")}
                    for e in entries if max(e.last_seen, fresh.get(e.key) or 0) >= oldest]

        return self.store.list_sessions().addCallback(listed)

    # -- share links ------------------------------------------------------------------------

    def createShareLink(self, worksheetId: str, role: str) -> Deferred:
        """A new link to ``worksheetId`` for ``role`` ("collaborator" or "viewer")."""
        return self.store.create_share_link(worksheetId, role)

    def listShareLinks(self, worksheetId: str) -> Deferred:
        return self.store.list_share_links(worksheetId)

    def revokeShareLink(self, token: str) -> Deferred:
        """Revoke the link.  From now on (before the store has it) its sessions are refused and
        its live pages are closed; the store deletes its sessions with the link, so they stay
        ended after a restart.  Fires with the ShareLink once that is committed."""
        self._revokedLinks.add(token)
        ids = frozenset(s.id for s in self.sessions.cached() if s.data.get("link") == token)
        self._endLocally(ids, "Your share link was revoked; you no longer have access.")

        def failed(failure):
            self._revokedLinks.discard(token)  # nothing was revoked: the owner may try again
            return failure

        return self.store.revoke_share_link(token).addErrback(failed)

    @staticmethod
    def sharePath(token: str) -> str:
        return f"/share/{token}"


def clientAddress(request) -> str:
    """The address a request comes from, as text."""
    address = request.getClientAddress()
    return getattr(address, "host", None) or str(address)
