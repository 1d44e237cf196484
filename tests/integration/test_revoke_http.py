"""Revoking a share link against the real server: with the visitor's requests in flight on many
connections, and across restarts of the server on the same data directory."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from urllib.parse import urlencode

import pytest

from tests.integration import test_service
from tests.integration.test_service import fetch, login
from tests.support.running import bootOf

pytestmark = pytest.mark.integration
server = test_service.server  # the fixture: an athena-nb process on a free port


def share(s, owner, role="collaborator"):
    """A worksheet, a share link to it and a visitor's session cookie: (worksheet id, link
    token, cookie)."""
    _, _, body = fetch(s.port, "POST", "/api/worksheets", cookie=owner, body={})
    worksheetId = json.loads(body)["worksheet"]["id"]
    _, _, body = fetch(s.port, "POST", f"/api/worksheets/{worksheetId}/links", cookie=owner,
                       body={"role": role})
    link = json.loads(body)["link"]
    status, headers, _ = fetch(s.port, "POST", link["path"],
                               body=urlencode({"name": "Gus"}).encode(),
                               headers={"content-type": "application/x-www-form-urlencoded"})
    assert status == 303
    cookie = re.match(r"athena_session=([^;]+);", headers["set-cookie"]).group(1)
    return worksheetId, link["token"], cookie


def linkSessions(dataDir, token) -> int:
    conn = sqlite3.connect(f"file:{dataDir / 'athena.sqlite'}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute("SELECT count(*) FROM sessions WHERE json_extract(info, '$.link') = ?",
                            (token,)).fetchone()[0]
    finally:
        conn.close()


def test_a_revoked_links_cookie_is_refused_after_a_restart_and_its_sessions_are_gone(
        server, tmp_path):
    """The visitor's session is not in the memory of the server that revokes the link (it was
    restarted since): the revocation still deletes it from the store, and the server started
    after that refuses the cookie."""
    data = tmp_path / "data"
    first = server()
    owner = login(first)
    worksheetId, token, guest = share(first, owner)
    assert fetch(first.port, "GET", f"/worksheets/{worksheetId}/", cookie=guest)[0] == 200
    assert first.stop() == 0
    second = server()
    status, _, _ = fetch(second.port, "POST", f"/api/links/{token}/revoke", cookie=owner, body={})
    assert status == 200
    assert linkSessions(data, token) == 0
    assert second.stop() == 0
    third = server()
    assert fetch(third.port, "GET", f"/worksheets/{worksheetId}/", cookie=guest)[0] == 403
    assert fetch(third.port, "GET", "/", cookie=owner)[0] == 200


def test_no_request_started_after_the_revocations_answer_gets_in(server, tmp_path):
    """Eight connections keep sending the visitor's requests (new pages, and title changes on
    open pages) while the owner revokes: every request sent after the revocation's answer is
    refused, and none of those changes the title.  Prints how many got in after the revocation
    was sent (before its answer, which is allowed)."""
    s = server()
    owner = login(s)
    worksheetId, token, guest = share(s, owner)
    pages = []
    for _ in range(4):
        status, _, body = fetch(s.port, "GET", f"/worksheets/{worksheetId}/", cookie=guest)
        assert status == 200
        boot = bootOf(body.decode())
        boot["sheet"] = next(w["id"] for w in boot["widgets"]
                             if w["jsClass"].endswith(":Worksheet"))
        pages.append(boot)
    results: list[tuple[float, str, int]] = []  # (started, kind, status)
    revokeAnswered = threading.Event()
    marks: dict[str, float] = {}
    stop = threading.Event()

    def visitor(n: int):
        page, seq = pages[n % len(pages)], 0 if n < len(pages) else None
        while not stop.is_set():
            started = time.monotonic()
            late = revokeAnswered.is_set()
            if seq is not None:
                title = f"late {n} {seq}" if late else f"early {n} {seq}"
                envelope = [-1, [[seq, ["call", [seq, page["sheet"], "setTitle", [title], {}]]]]]
                status = fetch(s.port, "POST", page["transport"], cookie=guest,
                               body=json.dumps(envelope).encode(),
                               headers={"content-type": "application/json",
                                        "x-lf-csrf": page["csrf"]})[0]
                seq += 1
                results.append((started, "call", status))
            else:
                status = fetch(s.port, "GET", f"/worksheets/{worksheetId}/", cookie=guest)[0]
                results.append((started, "page", status))

    threads = [threading.Thread(target=visitor, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    try:
        while len(results) < 200:  # traffic flowing before the owner revokes
            time.sleep(0.01)
        marks["sent"] = time.monotonic()
        status, _, _ = fetch(s.port, "POST", f"/api/links/{token}/revoke", cookie=owner, body={})
        marks["answered"] = time.monotonic()
        revokeAnswered.set()
        assert status == 200
        count = len(results)
        while len(results) < count + 400:  # and as much after its answer
            time.sleep(0.01)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    after = [r for r in results if r[0] > marks["answered"]]
    pagesIn = [r for r in after if r[1] == "page" and r[2] == 200]
    inFlight = [r for r in results if marks["sent"] <= r[0] <= marks["answered"] and r[2] == 200
                and r[1] == "page"]
    print(f"\nrevocation: {len(results)} requests, {len(after)} sent after its answer "
          f"({len(pagesIn)} let in), {len(inFlight)} page loads let in while it was in flight")
    assert len(after) >= 400 and pagesIn == []
    _, _, body = fetch(s.port, "GET", "/api/worksheets", cookie=owner,
                       headers={"accept": "application/json"})
    [sheet] = json.loads(body)["worksheets"]
    assert not sheet["title"].startswith("late"), sheet["title"]
