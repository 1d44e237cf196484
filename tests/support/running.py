"""Running a worksheet's cells on a real ``athena-nb`` process over plain HTTP, and reading what
its store keeps.

Used by tests/integration/test_hostile_kernel.py and test_secrets_http.py: a page is opened with
a GET, calls go to its long-poll transport as envelopes (docs/protocol.md), and the test reads
the cells' states and outputs from the database (read-only, beside the running server: WAL).
"""

from __future__ import annotations

import json
import sqlite3
import time

from tests.integration.test_service import fetch


def bootOf(html: str) -> dict:
    """The boot object of a live page's HTML."""
    start = html.index('id="lf-boot">') + len('id="lf-boot">')
    return json.loads(html[start:html.index("</script>", start)])


class OpenPage:
    """A worksheet page opened on server ``s`` with the session ``cookie``."""

    def __init__(self, s, cookie: str, worksheetId: str):
        self.s, self.cookie = s, cookie
        status, _, body = fetch(s.port, "GET", f"/worksheets/{worksheetId}/", cookie=cookie)
        assert status == 200, body
        self.boot = bootOf(body.decode())
        widgets = self.boot["widgets"]
        self.worksheet = next(w["id"] for w in widgets if w["jsClass"].endswith(":Worksheet"))
        self.cells = [w["id"] for w in widgets if w["jsClass"].endswith(":Cell")]
        self.seq = 0

    def call(self, widget: int, method: str, *args) -> None:
        """Send one call (its answer comes later, on a poll this page does not make)."""
        envelope = [-1, [[self.seq, ["call", [self.seq, widget, method, list(args), {}]]]]]
        self.seq += 1
        status, _, answer = fetch(self.s.port, "POST", self.boot["transport"], cookie=self.cookie,
                                  body=json.dumps(envelope).encode(),
                                  headers={"content-type": "application/json",
                                           "x-lf-csrf": self.boot["csrf"]})
        assert status == 200, answer


def _query(dbPath, sql: str, args: tuple) -> list[tuple]:
    conn = sqlite3.connect(f"file:{dbPath}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def states(dbPath, worksheetId: str) -> list[str]:
    """The run states of the worksheet's cells, in order."""
    return [row[0] for row in _query(
        dbPath, "SELECT state FROM cells WHERE worksheet_id = ? ORDER BY position", (worksheetId,))]


def waitForStates(dbPath, worksheetId: str, expected: list[str], timeout: float = 120) -> None:
    """Wait (at most ``timeout`` s: another process is at work) until the cells are in
    ``expected``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and states(dbPath, worksheetId) != expected:
        time.sleep(0.2)
    assert states(dbPath, worksheetId) == expected


def storedBytes(dbPath, worksheetId: str) -> int:
    """The bytes of output payloads the store keeps for the worksheet."""
    [(total,)] = _query(dbPath, "SELECT coalesce(sum(length(o.payload)), 0) FROM outputs o "
                        "JOIN cells c ON c.id = o.cell_id WHERE c.worksheet_id = ?", (worksheetId,))
    return total


def streamText(dbPath, worksheetId: str) -> str:
    """All the stream text the worksheet's cells printed, in order."""
    rows = _query(dbPath, "SELECT o.payload FROM outputs o JOIN cells c ON c.id = o.cell_id "
                  "WHERE c.worksheet_id = ? AND o.kind = 'stream' ORDER BY c.position, o.id",
                  (worksheetId,))
    return "".join(json.loads(payload)["text"] for (payload,) in rows)
