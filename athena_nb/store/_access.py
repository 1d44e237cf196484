"""Login sessions and share links, run in the writer thread. Tests: tests/unit/test_store_access.py.

Session ids are cookie values, so only their SHA-256 is stored (``session_key``): a copy of the
database does not let anyone log in, and the key names a session in the owner's list without
being a way in. Share-link tokens are stored as they are, since the owner must be able to list
and copy them again. A share link's sessions carry its token in their info (``$.link``):
revoking the link deletes them in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3

from ._errors import LimitError, NotFoundError
from ._model import Role, Session, SessionEntry, ShareLink
from ._reads import require_worksheet


def session_key(session_id: str) -> str:
    """The key a session is stored and listed under: the SHA-256 of its id, in hex."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _session(session_id: str, row: tuple) -> Session:
    created, last_seen, info = row
    return Session(session_id, created, last_seen, json.loads(info))


def create_session(
    conn: sqlite3.Connection, now: float, session_id: str, info_json: str
) -> Session:
    conn.execute(
        "INSERT INTO sessions (id_hash, created, last_seen, info) VALUES (?, ?, ?, ?)",
        (session_key(session_id), now, now, info_json),
    )
    return Session(session_id, now, now, json.loads(info_json))


def create_link_session(
    conn: sqlite3.Connection, now: float, session_id: str, token: str, info_json: str,
    limit: int | None, seen_after: float, replacing: str | None,
) -> Session | None:
    """A session entered through the link ``token``, if the link grants access now (else None)
    and has fewer than ``limit`` sessions seen since ``seen_after`` (not counting the one it
    replaces); checked and made in one transaction, so a revocation cannot slip in between.
    The session's info gets the link's ``role``, ``worksheetId`` and ``link``."""
    link = lookup_share_link(conn, token)
    if link is None:
        return None
    if limit is not None:
        (count,) = conn.execute(
            "SELECT count(*) FROM sessions WHERE json_extract(info, '$.link') = ? "
            "AND last_seen >= ? AND id_hash != ?",
            (token, seen_after, session_key(replacing) if replacing else ""),
        ).fetchone()
        if count >= limit:
            raise LimitError(
                f"This share link has already let in {limit} people, as many as one link may; "
                "ask the person who sent it for a new link.")
    info = dict(json.loads(info_json), role=link.role.value, worksheetId=link.worksheet_id,
                link=token)
    return create_session(conn, now, session_id, json.dumps(info, ensure_ascii=False))


def get_session(conn: sqlite3.Connection, session_id: str) -> Session | None:
    row = conn.execute(
        "SELECT created, last_seen, info FROM sessions WHERE id_hash = ?",
        (session_key(session_id),),
    ).fetchone()
    return None if row is None else _session(session_id, row)


def touch_session(
    conn: sqlite3.Connection, now: float, session_id: str, info_json: str | None
) -> Session | None:
    conn.execute(
        "UPDATE sessions SET last_seen = ?, info = coalesce(?, info) WHERE id_hash = ?",
        (now, info_json, session_key(session_id)),
    )
    return get_session(conn, session_id)


def delete_session(conn: sqlite3.Connection, session_id: str) -> bool:
    return end_session(conn, session_key(session_id))


def end_session(conn: sqlite3.Connection, key: str) -> bool:
    return conn.execute("DELETE FROM sessions WHERE id_hash = ?", (key,)).rowcount > 0


def list_sessions(conn: sqlite3.Connection) -> list[SessionEntry]:
    return [
        SessionEntry(key, created, last_seen, json.loads(info))
        for key, created, last_seen, info in conn.execute(
            "SELECT id_hash, created, last_seen, info FROM sessions ORDER BY created, id_hash"
        )
    ]


def end_owner_sessions(conn: sqlite3.Connection, keep_secret: str) -> int:
    """Delete the owner's sessions not made with the secret ``keep_secret`` names."""
    return conn.execute(
        "DELETE FROM sessions WHERE json_extract(info, '$.role') = ? "
        "AND coalesce(json_extract(info, '$.secret'), '') != ?",
        (Role.OWNER.value, keep_secret),
    ).rowcount


def expire_sessions(conn: sqlite3.Connection, last_seen_before: float) -> int:
    return conn.execute("DELETE FROM sessions WHERE last_seen < ?", (last_seen_before,)).rowcount


_LINK_COLUMNS = "token, worksheet_id, role, created, revoked_at"


def _link(row: tuple) -> ShareLink:
    token, worksheet_id, role, created, revoked_at = row
    return ShareLink(token, worksheet_id, Role(role), created, revoked_at)


def create_share_link(
    conn: sqlite3.Connection, now: float, token: str, worksheet_id: str, role: Role
) -> ShareLink:
    require_worksheet(conn, worksheet_id)
    conn.execute(
        "INSERT INTO share_links (token, worksheet_id, role, created) VALUES (?, ?, ?, ?)",
        (token, worksheet_id, role.value, now),
    )
    return ShareLink(token, worksheet_id, role, now, None)


def list_share_links(
    conn: sqlite3.Connection, worksheet_id: str, include_revoked: bool
) -> list[ShareLink]:
    require_worksheet(conn, worksheet_id)
    revoked = "" if include_revoked else "AND revoked_at IS NULL"
    return [
        _link(row)
        for row in conn.execute(
            f"SELECT {_LINK_COLUMNS} FROM share_links WHERE worksheet_id = ? {revoked} "
            "ORDER BY created, token",
            (worksheet_id,),
        )
    ]


def _require_link(conn: sqlite3.Connection, token: str) -> ShareLink:
    row = conn.execute(
        f"SELECT {_LINK_COLUMNS} FROM share_links WHERE token = ?", (token,)
    ).fetchone()
    if row is None:
        raise NotFoundError("No share link has that token; it may have been deleted.")
    return _link(row)


def revoke_share_link(conn: sqlite3.Connection, now: float, token: str) -> ShareLink:
    """Revoke the link and delete every session entered through it, also those no server has
    in memory (their cookies are refused after a restart too)."""
    # An unknown token updates nothing, and _require_link then refuses it (the savepoint of
    # the call is rolled back).
    conn.execute(
        "UPDATE share_links SET revoked_at = ? WHERE token = ? AND revoked_at IS NULL",
        (now, token),
    )
    conn.execute("DELETE FROM sessions WHERE json_extract(info, '$.link') = ?", (token,))
    return _require_link(conn, token)


def lookup_share_link(conn: sqlite3.Connection, token: str) -> ShareLink | None:
    """The link if it still grants access: known, not revoked, its worksheet not in the trash."""
    row = conn.execute(
        f"SELECT {', '.join('l.' + c for c in _LINK_COLUMNS.split(', '))} "
        "FROM share_links l JOIN worksheets w ON w.id = l.worksheet_id "
        "WHERE l.token = ? AND l.revoked_at IS NULL AND w.trashed_at IS NULL",
        (token,),
    ).fetchone()
    return None if row is None else _link(row)
