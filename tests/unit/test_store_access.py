"""Login sessions and share links."""

from __future__ import annotations

import sqlite3

import pytest

from athena_nb.store import NotFoundError, Role, ShareLink
from tests.support.stores import ManualStore


def test_session_lifecycle(db):
    """A session gets a long random id, can be found by it, touched (updating last seen and,
    if given, its info) and deleted."""
    store, run = db.store, db.run
    db.clock.advance(100)
    session = run(store.create_session({"role": "owner"}))
    assert len(session.id) >= 40
    assert (session.created, session.last_seen, session.info) == (1100.0, 1100.0, {"role": "owner"})
    assert run(store.get_session(session.id)) == session
    db.clock.advance(50)
    touched = run(store.touch_session(session.id))
    assert (touched.created, touched.last_seen, touched.info) == (1100.0, 1150.0, {"role": "owner"})
    info = {"role": "collaborator", "worksheet": "w", "link": "tok", "name": "Ada Lovelace"}
    assert run(store.touch_session(session.id, info)).info == info
    assert run(store.get_session(session.id)).info == info
    assert run(store.delete_session(session.id)) is True
    assert run(store.delete_session(session.id)) is False
    assert run(store.get_session(session.id)) is None
    assert run(store.touch_session(session.id)) is None


def test_session_ids_are_unique_and_unknown_ids_find_nothing(db):
    """Two sessions never share an id; a made-up id finds nothing."""
    store, run = db.store, db.run
    one, two = run(store.create_session({})), run(store.create_session({}))
    assert one.id != two.id
    assert run(store.get_session("made-up")) is None


def test_session_ids_are_not_stored_in_the_clear(tmp_path):
    """The database holds only a hash of each session id, so a copy of it cannot log in."""
    path = tmp_path / "nb.sqlite"
    db = ManualStore(path)
    session = db.run(db.store.create_session({"role": "owner"}))
    db.run(db.store.close())
    assert session.id.encode() not in path.read_bytes()
    conn = sqlite3.connect(path)
    assert session.id not in str(conn.execute("SELECT * FROM sessions").fetchall())
    conn.close()


def test_expire_sessions(db):
    """Sessions last seen before the cutoff are deleted; the count is returned."""
    store, run = db.store, db.run
    old = run(store.create_session({}))
    db.clock.advance(10)
    recent = run(store.create_session({}))
    assert run(store.expire_sessions(1005)) == 1
    assert run(store.get_session(old.id)) is None
    assert run(store.get_session(recent.id)) == recent


def test_session_info_must_be_a_json_object(db):
    """Info that is not a dict of JSON values is refused."""
    store, run = db.store, db.run
    with pytest.raises(TypeError, match="must be a dict"):
        run(store.create_session(["owner"]))
    with pytest.raises(ValueError, match="cannot be stored as JSON"):
        run(store.create_session({"when": object()}))


def test_share_links(db):
    """Links are created per worksheet and role, listed oldest first, looked up by token, and
    once revoked no longer grant access but stay listable."""
    store, run = db.store, db.run
    worksheet = run(store.create_worksheet("Shared"))
    db.clock.advance(1)
    edit = run(store.create_share_link(worksheet.id, "collaborator"))
    db.clock.advance(1)
    view = run(store.create_share_link(worksheet.id, Role.VIEWER))
    assert edit == ShareLink(edit.token, worksheet.id, Role.COLLABORATOR, 1001.0, None)
    assert len(edit.token) >= 32 and edit.token != view.token
    assert run(store.list_share_links(worksheet.id)) == [edit, view]
    assert run(store.lookup_share_link(view.token)) == view
    db.clock.advance(1)
    revoked = run(store.revoke_share_link(edit.token))
    assert (revoked.revoked_at, revoked.revoked) == (1003.0, True)
    db.clock.advance(1)
    assert run(store.revoke_share_link(edit.token)).revoked_at == 1003.0
    assert run(store.lookup_share_link(edit.token)) is None
    assert run(store.list_share_links(worksheet.id)) == [view]
    assert run(store.list_share_links(worksheet.id, include_revoked=True)) == [revoked, view]


def test_share_links_of_a_trashed_worksheet_grant_nothing_until_restored(db):
    """Trashing a worksheet suspends its links; restoring it brings them back."""
    store, run = db.store, db.run
    worksheet = run(store.create_worksheet("Shared"))
    link = run(store.create_share_link(worksheet.id, "viewer"))
    run(store.trash_worksheet(worksheet.id))
    assert run(store.lookup_share_link(link.token)) is None
    run(store.restore_worksheet(worksheet.id))
    assert run(store.lookup_share_link(link.token)) == link


def test_share_link_errors(db):
    """Unknown roles, worksheets and tokens give clear errors; unknown lookups find nothing."""
    store, run = db.store, db.run
    worksheet = run(store.create_worksheet("Shared"))
    with pytest.raises(ValueError, match="'owner' is not a share-link role; use one of"):
        run(store.create_share_link(worksheet.id, "owner"))
    with pytest.raises(NotFoundError, match="Worksheet 'nope' does not exist"):
        run(store.create_share_link("nope", "viewer"))
    with pytest.raises(NotFoundError, match="No share link has that token"):
        run(store.revoke_share_link("made-up"))
    assert run(store.lookup_share_link("made-up")) is None
    assert run(store.list_share_links(worksheet.id)) == []
