"""A Jupyter client process for compare_jupyter.py: kernel websockets driven by JSON-line commands.  Tests: tests/integration/test_bench_smoke.py.

Runs under the Jupyter venv's interpreter (tornado comes with jupyter-server), in its own
process, never inside the server it measures.  One process holds any number of websocket
connections to one kernel; connection 0 is the one that executes.  Commands (one JSON object a
line on stdin, one reply a line on stdout, see bench/common.py):

- ``connect {base, token, kernel, count}``: open ``count`` more connections to the kernel.
- ``kernelStart {n}``: n times: POST /api/kernels, connect, execute ``1``; time from the POST
  being sent until the result is received; the kernel is deleted after each.
- ``execute {code, n, warmup, lines}``: time from sending execute_request on connection 0 until
  its execute_result arrives (or, with ``lines``, until that many lines of stream output have).
- ``run {code}``: send one execute_request; reply with the time it was sent, once it is answered.
- ``collect {trial, timeout}``: the arrival times, on every connection here, of the stream text
  ``bench-<trial> <t>`` (``t`` is the kernel's CLOCK_MONOTONIC when it printed it).
- ``close``: close every connection and exit.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import threading
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import now  # noqa: E402
from tornado.httpclient import AsyncHTTPClient, HTTPRequest  # noqa: E402
from tornado.websocket import websocket_connect  # noqa: E402

MARK = re.compile(r"bench-(\d+) ([0-9.]+)")


def _message(session: str, code: str) -> tuple[str, str]:
    msgId = uuid.uuid4().hex
    return msgId, json.dumps({
        "header": {"msg_id": msgId, "username": "bench", "session": session,
                   "msg_type": "execute_request", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}})


class Connection:
    """One websocket to a kernel's channels, with its own session id."""

    def __init__(self, driver: Driver):
        self.driver = driver
        self.session = uuid.uuid4().hex
        self.ws = None
        self.marks: dict[int, tuple[float, float]] = {}  # trial -> (arrival, kernel time)
        self.waiters: dict[str, dict] = {}  # msg_id -> what the executor waits for

    async def open(self, kernelId: str) -> None:
        url = "%s/api/kernels/%s/channels?session_id=%s" % (
            self.driver.base.replace("http://", "ws://"), kernelId, self.session)
        request = HTTPRequest(url, headers={"Authorization": "token " + self.driver.token},
                              request_timeout=60)
        self.ws = await websocket_connect(request, on_message_callback=self.received)

    def received(self, text) -> None:
        arrived = now()
        if text is None:
            return
        if not self.waiters:
            # An idle viewer only looks for the fan-out marks; decoding every frame would
            # make this process, not the server, the bottleneck.
            if "bench-" not in text:
                return
        msg = json.loads(text)
        kind = msg.get("msg_type") or msg["header"]["msg_type"]
        if kind == "stream":
            for trial, stamp in MARK.findall(msg["content"]["text"]):
                self.marks.setdefault(int(trial), (arrived, float(stamp)))
        waiter = self.waiters.get(msg.get("parent_header", {}).get("msg_id"))
        if waiter is None:
            return
        if kind == "stream":
            waiter["lines"] += msg["content"]["text"].count("\n")
        if kind == "error":
            waiter["error"] = "%s: %s" % (msg["content"]["ename"], msg["content"]["evalue"])
        done = (kind == "execute_result" and waiter["want"] == "result"
                or kind == "stream" and waiter["want"] == "lines"
                and waiter["lines"] >= waiter["lines_wanted"]
                or kind == "execute_reply" and waiter["want"] == "reply"
                or kind == "error")
        if done and not waiter["future"].done():
            waiter["future"].set_result(arrived)

    async def execute(self, code: str, want: str = "result", lines: int = 0,
                      timeout: float = 60.0) -> tuple[float, float]:
        """(sent, answered) times of one execute_request on this connection."""
        msgId, frame = _message(self.session, code)
        future = asyncio.get_running_loop().create_future()
        self.waiters[msgId] = waiter = {"want": want, "lines": 0, "lines_wanted": lines,
                                        "future": future}
        sent = now()
        await self.ws.write_message(frame)
        try:
            answered = await asyncio.wait_for(future, timeout)
        finally:
            del self.waiters[msgId]
        if "error" in waiter:
            raise RuntimeError("The kernel answered with an error: " + waiter["error"])
        return sent, answered

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()


class Driver:
    def __init__(self):
        self.base = self.token = self.kernel = None
        self.connections: list[Connection] = []

    async def connect(self, base, token, kernel, count, deadline=None):
        """Open connections one at a time; with ``deadline`` (s), stop then and count failures."""
        self.base, self.token, self.kernel = base.rstrip("/"), token, kernel
        end = None if deadline is None else now() + deadline
        failed, firstError = 0, None
        for _ in range(count):
            if end is not None and now() > end:
                break
            connection = Connection(self)
            try:
                await connection.open(kernel)
            except Exception as e:
                if end is None:
                    raise
                failed += 1
                firstError = firstError or "%s: %s" % (type(e).__name__, e)
                continue
            self.connections.append(connection)
        return {"open": len(self.connections), "failed": failed, "firstError": firstError}

    async def api(self, method, path, body=None):
        response = await AsyncHTTPClient().fetch(
            self.base + path, method=method, body=body, raise_error=True, request_timeout=60,
            headers={"Authorization": "token " + self.token, "Content-Type": "application/json"})
        return json.loads(response.body) if response.body else None

    async def kernelStart(self, base, token, n):
        self.base, self.token = base.rstrip("/"), token
        samples = []
        for _ in range(n):
            connection = Connection(self)
            start = now()
            kernel = await self.api("POST", "/api/kernels", json.dumps({"name": "python3"}))
            await connection.open(kernel["id"])
            _, answered = await connection.execute("1", timeout=120)
            samples.append((answered - start) * 1000)
            connection.close()
            await self.api("DELETE", "/api/kernels/" + kernel["id"])
        return {"samples": samples}

    async def execute(self, code, n, warmup=0, lines=0, timeout=60.0):
        connection = self.connections[0]
        want = "lines" if lines else "result"
        for _ in range(warmup):
            await connection.execute(code, want, lines, timeout)
        samples = []
        for _ in range(n):
            sent, answered = await connection.execute(code, want, lines, timeout)
            samples.append((answered - sent) * 1000)
        return {"samples": samples}

    async def run(self, code, timeout=60.0):
        sent, answered = await self.connections[0].execute(code, "reply", 0, timeout)
        return {"sent": sent, "answered": answered}

    async def collect(self, trial, kind="out", timeout=30.0):
        if kind != "out":
            raise ValueError("Jupyter viewers only see outputs; there is no shared typing.")
        deadline = now() + timeout
        while now() < deadline and not all(trial in c.marks for c in self.connections):
            await asyncio.sleep(0.005)
        found = [c.marks.get(trial) for c in self.connections]
        return {"arrivals": [f[0] if f else None for f in found],
                "kernelTimes": [f[1] if f else None for f in found]}

    async def close(self):
        for connection in self.connections:
            connection.close()
        self.connections = []
        return {}


async def main() -> None:
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue = asyncio.Queue()

    def readStdin():
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=readStdin, daemon=True).start()
    driver = Driver()
    reply({"ok": True, "ready": True, "pid": os.getpid()})
    while True:
        line = await lines.get()
        if line is None:
            break
        command = json.loads(line)
        name = command.pop("cmd")
        try:
            result = await getattr(driver, name)(**command)
            reply({"ok": True, **result})
        except Exception as e:
            reply({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
        if name == "close":
            break


def reply(value: dict) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
