"""bench/load.py's hostile clients: malformed envelopes, and connections that are never read.  Tests: tests/integration/test_load.py.

Plain blocking sockets, each client in a thread of bench/load.py's own process (the pages of
the well-behaved people are in driver processes).  ``Malformed`` sends, over and over on a page
of its own, every kind of bad request of docs/protocol.md (5.1, 7, 9) and counts the answers
by kind: ``"400 ProtocolError"``, ``"200 NoSuchMethod"`` (a call refused in band),
``"close 4403"`` (a WebSocket closed with 4000 + the status).  ``Holder`` opens pages and then
long-poll requests and WebSocket upgrades on them, and never reads what the server sends.
"""

from __future__ import annotations

import collections
import json
import socket
import threading
from urllib.parse import urlsplit

from common import http
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Message,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)

from livefragments.client import _BootParser

#: A body over maxMessageBytes (8 MiB).
HUGE = 9 * 1024 * 1024


def loginCookie(base: str, token: str) -> str:
    """A new owner session's ``Cookie`` header value."""
    status, headers, _ = http("GET", f"{base}/?token={token}", timeout=30)
    for cookie in headers.get_all("Set-Cookie") or []:
        if cookie.startswith("athena_session="):
            return cookie.split(";")[0]
    raise RuntimeError(f"Logging in answered HTTP {status} without a session cookie.")


class HostilePage:
    """One page opened with a GET, driven by hand."""

    def __init__(self, base: str, cookie: str, worksheet: str):
        status, _, body = http("GET", f"{base}/worksheets/{worksheet}/", None,
                               {"Cookie": cookie}, timeout=30)
        if status != 200:
            raise RuntimeError(f"Opening worksheet {worksheet} answered HTTP {status}.")
        parser = _BootParser()
        parser.feed(body.decode())
        boot = json.loads(parser.boot)
        self.base, self.cookie = base, cookie
        self.clientId, self.csrf = boot["clientId"], boot["csrf"]
        self.transport, self.websocket = boot["transport"], boot["websocket"]
        self.widgets = {w["jsClass"]: w["id"] for w in _flat(boot["widgets"])}
        self.seq, self.ack = 0, -1

    def post(self, body: bytes, csrf: bool = True, cookie: str | None = None,
             method: str = "POST", timeout: float = 30) -> tuple[int, str, object]:
        """(status, error type or "", the parsed answer)."""
        headers = {"Content-Type": "application/json", "Cookie": cookie or self.cookie}
        if csrf:
            headers["X-LF-CSRF"] = self.csrf
        status, _, answer = http(method, self.base + self.transport,
                                 body if method == "POST" else None, headers, timeout=timeout)
        try:
            value = json.loads(answer)
        except ValueError:
            return status, "(not JSON)", None
        if isinstance(value, dict):
            return status, (value.get("error") or {}).get("type", "?"), value
        for seq, _ in value[1]:
            self.ack = max(self.ack, seq)
        return status, "", value

    def call(self, widget: int, method: str, args: list) -> str:
        """A well-formed call; the answer's status and the respond's error type ("ok")."""
        callId = self.seq + 1000
        envelope = [self.ack, [[self.seq, ["call", [callId, widget, method, args, {}]]]]]
        self.seq += 1
        status, kind, value = self.post(json.dumps(envelope).encode())
        for _ in range(2):
            if status != 200:
                return f"{status} {kind}"
            for _, (action, args_) in value[1]:
                if action == "respond" and args_[0] == callId:
                    return "200 " + ("ok" if args_[1] else args_[2].get("type", "?"))
            status, kind, value = self.post(json.dumps([self.ack, []]).encode(), timeout=40)
        return "200 (no answer)"


def _flat(descriptions):
    for d in descriptions:
        yield d
        yield from _flat(d.get("children", ()))


def _address(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    return parts.hostname, parts.port


def wsConnect(page: HostilePage, rcvbuf: int | None = None, timeout: float = 30):
    """An upgraded WebSocket of ``page``: (socket, wsproto connection), or the refusal."""
    host, port = _address(page.base)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(timeout)
    sock.connect((host, port))
    ws = WSConnection(ConnectionType.CLIENT)
    sock.sendall(ws.send(Request(host=f"{host}:{port}", target=page.websocket.split("?")[0],
                                 extra_headers=[(b"cookie", page.cookie.encode())])))
    while True:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("The server closed the connection during the upgrade.")
        ws.receive_data(data)
        for event in ws.events():
            if isinstance(event, AcceptConnection):
                return sock, ws
            if isinstance(event, RejectConnection | RejectData):
                sock.close()
                raise ConnectionError(f"The upgrade was refused: {event!r}")


def wsUntilClosed(sock, ws, timeout: float = 30) -> str:
    """Read frames until the server closes: ``"close <code>"``."""
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(1 << 20)
            if not data:
                return "closed without a close frame"
            ws.receive_data(data)
            for event in ws.events():
                if isinstance(event, CloseConnection):
                    return f"close {event.code}"
    except TimeoutError:
        return "no close (timed out)"
    except OSError as e:
        return f"no close ({type(e).__name__})"
    finally:
        sock.close()


def wsSend(page: HostilePage, first: Message | None, then: Message | None = None) -> str:
    """Upgrade, send ``first`` (the greeting by default) and ``then``; how the server closed."""
    sock, ws = wsConnect(page)
    greeting = TextMessage(json.dumps({"csrf": page.csrf, "ack": page.ack}))
    try:
        sock.sendall(ws.send(first or greeting))
        if then is not None:
            sock.sendall(ws.send(then))
    except OSError:
        pass  # the server stopped reading: its close may be waiting
    return wsUntilClosed(sock, ws)


def hugePost(page: HostilePage, size: int = HUGE) -> str:
    """POST ``size`` bytes as a browser would, reading the answer even if the server stops
    reading the body first (then the send fails): the answer's status and error type."""
    host, port = _address(page.base)
    sock = socket.create_connection((host, port), timeout=30)
    try:
        sock.sendall(f"POST {page.transport} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                     f"Cookie: {page.cookie}\r\nX-LF-CSRF: {page.csrf}\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {size}\r\n"
                     "\r\n".encode())
        sent = 0
        try:
            while sent < size:
                sent += sock.send(b"[" * min(1 << 16, size - sent))
        except OSError:
            pass  # the server stopped reading: its answer may be waiting
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except OSError as e:
            if not answer:
                return f"no answer ({type(e).__name__}, {sent} bytes sent)"
        head, _, body = answer.partition(b"\r\n\r\n")
        status = head.split(b" ", 2)[1].decode() if head else "(nothing)"
        try:
            return f"{status} {json.loads(body)['error']['type']}"
        except (ValueError, KeyError):
            return f"{status} (body {body[:60]!r})"
    finally:
        sock.close()


def _envelope(page, messages) -> bytes:
    return json.dumps([page.ack, messages]).encode()


#: (kind, does it close the page, how to send it)
KINDS = [
    ("bad JSON", False, lambda p: p.post(b'[0, [[0, ["call"')),
    ("not an envelope", False, lambda p: p.post(b'{"ack": 0}')),
    ("NaN", False, lambda p: p.post(b'[-1, [], {"x": NaN}]')),
    ("nested 100,000 deep", False, lambda p: p.post(b"[" * 100_000 + b"]" * 100_000)),
    ("no CSRF token", False, lambda p: p.post(_envelope(p, []), csrf=False)),
    ("another session's cookie", False,
     lambda p: p.post(_envelope(p, []), cookie="athena_session=not-a-session")),
    ("GET on the transport", False, lambda p: p.post(b"", method="GET")),
    ("unknown method", False,
     lambda p: p.call(p.widgets["athena_nb/worksheet.js:Worksheet"], "frobnicate", [])),
    ("no such widget", False, lambda p: p.call(987_654, "edit", [])),
    ("malformed edit", False,
     lambda p: p.call(p.widgets["athena_nb/cell.js:Cell"], "edit", [[{"at": -5, "insert": 7}], 0])),
    ("edit far past the text", False,
     lambda p: p.call(p.widgets["athena_nb/cell.js:Cell"], "edit",
                      [[{"at": 10**9, "insert": "x"}], 0])),
    ("run with arguments", False, lambda p: p.call(p.widgets["athena_nb/cell.js:Cell"], "run",
                                                   ["x" * 1000, {"y": [1, 2]}])),
    ("WebSocket: wrong greeting", False, lambda p: wsSend(p, TextMessage('{"csrf": "no"}'))),
    ("WebSocket: not JSON", False, lambda p: wsSend(p, None, TextMessage("[0, [[0, "))),
    ("WebSocket: binary frame", False, lambda p: wsSend(p, None, BytesMessage(b"\x00\x01"))),
    ("unknown action", True, lambda p: p.post(_envelope(p, [[p.seq, ["frobnicate", []]]]))),
    ("ack beyond what was sent", True, lambda p: p.post(json.dumps([10**6, []]).encode())),
    ("huge body (9 MiB)", True, hugePost),
    ("WebSocket: huge frame (9 MiB)", True,
     lambda p: wsSend(p, None, TextMessage("[" * HUGE))),
    ("a closed page", True, None),  # the page closed by the kind before: asked again
]


class Malformed:
    """Sends every kind of bad request in turn until ``stop`` is set; counts the answers."""

    def __init__(self, base: str, token: str, worksheet: str, pause: float = 0.05):
        self.base, self.token, self.worksheet, self.pause = base, token, worksheet, pause
        self.answers: dict[str, collections.Counter] = collections.defaultdict(
            collections.Counter)
        self.failures: list[str] = []
        self.rounds = 0

    def run(self, stop: threading.Event) -> None:
        """Until ``stop`` is set, and at least once through every kind."""
        try:
            self._run(stop)
        except Exception as e:  # opening a page failed: said in the report
            self.failures.append(f"{type(e).__name__}: {e}"[:200])

    def _run(self, stop: threading.Event) -> None:
        cookie = loginCookie(self.base, self.token)
        page = closed = HostilePage(self.base, cookie, self.worksheet)
        while not (stop.is_set() and self.rounds):
            for kind, closes, send in KINDS:
                if stop.is_set() and self.rounds:
                    return
                try:
                    if send is None:  # a page a kind before closed
                        answer = closed.post(_envelope(closed, []))
                    else:
                        answer = send(page)
                except Exception as e:  # a hang or a reset is an answer too
                    answer = f"{type(e).__name__}: {e}"[:120]
                if isinstance(answer, tuple):
                    answer = f"{answer[0]} {answer[1]}".strip()
                self.answers[kind][answer] += 1
                if closes and send is not None:  # go on on a new page
                    closed, page = page, HostilePage(self.base, cookie, self.worksheet)
                stop.wait(self.pause)
            self.rounds += 1

    def report(self) -> dict:
        answers = {kind: dict(counter) for kind, counter in self.answers.items()}
        if self.failures:
            answers["(the client itself)"] = {f: 1 for f in self.failures}
        return answers


class Holder:
    """``count`` connections on pages of ``worksheets``, every other one a WebSocket, the rest
    long-poll requests; their receive buffers small, and never read."""

    def __init__(self, base: str, token: str, worksheets: list[str], count: int = 200):
        self.base, self.token, self.worksheets, self.count = base, token, worksheets, count
        self.sockets: list[tuple[str, socket.socket]] = []
        self.failed: list[str] = []

    def open(self) -> None:
        host, port = _address(self.base)
        cookie = None
        for i in range(self.count):
            if i % 50 == 0:  # at most 64 live pages a session
                cookie = loginCookie(self.base, self.token)
            try:
                page = HostilePage(self.base, cookie, self.worksheets[i % len(self.worksheets)])
                if i % 2:
                    sock, ws = wsConnect(page, rcvbuf=4096)
                    sock.sendall(ws.send(TextMessage(json.dumps({"csrf": page.csrf,
                                                                 "ack": -1}))))
                    self.sockets.append(("websocket", sock))
                else:
                    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                    sock.connect((host, port))
                    body = json.dumps([-1, []]).encode()
                    sock.sendall(
                        f"POST {page.transport} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                        f"Cookie: {cookie}\r\nX-LF-CSRF: {page.csrf}\r\n"
                        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                        "\r\n".encode() + body)
                    self.sockets.append(("longpoll", sock))
            except Exception as e:
                self.failed.append(f"{type(e).__name__}: {e}"[:200])

    def close(self) -> dict:
        """Read what each socket was sent meanwhile, then close them: how many the server
        had closed, and the bytes waiting."""
        closedByServer, waiting = collections.Counter(), collections.Counter()
        for kind, sock in self.sockets:
            sock.setblocking(False)
            try:
                while True:
                    data = sock.recv(1 << 20)
                    if not data:
                        closedByServer[kind] += 1
                        break
                    waiting[kind] += len(data)
            except (BlockingIOError, OSError):
                pass
            sock.close()
        return {"open": len(self.sockets), "failedToOpen": len(self.failed),
                "firstFailure": self.failed[0] if self.failed else None,
                "closedByServer": dict(closedByServer), "bytesWaiting": dict(waiting)}
