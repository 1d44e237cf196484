"""Sessions behind our own cookie (HttpOnly, SameSite=Strict).  Tests: tests/unit/test_resource.py."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field


@dataclass
class Session:
    id: str
    created: float
    data: dict = field(default_factory=dict)


class SessionStore:
    """The server-side session table, in memory.

    Applications that need sessions to survive a restart subclass it and persist ``create`` and
    ``remove`` (``get`` stays synchronous: keep a cache).
    """

    def __init__(self, clock):
        self._clock = clock
        self._sessions: dict[str, Session] = {}

    def get(self, sessionId: str | None) -> Session | None:
        return self._sessions.get(sessionId) if sessionId else None

    def create(self, data: dict | None = None) -> Session:
        session = Session(secrets.token_urlsafe(32), self._clock.seconds(), data or {})
        self._sessions[session.id] = session
        return session

    def remove(self, sessionId: str) -> None:
        self._sessions.pop(sessionId, None)


def sessionCookie(name: str, value: str, secure: bool) -> bytes:
    cookie = f"{name}={value}; Path=/; HttpOnly; SameSite=Strict"
    return (cookie + "; Secure" if secure else cookie).encode("ascii")
