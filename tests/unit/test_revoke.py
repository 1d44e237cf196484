"""Revoking a share link while its visitor's requests are in flight, and after a restart.

The visitor's requests are raw HTTP through the real site (gate, auth, worksheet pages) on a
Clock, with a store whose commits the test runs: "in flight" means sent and waiting for the
store.  A request is *let in* if the site answers it as the visitor's: a worksheet page (200),
or a call the page ran (its ``respond``).
"""

from __future__ import annotations

import json

import pytest

from athena_nb.web.auth import Auth
from athena_nb.web.site import buildSite
from livefragments._json import loads
from livefragments.client import _BootParser
from tests.support.memoryhttp import MemoryHTTP
from tests.support.notebook import NotebookEnv
from tests.support.webenv import TOKEN, Browser


@pytest.fixture
def env():
    return NotebookEnv()


def boot(browser: Browser, worksheetId: str) -> dict:
    """Open a worksheet page as ``browser``; its boot object, with the worksheet widget's id."""
    page = browser.get(f"/worksheets/{worksheetId}/")
    assert page.code == 200, page.body
    parser = _BootParser()
    parser.feed(page.body.decode())
    data = loads(parser.boot)
    data["sheet"] = next(w["id"] for w in data["widgets"] if w["jsClass"].endswith(":Worksheet"))
    return data


class Visitor:
    """Fires the visitor's requests without waiting for them; ``letIn()`` lists the answers
    that let a request in."""

    def __init__(self, env, browser: Browser, worksheetId: str):
        self.env, self.browser, self.worksheetId = env, browser, worksheetId
        self.sent: list[tuple[str, object]] = []

    def _send(self, kind, method, path, body=None, headers=None):
        hdrs = {b"cookie": f"athena_session={self.browser.cookie}".encode(),
                b"accept": b"text/html", **(headers or {})}
        d = self.env.http.request(method, path, hdrs, body)
        answers = []
        d.addBoth(answers.append)
        self.sent.append((kind, answers))

    def openPage(self) -> None:
        self._send("page", b"GET", f"/worksheets/{self.worksheetId}/")

    def setTitle(self, page: dict, seq: int, title: str) -> None:
        envelope = [-1, [[seq, ["call", [seq, page["sheet"], "setTitle", [title], {}]]]]]
        self._send("call", b"POST", page["transport"], json.dumps(envelope).encode(),
                   {b"content-type": b"application/json", b"x-lf-csrf": page["csrf"].encode(),
                    b"origin": b"http://127.0.0.1:8080"})

    def burst(self, pages: list[dict], title: str, seqs) -> None:
        for page in pages:
            self.setTitle(page, next(seqs), title)
            self.openPage()

    def letIn(self) -> list:
        """The requests the site answered as the visitor's (all must have been answered)."""
        let = []
        for kind, answers in self.sent:
            assert answers, f"a {kind} request was never answered"
            answer = answers[0]
            if kind == "page" and answer.code == 200:
                let.append((kind, answer.code))
            if kind == "call" and answer.code == 200:
                responds = [m for _, m in loads(answer.body)[1] if m[0] == "respond"]
                if responds:
                    let.append((kind, responds))
        return let


def revokeInFlight(env, owner: Browser, token: str) -> list:
    """Send the owner's revocation without waiting for it; the list gets its answer."""
    revoke = env.http.request(b"POST", f"/api/links/{token}/revoke", {
        b"cookie": f"athena_session={owner.cookie}".encode(), b"content-type": b"application/json",
        b"origin": b"http://127.0.0.1:8080"}, b"{}")
    answered: list = []
    revoke.addBoth(answered.append)
    return answered


def inWaves(env, rounds: int, send) -> None:
    """``send(round)`` requests in waves, with the store's commits and a reactor turn between
    them, then everything settled."""
    for round in range(rounds):
        send(round)
        env.writer.flush()
        env.clock.advance(0)
    env.settle()


def counter(start=0):
    n = start
    while True:
        yield n
        n += 1


def test_no_request_of_a_revoked_session_is_let_in_once_the_revocation_arrived(env):
    """The visitor has pages open and keeps sending; the owner revokes.  Every request that
    arrives after the owner's, while the store has not yet committed the revocation, is refused,
    and none changes the title; after the revocation's answer nothing gets in either."""
    owner = env.owner()
    sheet = env.worksheet("Before")
    guest, token = env.guest(owner, sheet.id, "collaborator", "Gus")
    pages = [boot(guest, sheet.id) for _ in range(5)]
    seqs = [counter() for _ in pages]
    visitor = Visitor(env, guest, sheet.id)

    answered = revokeInFlight(env, owner, token)

    def wave(round):
        for page, seq in zip(pages, seqs, strict=True):
            visitor.setTitle(page, next(seq), f"Evil {round}")
        for _ in range(3):
            visitor.openPage()

    inWaves(env, 20, wave)
    assert answered and answered[0].code == 200, answered
    assert visitor.letIn() == []
    for page, seq in zip(pages, seqs, strict=True):  # and after the answer
        visitor.setTitle(page, next(seq), "Late")
    visitor.openPage()
    env.settle()
    assert visitor.letIn() == []
    assert env.run(env.store.get_worksheet(sheet.id)).title == "Before"
    assert env.hubs.get(sheet.id).title == "Before"


def restarted(env) -> Auth:
    """The web side of ``env`` made anew on the same store, as after a restart: no session in
    memory."""
    env.auth = Auth(env.clock, env.store, token=TOKEN)
    env.auth.onSessionsEnded(env.hubs.closeSessions)
    env.site = buildSite(reactor=env.clock, store=env.store, auth=env.auth, hubs=env.hubs,
                         settings=env.settings)
    env.http = MemoryHTTP(env.site)
    return env.auth


def test_a_session_being_loaded_when_its_link_is_revoked_is_never_let_in(env):
    """After a restart the visitor's session is not in memory: its requests load it from the
    store, and its link is checked.  Revoked meanwhile, no request is let in, also not one
    that found the session loaded but its check still in flight."""
    owner = env.owner()
    sheet = env.worksheet("Before")
    guest, token = env.guest(owner, sheet.id, "collaborator", "Gus")
    restarted(env)
    owner = env.owner()
    visitor = Visitor(env, guest, sheet.id)
    for _ in range(5):
        visitor.openPage()  # waiting for the session to load
    answered = revokeInFlight(env, owner, token)
    inWaves(env, 10, lambda _: [visitor.openPage() for _ in range(5)])
    assert answered and answered[0].code == 200, answered
    assert visitor.letIn() == []


def test_a_session_loaded_after_a_restart_is_checked_before_any_request_finds_it(env):
    """Its link was revoked while the server was down: the requests that come while the first
    one's check is in flight wait for that check, instead of finding the session cached."""
    owner = env.owner()
    sheet = env.worksheet("Before")
    guest, token = env.guest(owner, sheet.id, "viewer", "Gus")
    env.run(env.store.revoke_share_link(token))  # behind the running server's back
    env.run(env.store.touch_session(guest.cookie))
    # Put the session back, as a server that went down before revoking would have left it.
    restarted(env)
    visitor = Visitor(env, guest, sheet.id)
    for _ in range(10):
        visitor.openPage()
        env.writer.flush()
        env.clock.advance(0)
    env.settle()
    assert visitor.letIn() == []


def test_revoking_ends_the_links_sessions_in_the_store_also_those_not_in_memory(env):
    owner = env.owner()
    sheet = env.worksheet()
    guest, token = env.guest(owner, sheet.id, "viewer", "Gus")
    other, keep = env.guest(owner, sheet.id, "viewer", "Olga")
    restarted(env)
    owner = env.owner()
    assert owner.post(f"/api/links/{token}/revoke", {}).code == 200
    assert env.run(env.store.get_session(guest.cookie)) is None
    assert env.run(env.store.get_session(other.cookie)) is not None
    assert env.run(env.store.get_session(owner.cookie)) is not None


def test_a_join_racing_a_revocation_gets_no_session(env):
    """The name form is sent while the revocation is on its way to the store: either the join
    comes first and the revocation deletes its session, or the link grants nothing."""
    owner = env.owner()
    sheet = env.worksheet()
    answer = owner.post(f"/api/worksheets/{sheet.id}/links", {"role": "collaborator"})
    link = json.loads(answer.body)["link"]
    late = env.browser()
    join = env.http.request(b"POST", link["path"], {
        b"content-type": b"application/x-www-form-urlencoded", b"origin": b"http://127.0.0.1:8080",
        b"accept": b"text/html"}, b"name=Late")
    revoke = env.http.request(b"POST", f"/api/links/{link['token']}/revoke", {
        b"cookie": f"athena_session={owner.cookie}".encode(), b"content-type": b"application/json",
        b"origin": b"http://127.0.0.1:8080"}, b"{}")
    joined, revoked = env.settle(join), env.settle(revoke)
    assert revoked.code == 200
    cookies = [v.split(";")[0].split("=", 1)[1] for v in joined.headers.get("set-cookie", [])]
    for cookie in cookies:
        late.cookie = cookie
        assert late.get(f"/worksheets/{sheet.id}/").code == 403
        assert env.run(env.store.get_session(cookie)) is None
