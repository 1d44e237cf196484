"""The site's gate (who is asking, resolved once, then one route) and the security headers of
every page it serves.

Real HTTP through the production Site on a Clock: tests/support/webenv.py (the gate with a
stand-in for the worksheet pages) and tests/support/notebook.py (the whole site).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest
from twisted.internet.defer import fail

import livefragments
from athena_nb.web import public
from athena_nb.web.auth import COOKIE
from tests.support.notebook import NotebookEnv
from tests.support.webenv import TOKEN, Env

SECURITY = ("content-security-policy", "x-frame-options", "x-content-type-options",
            "referrer-policy", "cache-control")


def securityOf(answer) -> dict:
    assert answer.headers["content-type"][0].startswith("text/html"), answer.headers
    return {name: answer.headers.get(name) for name in SECURITY}


def expected(csp: str) -> dict:
    return {"content-security-policy": [csp], "x-frame-options": ["DENY"],
            "x-content-type-options": ["nosniff"], "referrer-policy": ["same-origin"],
            "cache-control": ["no-store"]}


def test_every_html_page_of_the_site_carries_the_same_security_headers():
    """Home, login, share entry, the live worksheet page (owner's and visitor's), the public
    snapshot and the error pages (ours and twisted.web's own) all carry one set of security
    headers and one policy, which only lets forms post to this server; the public snapshot's
    policy is narrower still (no script, no form at all)."""
    env = NotebookEnv()
    owner = env.owner()
    sheet, other = env.worksheet("Shared"), env.worksheet("Private")
    guest, _ = env.guest(owner, sheet.id, "viewer", "Vic")
    link = json.loads(owner.post(f"/api/worksheets/{sheet.id}/links", {"role": "viewer"}).body)
    published = json.loads(owner.post(f"/api/worksheets/{sheet.id}/publish", {}).body)
    stranger = env.browser()
    pages = {
        "home": (owner, "/", 200),
        "login": (stranger, "/login", 200),
        "share entry": (stranger, link["link"]["path"], 200),
        "worksheet page": (owner, f"/worksheets/{sheet.id}/", 200),
        "visitor's worksheet page": (guest, f"/worksheets/{sheet.id}/", 200),
        "login form for a page without a session": (stranger, f"/worksheets/{sheet.id}/", 403),
        "not shared with the visitor": (guest, f"/worksheets/{other.id}/", 403),
        "unknown share link": (stranger, "/share/made-up", 404),
        "twisted.web's own error page": (owner, "/logout", 405),
    }
    assert "form-action 'self'" in livefragments.CSP
    assert "frame-ancestors 'none'" in livefragments.CSP
    nonces = set()
    for name, (browser, path, code) in pages.items():
        answer = browser.get(path)
        assert answer.code == code, (name, answer.code, answer.body[:200])
        if name.endswith("worksheet page"):
            # The live page adds exactly its import map's hash and its own style nonce.
            body = answer.body.decode()
            importMap = re.search(r'<script type="importmap">(.*?)</script>', body).group(1)
            digest = base64.b64encode(hashlib.sha256(importMap.encode()).digest()).decode()
            nonce = re.search(r'<meta name="lf-style-nonce" content="([^"]+)">', body).group(1)
            nonces.add(nonce)
            policy = livefragments.addSource(livefragments.addSource(
                livefragments.CSP, "script-src", f"'sha256-{digest}'"),
                "style-src", f"'nonce-{nonce}'")
            assert securityOf(answer) == expected(policy), name
            assert json.loads(importMap)["imports"]["@codemirror/view"].endswith(
                "/vendor/@codemirror/view/dist/index.js")
        else:
            assert securityOf(answer) == expected(livefragments.CSP), name
    assert len(nonces) == 2, "each page gets a nonce of its own"
    snapshots = {"public snapshot": (published["published"]["path"], 200),
                 "public snapshot not found": ("/public/nope/nope", 404)}
    assert "form-action 'none'" in public.CSP and "frame-ancestors 'none'" in public.CSP
    for name, (path, code) in snapshots.items():
        answer = stranger.get(path)
        assert answer.code == code, name
        assert securityOf(answer) == expected(public.CSP), name


# -- the gate ----------------------------------------------------------------------------------


@pytest.fixture
def restarted(tmp_path):
    """A server restarted after the owner and a share-link visitor logged in: their sessions
    are only in the store.  (second Env, owner, guest, worksheet, link path)"""
    path = tmp_path / "athena.sqlite"
    first = Env(path=path)
    owner = first.owner()
    sheet = first.worksheet()
    link = json.loads(owner.post(f"/api/worksheets/{sheet.id}/links",
                                 {"role": "collaborator"}).body)["link"]
    guest = first.browser()
    assert guest.form(link["path"], name="Ann").code == 303
    first.writer.flush()
    second = Env(path=path)
    owner.env = guest.env = second
    return second, owner, guest, sheet, link["path"]


def test_a_session_only_in_the_store_is_read_before_the_request_is_routed(restarted):
    """The gate waits for the store (the answer comes only once the session is read), then
    routes the request with the identity it found."""
    env, owner, guest, sheet, _ = restarted
    d = env.http.request(b"GET", f"/worksheets/{sheet.id}/",
                         {b"cookie": f"{COOKIE}={guest.cookie}".encode()}, None)
    assert not d.called, "routed before the session was read"
    answer = env.settle(d)
    assert answer.code == 200
    assert json.loads(answer.body)["name"] == "Ann"


def test_each_request_is_resolved_once_and_everything_after_the_gate_reads_that(restarted):
    """Whatever the URL (the home page, the API, a worksheet, share-link entry, the token
    URL, the modules), the identity behind the cookie is resolved exactly once per request:
    the resources read the identity the gate attached instead of asking again."""
    env, owner, guest, sheet, linkPath = restarted
    asked = []
    resolve = env.auth.resolve

    def counted(request):
        asked.append(request.uri)
        return resolve(request)

    env.auth.resolve = counted
    for browser, path, code in [(guest, linkPath, 303), (owner, linkPath, 303),
                                (owner, "/", 200), (guest, "/", 303),
                                (owner, "/api/worksheets", 200),
                                (guest, f"/worksheets/{sheet.id}/", 200),
                                (owner, f"/?token={TOKEN}", 303),
                                (guest, env.site.resource.moduleRoot + "athena_nb/home.js", 200)]:
        del asked[:]
        answer = browser.get(path)
        assert answer.code == code, (path, answer.body[:200])
        assert len(asked) == 1, (path, asked)


def test_a_store_that_cannot_read_sessions_gets_a_503_not_a_hang(restarted):
    """A failed read of the session answers at once, with a sentence, never a 500."""
    env, owner, guest, sheet, _ = restarted
    env.store.get_session = lambda sessionId: fail(OSError("disk gone"))
    answer = guest.get(f"/worksheets/{sheet.id}/", headers={b"accept": b"application/json"})
    assert answer.code == 503
    assert "could not read its sessions" in json.loads(answer.body)["error"]["message"]


def test_the_home_page_is_only_at_the_root(restarted):
    """A path below the empty first segment is not the home page but nothing: 404."""
    env, owner, *_ = restarted
    answer = owner.get("//elsewhere", headers={b"accept": b"application/json"})
    assert answer.code == 404 and json.loads(answer.body)["error"]["type"] == "NotFound"


@pytest.mark.parametrize("method", [b"PUT", b"DELETE", b"PATCH", b"OPTIONS", b"BREW"])
@pytest.mark.parametrize("path", ["/", "/login", "/worksheets/abc/", "/static/x.js"])
def test_other_methods_get_405_with_allow_not_501(method, path):
    env = Env()
    b = env.browser()
    b.get(f"/?token={TOKEN}")
    answer = b.request(method, path, b"{}")
    assert answer.code == 405
    assert answer.headers["allow"] == ["GET, HEAD, POST"]
    assert json.loads(answer.body)["error"]["message"] == (
        "This server answers only GET, HEAD, POST requests.")
