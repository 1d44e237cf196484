"""Logging in with the token or a password, the session gate, share links and revocation.

Real HTTP through the production Site, deterministic time and commits: tests/support/webenv.py.
"""

from __future__ import annotations

import json
import re

import pytest

from athena_nb.options import hashPassword
from athena_nb.web.auth import COOKIE, Identity, cleanName
from athena_nb.web.sessions import StoredSessions
from tests.support.webenv import MODULES, TOKEN, Env


@pytest.fixture
def env():
    return Env()


def test_the_token_url_starts_an_owner_session_and_strips_the_token(env):
    """Opening /?token=T sets a strict HttpOnly cookie and redirects to the same URL without
    the token; the session then opens the home page."""
    b = env.browser()
    answer = b.get(f"/?token={TOKEN}&keep=1")
    assert answer.code == 303
    assert answer.headers["location"] == ["/?keep=1"]
    cookie = answer.headers["set-cookie"][0]
    assert cookie.startswith(COOKIE + "=")
    for part in ("HttpOnly", "SameSite=Strict", "Path=/"):
        assert part in cookie
    assert "Secure" not in cookie  # plain HTTP here; under TLS it is added
    assert len(b.cookie) >= 40
    home = b.get("/")
    assert home.code == 200
    assert b'id="new-worksheet"' in home.body


def test_a_wrong_token_is_refused_after_a_delay_with_the_login_form(env):
    """A wrong token gets no session; the answer (403, the login form) waits a second."""
    b = env.browser()
    d = env.http.request(b"GET", "/?token=wrong-wrong-wrong-wrong", {b"accept": b"text/html"},
                         None)
    env.writer.flush()
    env.clock.advance(0.9)
    assert not d.called, "a wrong token must not be answered at once"
    answer = env.settle(d)
    assert answer.code == 403
    assert b"not valid" in answer.body and b'action="/login"' in answer.body
    assert "set-cookie" not in answer.headers
    assert b.cookie is None


def test_without_a_session_pages_get_the_login_form_and_the_rest_json_403(env):
    """Every URL but /login, /static and /share answers 403 without a session: pages with the
    login form (remembering where to go next), scripts and the transport with JSON."""
    b = env.browser()
    page = b.get("/worksheets/abc/")
    assert page.code == 403
    assert b'name="next" value="/worksheets/abc/"' in page.body
    assert page.headers["content-type"][0].startswith("text/html")
    for method, path in [(b"GET", "/api/worksheets"), (b"POST", "/worksheets/abc/xyz/transport"),
                         (b"GET", "/nonexistent"), (b"POST", "/api/worksheets")]:
        answer = b.request(method, path, headers={b"accept": b"application/json"})
        assert answer.code == 403, path
        error = json.loads(answer.body)["error"]
        assert error["type"] == "Forbidden" and error["reload"] is True
    assert b.get("/login").code == 200
    static = b.get(MODULES.rootURL + "athena_nb/home.js")
    assert static.code == 200 and static.headers["content-type"][0].startswith("text/javascript")


def test_a_made_up_cookie_gets_no_session(env):
    """A cookie naming no session is refused like no cookie at all."""
    b = env.browser()
    b.cookie = "x" * 43
    assert b.get("/").code == 403
    assert b.get("/worksheets/w/").code == 403


def test_the_login_form_takes_the_token_and_goes_where_it_was_asked(env):
    b = env.browser()
    answer = b.form("/login", secret=TOKEN, next="/worksheets/abc/")
    assert answer.code == 303 and answer.headers["location"] == ["/worksheets/abc/"]
    assert b.get("/worksheets/abc/").code == 200


def test_login_never_redirects_off_the_server(env):
    """A ``next`` that would leave the server is replaced by the home page."""
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        b = env.browser()
        answer = b.form("/login", secret=TOKEN, next=target)
        assert answer.headers["location"] == ["/"], target


def test_the_login_form_refuses_a_wrong_secret_and_posts_from_other_sites(env):
    b = env.browser()
    wrong = b.form("/login", secret="nope")
    assert wrong.code == 403 and b"That is not the token." in wrong.body
    assert b.cookie is None
    foreign = b.request(b"POST", "/login", f"secret={TOKEN}".encode(),
                        headers={b"origin": b"https://evil.example",
                                 b"content-type": b"application/x-www-form-urlencoded"})
    assert foreign.code == 403 and b.cookie is None


def test_a_password_hash_lets_the_password_log_in():
    """With --password-hash, /login also takes the password (checked off the reactor thread,
    here at once); a wrong one is refused."""
    env = Env(passwordHash=hashPassword("correct horse"))
    b = env.browser()
    assert b"Token or password" in b.get("/login").body
    assert b.form("/login", secret="wrong horse").code == 403
    assert b.cookie is None
    assert b.form("/login", secret="correct horse").code == 303
    assert b.get("/").code == 200


def test_logout_ends_the_session(env):
    b = env.owner()
    cookie = b.cookie
    answer = b.post("/logout")
    assert answer.code == 303 and answer.headers["location"] == ["/login"]
    assert "Max-Age=0" in answer.headers["set-cookie"][0]
    b.cookie = cookie
    assert b.get("/").code == 403


def test_sessions_survive_a_restart_of_the_server(tmp_path):
    """A session is kept in the store: a new server on the same database knows the cookie
    (and only its hash is stored)."""
    path = tmp_path / "athena.sqlite"
    first = Env(path=path)
    b = first.owner()
    first.writer.flush()
    second = Env(path=path)
    b.env = second
    assert b.get("/").code == 200
    import sqlite3

    rows = sqlite3.connect(path).execute("SELECT id_hash FROM sessions").fetchall()
    assert rows and all(b.cookie not in row[0] for row in rows)


def test_security_headers_on_every_html_answer(env):
    b = env.owner()
    for path in ("/", "/login"):
        answer = b.get(path)
        csp = answer.headers["content-security-policy"][0]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert answer.headers["x-content-type-options"] == ["nosniff"]
    assert b.get("/api/worksheets", headers={b"accept": b"application/json"}).headers[
        "x-content-type-options"] == ["nosniff"]


# -- share links ---------------------------------------------------------------------------


def makeLink(env, owner, worksheet, role="collaborator"):
    answer = owner.post(f"/api/worksheets/{worksheet.id}/links", {"role": role})
    assert answer.code == 201, answer.body
    return json.loads(answer.body)["link"]


def test_a_share_link_asks_for_a_name_then_opens_only_its_worksheet(env):
    """The link's page names the worksheet and the role; after a name is given the visitor has
    that role on that worksheet and nothing else: not the home page, not the API, not other
    worksheets."""
    owner = env.owner()
    sheet, other = env.worksheet("Shared <sheet>"), env.worksheet("Private")
    link = makeLink(env, owner, sheet)
    guest = env.browser()
    page = guest.get(link["path"])
    assert page.code == 200
    assert b"Shared &lt;sheet&gt;" in page.body and b"collaborator" in page.body
    assert guest.cookie is None
    joined = guest.form(link["path"], name="  Ada   Lovelace ")
    assert joined.code == 303 and joined.headers["location"] == [f"/worksheets/{sheet.id}/"]
    me = json.loads(guest.get(f"/worksheets/{sheet.id}/").body)
    assert me == {"role": "collaborator", "name": "Ada Lovelace", "worksheetId": sheet.id,
                  "path": f"/worksheets/{sheet.id}/"}
    assert guest.get(f"/worksheets/{other.id}/").code == 403
    home = guest.get("/")
    assert home.code == 303 and home.headers["location"] == [f"/worksheets/{sheet.id}/"]
    assert guest.get("/api/worksheets").code == 403
    assert guest.post(f"/api/worksheets/{sheet.id}/links", {"role": "viewer"}).code == 403


def test_a_share_link_needs_a_usable_name(env):
    owner = env.owner()
    sheet = env.worksheet()
    link = makeLink(env, owner, sheet, "viewer")
    guest = env.browser()
    answer = guest.form(link["path"], name="   ")
    assert answer.code == 400 and b"Please enter a display name" in answer.body
    assert guest.cookie is None


@pytest.mark.parametrize("body", [
    "secret=caf\u00e9".encode("utf-8"),  # raw non-ASCII: not URL-encoded
    b"secret=%ff%fe",  # escapes that are not UTF-8
    b"secret=\xff\x00",
])
def test_a_form_body_no_browser_sends_is_400_with_a_sentence(env, body):
    """The fuzzer's non-UTF-8 and non-ASCII bodies on /login and the share form got a 500."""
    owner = env.owner()
    link = makeLink(env, owner, env.worksheet(), "viewer")
    for path in ("/login", link["path"]):
        b = env.browser()
        answer = b.request(b"POST", path, body, headers={
            b"content-type": b"application/x-www-form-urlencoded"})
        assert answer.code == 400, path
        assert b"was not sent the way a browser sends one" in answer.body
        assert b.cookie is None
    b = env.browser()
    assert b.form("/login", secret="caf\u00e9 \u2603").code == 403, "UTF-8, URL-encoded: checked"


def test_an_unknown_or_revoked_link_is_404(env):
    owner = env.owner()
    sheet = env.worksheet()
    link = makeLink(env, owner, sheet)
    assert owner.post(f"/api/links/{link['token']}/revoke", {}).code == 200
    guest = env.browser()
    for path in (link["path"], "/share/made-up-token"):
        answer = guest.get(path)
        assert answer.code == 404 and b"does not work" in answer.body
        assert guest.form(path, name="Eve").code == 404
    assert guest.cookie is None


def test_the_owner_opening_a_share_link_goes_straight_to_the_worksheet(env):
    owner = env.owner()
    sheet = env.worksheet()
    link = makeLink(env, owner, sheet, "viewer")
    answer = owner.get(link["path"])
    assert answer.code == 303 and answer.headers["location"] == [f"/worksheets/{sheet.id}/"]
    assert json.loads(owner.get(f"/worksheets/{sheet.id}/").body)["role"] == "owner"


def test_revoking_a_link_ends_its_sessions_at_once_and_tells_the_notebook(env):
    """Revocation drops every session that came in through the link (their next request is
    403) and calls the onSessionsEnded callbacks with those session ids and the reason;
    sessions of other links are untouched."""
    owner = env.owner()
    sheet = env.worksheet()
    link, keep = makeLink(env, owner, sheet), makeLink(env, owner, sheet, "viewer")
    ann, bob, cy = env.browser(), env.browser(), env.browser()
    ann.form(link["path"], name="Ann")
    bob.form(link["path"], name="Bob")
    cy.form(keep["path"], name="Cy")
    heard = []
    env.auth.onSessionsEnded(lambda ids, reason: heard.append((ids, reason)))
    assert owner.post(f"/api/links/{link['token']}/revoke", {}).code == 200
    assert heard == [(frozenset({ann.cookie, bob.cookie}),
                      "Your share link was revoked; you no longer have access.")]
    assert ann.get(f"/worksheets/{sheet.id}/").code == 403
    assert bob.post(f"/worksheets/{sheet.id}/x/transport",
                    headers={b"accept": b"application/json"}).code == 403
    assert cy.get(f"/worksheets/{sheet.id}/").code == 200
    links = json.loads(owner.get(f"/api/worksheets/{sheet.id}/links").body)["links"]
    assert [entry["token"] for entry in links] == [keep["token"]]


def test_a_link_revoked_while_the_server_was_down_lets_nobody_in(tmp_path):
    """After a restart, a share session is checked against its link when first loaded."""
    path = tmp_path / "athena.sqlite"
    first = Env(path=path)
    owner = first.owner()
    sheet = first.worksheet()
    link = makeLink(first, owner, sheet)
    guest = first.browser()
    guest.form(link["path"], name="Ann")
    first.run(first.store.revoke_share_link(link["token"]))  # behind the running Auth's back
    second = Env(path=path)
    guest.env = second
    assert guest.get(f"/worksheets/{sheet.id}/").code == 403
    owner.env = second
    assert owner.get(f"/worksheets/{sheet.id}/").code == 200


# -- pieces ----------------------------------------------------------------------------------


def test_identity_roles():
    owner = Identity("owner", "Owner", "s1", None)
    editor = Identity("collaborator", "Ann", "s2", "w1", "tok")
    viewer = Identity("viewer", "Bob", "s3", "w1", "tok2")
    assert owner.canEdit() and owner.mayOpen("anything") and owner.isOwner
    assert editor.canEdit() and editor.mayOpen("w1") and not editor.mayOpen("w2")
    assert not viewer.canEdit() and viewer.mayOpen("w1") and not viewer.isOwner


def test_display_names_are_trimmed_and_checked():
    assert cleanName("  Ada\t Lovelace ") == "Ada Lovelace"
    for bad, words in [("", "Please enter"), ("x" * 61, "at most 60"), ("a\x00b", "control"),
                       (None, "text")]:
        with pytest.raises(ValueError, match=words):
            cleanName(bad)


def test_sessions_are_only_made_by_logging_in():
    """A live page can never mint an anonymous session: ``create`` refuses with a sentence."""
    env = Env()
    with pytest.raises(RuntimeError, match="only made by logging in"):
        env.auth.sessions.create()


def test_unused_sessions_expire(env):
    """A session not used for the lifetime is gone, from the cache and from the store."""
    b = env.owner()
    sessions: StoredSessions = env.auth.sessions
    env.clock.advance(sessions.lifetime - 10)
    assert b.get("/").code == 200  # used: the lifetime starts again
    env.clock.advance(sessions.lifetime + 1)
    assert b.get("/").code == 403
    env.writer.flush()
    assert env.run(env.store.get_session(b.cookie)) is None


def test_the_token_comparison_is_exact():
    env = Env()
    assert env.auth.checkToken(TOKEN)
    for candidate in (None, "", TOKEN[:-1], TOKEN + "x", TOKEN.upper()):
        assert not env.auth.checkToken(candidate)


def test_home_page_embeds_the_list_safely(env):
    """Titles reach the page only inside the JSON data block, escaped so that no title can
    close the element."""
    owner = env.owner()
    env.worksheet("</script><script>alert(1)</script>")
    body = owner.get("/").body.decode()
    data = re.search(r'<script type="application/json" id="home-data">(.*?)</script>', body)
    assert data and "<" not in data.group(1)
    assert json.loads(data.group(1))["worksheets"][0]["title"].startswith("</script>")


def test_a_share_link_lets_in_at_most_its_limit_of_people(env):
    """The next person is told in a sentence that the link is full; someone who joined before
    may join again (a new name), since their old session is replaced."""
    env.auth.maxLinkSessions = 2
    owner = env.owner()
    sheet = env.worksheet()
    link = makeLink(env, owner, sheet)
    ann, bob, cy = env.browser(), env.browser(), env.browser()
    assert ann.form(link["path"], name="Ann").code == 303
    assert bob.form(link["path"], name="Bob").code == 303
    full = cy.form(link["path"], name="Cy")
    assert full.code == 403 and b"already let in 2 people" in full.body
    assert cy.cookie is None
    assert bob.form(link["path"], name="Bobby").code == 303
    assert json.loads(bob.get(f"/worksheets/{sheet.id}/").body)["name"] == "Bobby"


def test_a_new_token_or_password_ends_the_old_owner_sessions(tmp_path):
    """An owner session names the secret it was made with: after a restart with another token
    or password it is refused, even before the start-up clean-up deletes it, and share-link
    sessions stay; with the same secret it stays."""
    path = tmp_path / "athena.sqlite"
    first = Env(path=path, secretId="token-one")
    owner = first.owner()
    sheet = first.worksheet()
    guest = first.browser()
    guest.form(makeLink(first, owner, sheet)["path"], name="Ann")
    same = Env(path=path, secretId="token-one")
    owner.env = guest.env = same
    assert owner.get("/").code == 200
    second = Env(path=path, secretId="token-two")
    owner.env = guest.env = second
    assert owner.get("/").code == 403
    assert guest.get(f"/worksheets/{sheet.id}/").code == 200
    assert second.run(second.auth.endStaleOwnerSessions()) == 1
    assert second.run(second.store.get_session(owner.cookie)) is None


def test_the_owner_is_seen_by_the_name_the_server_was_given(env):
    """--owner-name: the owner's pages say it, also the sessions made before it was given."""
    owner = env.owner()
    sheet = env.worksheet()
    assert json.loads(owner.get(f"/worksheets/{sheet.id}/").body)["name"] == "Owner"
    env.auth.ownerName = "Ms. Rivera"  # as a restart with --owner-name "Ms. Rivera" gives it
    assert json.loads(owner.get(f"/worksheets/{sheet.id}/").body)["name"] == "Ms. Rivera"
    later = env.owner()
    assert json.loads(later.get(f"/worksheets/{sheet.id}/").body)["name"] == "Ms. Rivera"
