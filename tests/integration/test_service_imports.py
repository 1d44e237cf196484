"""What the server imports to start and to log someone in: nothing that only a later page needs.

Python start-up and imports are most of a cold start (docs/performance.md). The real
``athena-nb`` command runs as a subprocess; once it answered a token login and the home page,
the test asks it (over its stdin) which of a list of modules it has imported.
"""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from tests.support.server import URL, environment, readLine

pytestmark = pytest.mark.integration

#: Runs the command's main() and answers, per line of module names on stdin, the loaded ones.
PROBE = '''
import json, sys
from twisted.internet import reactor, stdio
from twisted.protocols.basic import LineReceiver
from athena_nb import cli

class Ask(LineReceiver):
    delimiter = b"\\n"
    def lineReceived(self, line):
        self.sendLine(json.dumps([n for n in json.loads(line) if n in sys.modules]).encode())

reactor.callWhenRunning(lambda: stdio.StandardIO(Ask()))
sys.exit(cli.main(sys.argv[1:]))
'''

#: Only a WebSocket connection needs these.
WEBSOCKET = ["livefragments._websocket", "twisted.web.websocket", "wsproto", "h11"]
#: Only the worksheet pages need these.
WORKSHEET_PAGES = ["athena_nb.web.worksheet", "athena_nb.web.fragments", "athena_nb.web.files"]


@pytest.fixture
def probe(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    proc = subprocess.Popen(
        [sys.executable, str(script), "--port", "0", "--data-dir", str(tmp_path / "data"),
         "--pool-size", "0", "--sage-pool-size", "0", "--system", "python"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=environment(tmp_path), cwd=str(tmp_path))
    try:
        match = URL.fullmatch(readLine(proc.stdout, 60).strip())
        assert match, "the server did not print its URL"

        def loaded(names):
            proc.stdin.write(json.dumps(names).encode() + b"\n")
            proc.stdin.flush()
            return json.loads(readLine(proc.stdout, 30))

        yield match.group(0), loaded
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def get(url: str, path: str, cookie: str | None = None) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_logging_in_and_the_home_page_import_no_websocket_stack_nor_worksheet_pages(probe):
    """A token login and the home page are served without wsproto and Twisted's WebSocket
    module (imported with the first WebSocket a page opens) and without the worksheet pages'
    modules, which the first request below /worksheets/ imports."""
    url, loaded = probe
    login = get(url, urlsplit(url).path + "?" + urlsplit(url).query)
    assert login.status in (302, 303)
    cookie = login.getheader("Set-Cookie").split(";")[0]
    assert get(url, "/", cookie).status == 200
    assert loaded(WEBSOCKET + WORKSHEET_PAGES + ["athena_nb.web.site"]) == ["athena_nb.web.site"]
    assert get(url, "/worksheets/nosuchsheet/", cookie).status == 404
    assert loaded(WORKSHEET_PAGES) == WORKSHEET_PAGES
