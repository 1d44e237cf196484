"""A site with the service's gate, auth and home page over in-memory HTTP, for unit tests.

Every exchange is real HTTP through the production ``Site`` (memoryhttp.py), with a Clock for
time and a store whose commits the test runs (athena_nb.store.testing).  The worksheet pages are
stood in for by ``WhoAmI``, which answers with the identity the gate let through.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from twisted.internet.defer import succeed
from twisted.internet.task import Clock
from twisted.web.resource import Resource

from athena_nb.store.testing import open_manual_store
from athena_nb.web.auth import COOKIE, Auth, identityOf
from athena_nb.web.site import buildSite
from livefragments import ModuleResource, jsRoot
from tests.support.memoryhttp import MemoryHTTP

TOKEN = "t0ken-for-the-tests-0123456789"
MODULES = ModuleResource(jsRoot(), "/static")


class WhoAmI(Resource):
    """Stands in for the worksheet pages: answers with the identity the gate attached."""

    isLeaf = True

    def closingTransport(self, request):
        return False

    def render_GET(self, request):
        identity = identityOf(request)
        request.setHeader(b"content-type", b"application/json")
        return json.dumps({"role": identity.role, "name": identity.name,
                           "worksheetId": identity.worksheetId,
                           "path": request.path.decode()}).encode()

    render_POST = render_GET


class Browser:
    """A cookie jar and a way to make requests that settle the clock and the store."""

    def __init__(self, env: Env):
        self.env = env
        self.cookie: str | None = None

    def request(self, method, path, body=None, headers=None, origin=True):
        hdrs = {b"accept": b"text/html"}
        if origin and method == b"POST":
            hdrs[b"origin"] = b"http://127.0.0.1:8080"
        if self.cookie is not None:
            hdrs[b"cookie"] = f"{COOKIE}={self.cookie}".encode()
        hdrs.update(headers or {})
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            hdrs.setdefault(b"content-type", b"application/json")
        d = self.env.http.request(method, path, hdrs, body)
        response = self.env.settle(d)
        for value in response.headers.get("set-cookie", []):
            name, _, rest = value.partition("=")
            if name == COOKIE:
                self.cookie = rest.split(";")[0] or None
        return response

    def get(self, path, **kw):
        return self.request(b"GET", path, **kw)

    def post(self, path, body=b"", **kw):
        return self.request(b"POST", path, body, **kw)

    def getJSON(self, path):
        """A GET of a JSON API that must answer 200: its answer, parsed."""
        answer = self.get(path, headers={b"accept": b"application/json"})
        assert answer.code == 200, answer.body
        return json.loads(answer.body)

    def form(self, path, **fields):
        return self.post(path, urlencode(fields).encode(),
                         headers={b"content-type": b"application/x-www-form-urlencoded"})


class Env:
    def __init__(self, passwordHash=None, path=":memory:", hubs=None, hosts=None, secretId=""):
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.store, self.writer = open_manual_store(self.clock, path)
        self.auth = Auth(self.clock, self.store, token=TOKEN, passwordHash=passwordHash,
                         runInThread=lambda f, *a: succeed(f(*a)), secretId=secretId)
        self.site = buildSite(reactor=self.clock, store=self.store, auth=self.auth, hubs=hubs,
                              settings=None, modules=MODULES, worksheets=WhoAmI(),
                              hosts=hosts)
        self.http = MemoryHTTP(self.site)

    def settle(self, d):
        results = []
        d.addBoth(results.append)
        for _ in range(100):
            if results:
                break
            self.writer.flush()
            self.clock.advance(0.5)
        assert results, "the request was never answered"
        return results[0]

    def run(self, d):
        return self.settle(d)

    def browser(self):
        return Browser(self)

    def owner(self):
        b = self.browser()
        answer = b.get(f"/?token={TOKEN}")
        assert answer.code == 303
        return b

    def worksheet(self, title="Sheet", cells=("",)):
        return self.run(self.store.create_worksheet(title, cells))


def call(browser, method, path, body=None):
    """A JSON API call as ``browser``; returns (status, decoded body)."""
    answer = browser.request(method, path, body if body is not None else
                             ({} if method == b"POST" else None),
                             headers={b"accept": b"application/json"})
    return answer.code, json.loads(answer.body)
