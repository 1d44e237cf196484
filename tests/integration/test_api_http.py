"""The REST API against the real server on 127.0.0.1 with a real kernel: what docs/api.md
shows a script doing, with nothing but urllib."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.integration import test_service

pytestmark = pytest.mark.integration
server = test_service.server  # the fixture: an athena-nb process on a free port


class Api:
    """The few lines a script needs: the server's address and its token."""

    def __init__(self, port: int, token: str):
        self.base, self.token = f"http://127.0.0.1:{port}/api/v1", token

    def call(self, method: str, path: str, body=None, *, raw: bytes | None = None,
             contentType: str = "application/json"):
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": contentType})
        try:
            with urllib.request.urlopen(request, timeout=90) as response:
                payload = response.read()
                kind = response.headers.get_content_type()
                return response.status, json.loads(payload) if kind == "application/json" else payload
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


def test_a_script_creates_writes_runs_reads_exports_and_deletes(server):
    s = server()
    api = Api(s.port, s.token)
    status, made = api.call("POST", "/worksheets", {"title": "From a script"})
    assert status == 201
    wid = made["worksheet"]["id"]
    status, listed = api.call("GET", f"/worksheets/{wid}/cells")
    cell = listed["cells"][0]
    status, written = api.call("PUT", f"/worksheets/{wid}/cells/{cell['id']}",
                               {"text": "import math\nprint('hello')\nmath.factorial(20)",
                                "version": cell["version"]})
    assert status == 200 and written["cell"]["version"] == cell["version"] + 1
    status, started = api.call("POST", f"/worksheets/{wid}/cells/{cell['id']}/run?wait=60")
    run = started["run"]
    while run["state"] in ("queued", "running"):  # a slow machine: wait on
        status, polled = api.call("GET", f"/runs/{run['id']}?wait=60")
        run = polled["run"]
    assert run["state"] == "done", run
    assert {"type": "stream", "name": "stdout", "text": "hello\n"} in run["outputs"]
    results = [o for o in run["outputs"] if o["type"] == "result"]
    assert results[0]["data"]["text/plain"] == "2432902008176640000"
    status, outputs = api.call("GET", f"/worksheets/{wid}/cells/{cell['id']}/outputs")
    assert outputs["state"] == "done" and outputs["count"] == run["count"]
    status, exported = api.call("GET", f"/worksheets/{wid}/export/ipynb")
    notebook = json.loads(exported)
    code = notebook["cells"][0]
    assert "".join(code["source"]) == "import math\nprint('hello')\nmath.factorial(20)"
    assert any(o.get("text") in ("hello\n", ["hello\n"]) for o in code["outputs"])
    status, deleted = api.call("DELETE", f"/worksheets/{wid}")
    assert status == 200 and deleted["worksheet"]["trashed"] is True
    status, listed = api.call("GET", "/worksheets")
    assert wid not in [w["id"] for w in listed["worksheets"]]
    status, refused = Api(s.port, "not-the-token").call("GET", "/worksheets")
    assert status == 401 and refused["error"]["message"].startswith("That is neither the server's token")
