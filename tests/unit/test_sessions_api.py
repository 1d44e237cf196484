"""The owner's list of sessions and ending one (``/api/sessions``), through the real site with
live worksheet pages (tests/support/notebook.py)."""

import json

import pytest

from athena_nb.store import session_key
from livefragments.client import ClientState
from tests.support.notebook import NotebookEnv


@pytest.fixture
def env():
    return NotebookEnv()


def sessions(browser):
    return browser.getJSON("/api/sessions")["sessions"]


def test_the_owner_sees_every_session_with_when_and_where_from_but_never_its_id(env):
    owner = env.owner()
    env.clock.advance(1)
    other = env.browser()
    assert other.get("/?token=" + env.auth.token,
                     headers={b"user-agent": b"Mozilla/5.0 Firefox/128.0"}).code == 303
    env.clock.advance(1)
    sheet = env.worksheet("Algebra")
    guest, _ = env.guest(owner, sheet.id, "viewer", "Vic")
    env.clock.advance(60)
    assert guest.get(f"/worksheets/{sheet.id}/").code == 200
    listed = sessions(owner)
    assert [(s["role"], s["name"]) for s in listed] == [
        ("owner", "Owner"), ("owner", "Owner"), ("viewer", "Vic")]
    assert {s["key"] for s in listed} == {session_key(b.cookie) for b in (owner, other, guest)}
    assert listed[1]["agent"] == "Mozilla/5.0 Firefox/128.0"
    assert all(s["address"] == "127.0.0.1" for s in listed)
    assert listed[2]["worksheetTitle"] == "Algebra" and listed[2]["worksheetId"] == sheet.id
    assert listed[2]["lastSeen"] == listed[2]["created"] + 60
    text = json.dumps(listed)
    assert not any(b.cookie in text for b in (owner, other, guest))
    home = owner.get("/").body.decode()
    assert f'"session": "{session_key(owner.cookie)}"' in home and "athena_nb/sessions.js" in home


def test_ending_a_visitors_session_closes_its_pages_and_refuses_it_at_once(env):
    owner = env.owner()
    sheet = env.worksheet()
    guest, _ = env.guest(owner, sheet.id, "collaborator", "Gus")
    client, page = env.open(sheet.id, guest)
    answer = owner.post(f"/api/sessions/{session_key(guest.cookie)}/end", {})
    assert answer.code == 200, answer.body
    env.settle()
    assert client.state is ClientState.CLOSED
    assert "owner ended your session" in client.closeReason.message
    assert guest.get(f"/worksheets/{sheet.id}/").code == 403
    assert env.run(env.store.get_session(guest.cookie)) is None
    assert [s["name"] for s in sessions(owner)] == ["Owner"]


def test_ending_another_owner_browser_logs_it_out_and_an_unknown_key_is_404(env):
    owner, laptop = env.owner(), env.owner()
    assert owner.post(f"/api/sessions/{session_key(laptop.cookie)}/end", {}).code == 200
    assert laptop.get("/").code == 403
    missing = owner.post("/api/sessions/not-a-session/end", {})
    assert missing.code == 404 and b"no such session" in missing.body
    assert owner.get("/").code == 200


def test_a_session_loading_while_it_is_ended_is_not_let_in(env):
    """After a restart the session is not in memory; its first request loads it while the owner
    ends it: that request is refused too."""
    owner = env.owner()
    laptop = env.owner()
    env.auth.sessions.forget(laptop.cookie)  # as after a restart
    d = env.http.request(b"GET", "/", {b"cookie": f"athena_session={laptop.cookie}".encode(),
                                      b"accept": b"text/html"}, None)
    ended = env.http.request(b"POST", f"/api/sessions/{session_key(laptop.cookie)}/end", {
        b"cookie": f"athena_session={owner.cookie}".encode(), b"content-type": b"application/json",
        b"origin": b"http://127.0.0.1:8080"}, b"{}")
    assert env.settle(ended).code == 200
    assert env.settle(d).code == 403


def test_only_the_owner_may_list_or_end_sessions(env):
    owner = env.owner()
    sheet = env.worksheet()
    guest, _ = env.guest(owner, sheet.id, "collaborator", "Gus")
    assert guest.get("/api/sessions", headers={b"accept": b"application/json"}).code == 403
    assert guest.post(f"/api/sessions/{session_key(owner.cookie)}/end", {}).code == 403
    assert owner.get("/").code == 200
