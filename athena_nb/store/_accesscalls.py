"""The ``Store``'s calls for login sessions and share links (a part of ``Store``).  Tests: tests/unit/test_store_access.py.

The work runs in the writer thread (_access.py); here the arguments are checked and copied on
the caller's thread, as for every store call (_store.py).
"""

from __future__ import annotations

import secrets
from typing import Any

from twisted.internet.defer import Deferred

from . import _access
from ._args import _deferred, _enum, _json, _str, _wid
from ._model import SHARE_ROLES, Role


def _info(info: object) -> str:
    if not isinstance(info, dict):
        raise TypeError(f"Session info must be a dict, not {type(info).__name__}.")
    return _json(info, "session info")


class AccessCalls:
    """Sessions and share links; mixed into ``Store``, whose ``_writer`` and ``_now`` it uses."""

    _writer: Any

    def _now(self) -> float:
        raise NotImplementedError

    # Sessions

    @_deferred
    def create_session(self, info: dict[str, Any]) -> Deferred:
        """Create a login session with a new random id; fires with the Session."""
        return self._writer.submit(
            _access.create_session, self._now(), secrets.token_urlsafe(32), _info(info))

    @_deferred
    def create_link_session(self, token: str, info: dict[str, Any], *, limit: int | None = None,
                            seen_after: float = 0.0, replacing: str | None = None) -> Deferred:
        """Create a session entered through the share link ``token`` (``info`` gets the link's
        ``role``, ``worksheetId`` and ``link``): fires with the Session, or None if the link grants nothing now (unknown,
        revoked, its worksheet in the trash).  Fails with LimitError if the link already has
        ``limit`` sessions seen since ``seen_after`` (the session ``replacing`` not counted)."""
        token = _str(token, "share-link token")
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise ValueError(f"A share link's session limit must be a whole number of at "
                             f"least 1, not {limit!r}.")
        return self._writer.submit(
            _access.create_link_session, self._now(), secrets.token_urlsafe(32), token,
            _info(info), limit, float(seen_after),
            None if replacing is None else _str(replacing, "session id"))

    @_deferred
    def get_session(self, session_id: str) -> Deferred:
        """Fires with the Session, or None if there is none with that id."""
        return self._writer.submit(_access.get_session, _str(session_id, "session id"))

    @_deferred
    def touch_session(self, session_id: str, info: dict[str, Any] | None = None) -> Deferred:
        """Mark the session seen now, replacing its info if given; fires with it, or None."""
        info_json = None if info is None else _info(info)
        return self._writer.submit(
            _access.touch_session, self._now(), _str(session_id, "session id"), info_json)

    @_deferred
    def delete_session(self, session_id: str) -> Deferred:
        """Fires with True if there was such a session."""
        return self._writer.submit(_access.delete_session, _str(session_id, "session id"))

    @_deferred
    def end_session(self, key: str) -> Deferred:
        """Delete the session listed under ``key`` (``SessionEntry.key``); fires with True if
        there was one."""
        return self._writer.submit(_access.end_session, _str(key, "session key"))

    @_deferred
    def list_sessions(self) -> Deferred:
        """Fires with every session as a SessionEntry, oldest first."""
        return self._writer.submit(_access.list_sessions)

    @_deferred
    def end_owner_sessions(self, keep_secret: str) -> Deferred:
        """Delete the owner's sessions whose info's ``secret`` is not ``keep_secret`` (they were
        made with an earlier token or password); fires with how many."""
        return self._writer.submit(_access.end_owner_sessions, _str(keep_secret, "secret"))

    @_deferred
    def expire_sessions(self, last_seen_before: float) -> Deferred:
        """Delete sessions last seen before that time; fires with how many."""
        return self._writer.submit(_access.expire_sessions, float(last_seen_before))

    # Share links

    @_deferred
    def create_share_link(self, worksheet_id: str, role: Role | str) -> Deferred:
        """Create a link with a new random token; fires with the ShareLink."""
        role = _enum(Role, role, "share-link role")
        if role not in SHARE_ROLES:
            raise ValueError(f"'{role}' is not a share-link role; use one of "
                             f"{', '.join(SHARE_ROLES)}.")
        return self._writer.submit(
            _access.create_share_link, self._now(), secrets.token_urlsafe(24),
            _wid(worksheet_id), role)

    @_deferred
    def list_share_links(self, worksheet_id: str, include_revoked: bool = False) -> Deferred:
        """Fires with the worksheet's ShareLinks, oldest first."""
        return self._writer.submit(
            _access.list_share_links, _wid(worksheet_id), bool(include_revoked))

    @_deferred
    def revoke_share_link(self, token: str) -> Deferred:
        """Revoke (again is harmless: the first time stays) and delete every session entered
        through the link, in one transaction; fires with the ShareLink."""
        return self._writer.submit(
            _access.revoke_share_link, self._now(), _str(token, "share-link token"))

    @_deferred
    def lookup_share_link(self, token: str) -> Deferred:
        """Fires with the ShareLink if it grants access now (not revoked, worksheet not
        trashed), else None."""
        return self._writer.submit(_access.lookup_share_link, _str(token, "share-link token"))
