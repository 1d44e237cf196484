"""Login sessions and share links, run in the writer thread. Tests: tests/unit/test_store_access.py.

Session ids are cookie values, so only their SHA-256 is stored: a copy of the database does not
let anyone log in. Share-link tokens are stored as they are, since the owner must be able to list
and copy them again.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3

from ._errors import NotFoundError
from ._model import Role, Session, ShareLink
from ._reads import require_worksheet


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _session(session_id: str, row: tuple) -> Session:
    created, last_seen, info = row
    return Session(session_id, created, last_seen, json.loads(info))


def create_session(
    conn: sqlite3.Connection, now: float, session_id: str, info_json: str
) -> Session:
    conn.execute(
        "INSERT INTO sessions (id_hash, created, last_seen, info) VALUES (?, ?, ?, ?)",
        (_hash(session_id), now, now, info_json),
    )
    return Session(session_id, now, now, json.loads(info_json))


def get_session(conn: sqlite3.Connection, session_id: str) -> Session | None:
    row = conn.execute(
        "SELECT created, last_seen, info FROM sessions WHERE id_hash = ?", (_hash(session_id),)
    ).fetchone()
    return None if row is None else _session(session_id, row)


def touch_session(
    conn: sqlite3.Connection, now: float, session_id: str, info_json: str | None
) -> Session | None:
    conn.execute(
        "UPDATE sessions SET last_seen = ?, info = coalesce(?, info) WHERE id_hash = ?",
        (now, info_json, _hash(session_id)),
    )
    return get_session(conn, session_id)


def delete_session(conn: sqlite3.Connection, session_id: str) -> bool:
    cursor = conn.execute("DELETE FROM sessions WHERE id_hash = ?", (_hash(session_id),))
    return cursor.rowcount > 0


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
    # An unknown token updates nothing, and _require_link then refuses it.
    conn.execute(
        "UPDATE share_links SET revoked_at = ? WHERE token = ? AND revoked_at IS NULL",
        (now, token),
    )
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
