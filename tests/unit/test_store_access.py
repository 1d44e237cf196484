"""Login sessions and share links."""

from __future__ import annotations

import sqlite3

import pytest

from athena_nb.store import LimitError, NotFoundError, Role, ShareLink, session_key
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


def test_a_link_session_is_made_only_while_the_link_grants_access(db):
    """``create_link_session`` gives the session its link's role and worksheet, and makes none
    for a revoked link (checked in the same transaction)."""
    store, run = db.store, db.run
    worksheet = run(store.create_worksheet("W"))
    link = run(store.create_share_link(worksheet.id, "viewer"))
    session = run(store.create_link_session(link.token, {"name": "Ann", "role": "owner"}))
    assert session.info == {"name": "Ann", "role": "viewer", "worksheetId": worksheet.id,
                            "link": link.token}
    run(store.revoke_share_link(link.token))
    assert run(store.create_link_session(link.token, {"name": "Bob"})) is None
    assert run(store.create_link_session("made-up", {"name": "Bob"})) is None


def test_revoking_a_link_deletes_its_sessions_and_only_those(db):
    store, run = db.store, db.run
    worksheet = run(store.create_worksheet("W"))
    one, two = (run(store.create_share_link(worksheet.id, "viewer")) for _ in range(2))
    ann = run(store.create_link_session(one.token, {"name": "Ann"}))
    bob = run(store.create_link_session(two.token, {"name": "Bob"}))
    owner = run(store.create_session({"role": "owner"}))
    run(store.revoke_share_link(one.token))
    assert run(store.get_session(ann.id)) is None
    assert run(store.get_session(bob.id)) is not None
    assert run(store.get_session(owner.id)) is not None


def test_a_link_lets_in_at_most_its_limit_of_people(db):
    """Sessions seen since ``seen_after`` count, the one a join replaces does not; past the
    limit the call fails with a sentence and makes nothing."""
    store, run = db.store, db.run
    worksheet = run(store.create_worksheet("W"))
    link = run(store.create_share_link(worksheet.id, "viewer"))
    first = run(store.create_link_session(link.token, {"name": "A"}, limit=2))
    db.clock.advance(100)
    second = run(store.create_link_session(link.token, {"name": "B"}, limit=2))
    with pytest.raises(LimitError, match="already let in 2 people"):
        run(store.create_link_session(link.token, {"name": "C"}, limit=2))
    again = run(store.create_link_session(link.token, {"name": "B2"}, limit=2,
                                          replacing=second.id))
    assert again is not None
    old = run(store.create_link_session(link.token, {"name": "D"}, limit=2,
                                        seen_after=first.last_seen + 1, replacing=second.id))
    assert old is not None, "the first one was not seen since seen_after"
    assert len(run(store.list_sessions())) == 4
    with pytest.raises(ValueError, match="at least 1"):
        run(store.create_link_session(link.token, {}, limit=0))


def test_sessions_are_listed_by_key_and_ended_by_it(db):
    """The list names each session by the hash of its id, never the id; ending by that key
    deletes it."""
    store, run = db.store, db.run
    one = run(store.create_session({"role": "owner", "address": "10.0.0.1"}))
    db.clock.advance(5)
    two = run(store.create_session({"role": "owner"}))
    entries = run(store.list_sessions())
    assert [e.key for e in entries] == [session_key(one.id), session_key(two.id)]
    assert entries[0].info == {"role": "owner", "address": "10.0.0.1"}
    assert (entries[1].created, entries[1].last_seen) == (two.created, two.last_seen)
    assert one.id not in repr(entries)
    assert run(store.end_session(session_key(one.id))) is True
    assert run(store.end_session(session_key(one.id))) is False
    assert run(store.get_session(one.id)) is None and run(store.get_session(two.id)) is not None


def test_owner_sessions_of_another_secret_end(db):
    """``end_owner_sessions`` keeps the owner sessions made with today's secret (and every
    share-link session), and deletes the others, also those that name none."""
    store, run = db.store, db.run
    worksheet = run(store.create_worksheet("W"))
    link = run(store.create_share_link(worksheet.id, "viewer"))
    today = run(store.create_session({"role": "owner", "secret": "new"}))
    old = run(store.create_session({"role": "owner", "secret": "old"}))
    unnamed = run(store.create_session({"role": "owner"}))
    guest = run(store.create_link_session(link.token, {"name": "G"}))
    assert run(store.end_owner_sessions("new")) == 2
    assert [run(store.get_session(s.id)) is not None for s in (today, old, unnamed, guest)] == [
        True, False, False, True]
