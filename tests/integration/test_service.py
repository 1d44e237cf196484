"""The real server process: ``athena-nb`` and ``twistd athena-nb`` on 127.0.0.1 ephemeral ports.

Each test starts the server as a subprocess with a temporary data directory, reads the URL it
prints, and talks HTTP to it.  Nothing here waits on wall-clock time except bounded waits for
a process to print, answer or exit.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import resource
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.support.server import TWISTD, URL, environment, readLine

pytestmark = pytest.mark.integration


class Server:
    """An ``athena-nb`` process; ``url``, ``port`` and ``token`` come from its one line."""

    def __init__(self, tmp_path, dataDir, *extra, preexec=None):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "athena_nb.cli", "--port", "0", "--data-dir", str(dataDir),
             "--pool-size", "0", "--sage-pool-size", "0", "--system", "python", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment(tmp_path),
            cwd=str(tmp_path), preexec_fn=preexec)
        line = readLine(self.proc.stdout, 60)
        match = URL.fullmatch(line.strip())
        assert match, f"expected exactly the URL, got {line!r}"
        self.url, self.port, self.token = line.strip(), int(match.group(1)), match.group(2)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(30)
        self.rest = self.proc.stdout.read().decode()
        self.errors = self.proc.stderr.read().decode()
        return code


@pytest.fixture
def server(tmp_path):
    servers = []

    def start(*extra, dataDir=None, **kw):
        s = Server(tmp_path, dataDir or tmp_path / "data", *extra, **kw)
        servers.append(s)
        return s

    yield start
    for s in servers:
        if s.proc.poll() is None:
            s.stop()


def fetch(port, method, path, *, cookie=None, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    hdrs = {"accept": "text/html", **(headers or {})}
    if cookie:
        hdrs["cookie"] = f"athena_session={cookie}"
    if method == "POST":
        hdrs.setdefault("origin", f"http://127.0.0.1:{port}")
    if isinstance(body, dict):
        body = json.dumps(body).encode()
        hdrs["content-type"] = "application/json"
    conn.request(method, path, body=body, headers=hdrs)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, response.headers, data


def login(server) -> str:
    status, headers, _ = fetch(server.port, "GET", f"/?token={server.token}")
    assert status == 303 and headers["location"] == "/"
    match = re.match(r"athena_session=([^;]+);", headers["set-cookie"])
    assert match
    return match.group(1)


def test_the_command_prints_the_url_and_the_token_logs_in(server):
    """``athena-nb --port 0`` prints one line, the URL with the real port and token; opening
    it starts a session that the home page accepts; without it everything is 403."""
    s = server()
    status, _, body = fetch(s.port, "GET", "/")
    assert status == 403 and b'action="/login"' in body
    status, _, body = fetch(s.port, "GET", "/api/worksheets",
                            headers={"accept": "application/json"})
    assert status == 403 and json.loads(body)["error"]["type"] == "Forbidden"
    cookie = login(s)
    status, headers, body = fetch(s.port, "GET", "/", cookie=cookie)
    assert status == 200 and b"New worksheet" in body
    assert "default-src 'self'" in headers["content-security-policy"]
    status, _, body = fetch(s.port, "POST", "/api/worksheets", cookie=cookie, body={})
    assert status == 201
    worksheet = json.loads(body)["worksheet"]
    assert worksheet["title"] == "Untitled" and worksheet["url"] == f"/worksheets/{worksheet['id']}/"
    assert s.stop() == 0
    assert s.rest == "", "the URL line is the only thing on stdout"


def test_a_fixed_token_from_the_environment(tmp_path, server, monkeypatch):
    monkeypatch.setenv("ATHENA_NB_TOKEN", "unused")  # environment() drops it: use --token
    s = server("--token", "fixed-token-for-this-test")
    assert s.token == "fixed-token-for-this-test"


def test_share_links_over_http(server):
    """The owner makes a link; a visitor picks a name and reaches that worksheet only;
    revoking the link locks them out at once."""
    s = server()
    owner = login(s)
    ids = []
    for _ in range(2):
        _, _, body = fetch(s.port, "POST", "/api/worksheets", cookie=owner, body={})
        ids.append(json.loads(body)["worksheet"]["id"])
    status, _, body = fetch(s.port, "POST", f"/api/worksheets/{ids[0]}/links", cookie=owner,
                            body={"role": "viewer"})
    assert status == 201
    link = json.loads(body)["link"]
    status, _, body = fetch(s.port, "GET", link["path"])
    assert status == 200 and b"viewer" in body
    status, headers, _ = fetch(s.port, "POST", link["path"],
                               body=urlencode({"name": "Grace"}).encode(),
                               headers={"content-type": "application/x-www-form-urlencoded"})
    assert status == 303 and headers["location"] == f"/worksheets/{ids[0]}/"
    guest = re.match(r"athena_session=([^;]+);", headers["set-cookie"]).group(1)
    assert fetch(s.port, "GET", f"/worksheets/{ids[0]}/", cookie=guest)[0] == 200
    assert fetch(s.port, "GET", f"/worksheets/{ids[1]}/", cookie=guest)[0] == 403
    assert fetch(s.port, "GET", "/api/worksheets", cookie=guest)[0] == 403
    status, _, _ = fetch(s.port, "POST", f"/api/links/{link['token']}/revoke", cookie=owner,
                         body={})
    assert status == 200
    assert fetch(s.port, "GET", f"/worksheets/{ids[0]}/", cookie=guest)[0] == 403


def test_a_restarted_server_keeps_sessions_and_marks_nothing_lost(server, tmp_path):
    """Sessions live in the store: after a restart (with a new token) the old cookie works."""
    first = server()
    cookie = login(first)
    assert first.stop() == 0
    assert not (tmp_path / "data" / "server.json").exists(), "a clean stop removes server.json"
    second = server()
    assert second.token != first.token
    assert fetch(second.port, "GET", "/", cookie=cookie)[0] == 200


def test_a_corrupt_database_stops_the_start_with_a_clear_error_and_is_untouched(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    garbage = b"SQLite format 3\x00" + bytes(range(256)) * 16
    (data / "athena.sqlite").write_bytes(garbage)
    done = subprocess.run(
        [sys.executable, "-m", "athena_nb.cli", "--port", "0", "--data-dir", str(data),
         "--pool-size", "0", "--sage-pool-size", "0"],
        capture_output=True, text=True, env=environment(tmp_path), timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "athena-nb cannot start:" in done.stderr and "athena.sqlite" in done.stderr
    assert "Traceback" not in done.stderr
    assert (data / "athena.sqlite").read_bytes() == garbage
    assert sorted(os.listdir(data)) == ["athena.sqlite", "server.lock"]


def test_a_port_in_use_stops_the_start_with_a_clear_error(tmp_path):
    """The command says which endpoint it could not listen on and why, exits 1, and leaves
    no server.json behind; the parts that had started (store, pool, hubs) stop cleanly."""
    data = tmp_path / "data"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "athena_nb.cli", "--port", str(port), "--data-dir",
             str(data), "--pool-size", "0", "--sage-pool-size", "0", "--system", "python"],
            capture_output=True, text=True, env=environment(tmp_path), timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert f"athena-nb cannot start: Cannot listen on tcp:port={port}" in done.stderr
    assert "Address already in use." in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(os.listdir(data)) == ["athena.sqlite", "server.lock"]


def test_a_second_server_on_the_same_data_directory_refuses_and_names_the_first(
        server, tmp_path):
    """Both would say "Saved" while one's edits were lost, and stopping either deleted the
    other's server.json: the second refuses to start, and the first is untouched."""
    first = server()
    data = tmp_path / "data"
    before = (data / "server.json").read_text()
    done = subprocess.run(
        [sys.executable, "-m", "athena_nb.cli", "--port", "0", "--data-dir", str(data),
         "--pool-size", "0", "--sage-pool-size", "0", "--system", "python"],
        capture_output=True, text=True, env=environment(tmp_path), timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert (f"athena-nb cannot start: Another athena-nb server (process {first.proc.pid}) is "
            f"using the data directory") in done.stderr
    assert "Traceback" not in done.stderr
    assert (data / "server.json").read_text() == before
    login(first)
    assert first.stop() in (0, -signal.SIGTERM)
    assert not (data / "server.json").exists()
    second = server()  # the directory is free again
    login(second)


def test_twistd_refuses_a_data_directory_in_use_before_daemonizing(server, tmp_path):
    first = server()
    done = subprocess.run(
        [str(TWISTD), "--pidfile", str(tmp_path / "twistd.pid"), "--logfile",
         str(tmp_path / "twistd.log"), "athena-nb", "--port", "0", "--data-dir",
         str(tmp_path / "data")],
        capture_output=True, text=True, env=environment(tmp_path), cwd=str(tmp_path),
        timeout=60)
    assert done.returncode != 0
    assert f"Another athena-nb server (process {first.proc.pid})" in done.stderr
    assert not (tmp_path / "twistd.pid").exists()
    login(first)


def test_a_declared_body_over_the_limit_is_refused_before_it_is_sent(server):
    """An unauthenticated 64 MiB POST was read to disk before anything looked at it: now the
    headers alone get a 413 with a sentence, and the connection closes."""
    s = server()
    with socket.create_connection(("127.0.0.1", s.port), timeout=30) as conn:
        conn.sendall(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 67108864\r\n\r\nsecret=")
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert json.loads(body)["error"]["message"] == (
        "The request's body of 67108864 bytes is larger than the server's limit of 8388608 "
        "bytes; nothing of it was read.")
    login(s)  # the server goes on


def test_a_chunked_body_over_the_limit_is_refused_as_it_arrives(server):
    """A chunked body declares no length: it is counted, and refused once past the limit."""
    s = server()
    with socket.create_connection(("127.0.0.1", s.port), timeout=30) as conn:
        conn.sendall(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * (1 << 20)
        answer = b""
        try:
            for _ in range(9):  # 9 MiB, past the 8 MiB limit
                conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            while data := conn.recv(65536):
                answer += data
        except ConnectionResetError:
            pass
    assert b"HTTP/1.1 413 " in answer and b"100 Continue" not in answer.split(b"413")[1]
    assert b"larger than the server's limit of 8388608 bytes" in answer
    login(s)


def test_the_data_directory_and_its_files_are_the_owners_alone(server, tmp_path):
    """The store holds sessions and share links, server.json the token: 0700 and 0600, also
    for a data directory an older version left readable by all."""
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    (data / "notes.txt").write_text("left here by hand")
    (data / "notes.txt").chmod(0o644)
    first = server()
    login(first)
    first.stop()
    first = server()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in ("athena.sqlite", "server.json", "server.lock", "notes.txt"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name


def test_the_server_raises_its_open_files_limit(server):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 256:
        pytest.skip("The hard open-files limit is too low to lower the soft one below it.")

    def lower():
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))

    s = server(preexec=lower)
    limits = Path(f"/proc/{s.proc.pid}/limits").read_text()
    line = next(row for row in limits.splitlines() if row.startswith("Max open files"))
    soft_now, hard_now = line.split()[3:5]
    assert soft_now == hard_now or int(soft_now) == 1 << 20, line


# -- twistd ----------------------------------------------------------------------------------


def test_twistd_in_the_foreground_prints_the_url(tmp_path):
    proc = subprocess.Popen(
        [str(TWISTD), "-n", "--pidfile", "", "athena-nb", "--port", "0", "--data-dir",
         str(tmp_path / "data"), "--pool-size", "0", "--sage-pool-size", "0", "--system", "python"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment(tmp_path),
        cwd=str(tmp_path))
    try:
        for _ in range(200):
            line = readLine(proc.stdout, 60)
            match = URL.search(line)
            if match:
                break
        assert match
        assert fetch(int(match.group(1)), "GET", "/")[0] == 403
    finally:
        proc.send_signal(signal.SIGTERM)
        # twistd ends by re-raising the signal it stopped on, after a clean shutdown.
        assert proc.wait(30) in (0, -signal.SIGTERM)
    assert b"Main loop terminated" in proc.stdout.read()
    assert not (tmp_path / "data" / "server.json").exists()


def test_twistd_refuses_a_corrupt_database_before_daemonizing(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    garbage = b"not a database at all" * 100
    (data / "athena.sqlite").write_bytes(garbage)
    done = subprocess.run(
        [str(TWISTD), "--pidfile", str(tmp_path / "twistd.pid"), "--logfile",
         str(tmp_path / "twistd.log"), "athena-nb", "--port", "0", "--data-dir", str(data)],
        capture_output=True, text=True, env=environment(tmp_path), cwd=str(tmp_path),
        timeout=60)
    assert done.returncode != 0
    assert "athena-nb cannot start:" in done.stderr and "athena.sqlite" in done.stderr
    assert (data / "athena.sqlite").read_bytes() == garbage
    assert not (tmp_path / "twistd.pid").exists()


def test_twistd_says_in_a_sentence_that_the_port_is_in_use(tmp_path):
    """Once its reactor runs, twistd has no way for a service to fail it: the sentence is
    logged (no traceback) and twistd stops."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(TWISTD), "-n", "--pidfile", "", "athena-nb", "--port", str(port), "--data-dir",
             str(tmp_path / "data"), "--pool-size", "0", "--sage-pool-size", "0", "--system", "python"],
            capture_output=True, text=True, env=environment(tmp_path), cwd=str(tmp_path),
            timeout=60)
    assert f"athena-nb cannot start: Cannot listen on tcp:port={port}" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert "Main loop terminated" in done.stdout


def waitFor(predicate, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)  # polling another process's files; this is not a unit test
    raise AssertionError(f"Timed out waiting for {what}.")


def test_daemonized_twistd_writes_server_json_and_its_log_and_stops_by_pidfile(tmp_path):
    data, pidfile, logfile = tmp_path / "data", tmp_path / "twistd.pid", tmp_path / "twistd.log"
    done = subprocess.run(
        [str(TWISTD), "--pidfile", str(pidfile), "--logfile", str(logfile), "athena-nb",
         "--port", "0", "--data-dir", str(data), "--pool-size", "0", "--sage-pool-size", "0", "--system", "python"],
        capture_output=True, text=True, env=environment(tmp_path), cwd=str(tmp_path),
        timeout=60)
    assert done.returncode == 0, done.stderr
    pid = int(waitFor(lambda: pidfile.exists() and pidfile.read_text().strip(), "the pidfile"))
    try:
        info = json.loads(waitFor(lambda: (data / "server.json").exists() and
                                  (data / "server.json").read_text(), "server.json"))
        assert info["pid"] == pid and URL.fullmatch(info["url"])
        assert info["url"].startswith(f"http://127.0.0.1:{info['port']}/")
        assert info["url"].split("?")[0] in logfile.read_text()  # the token stays out of it
        assert stat.S_IMODE(logfile.stat().st_mode) == 0o600
        token = URL.fullmatch(info["url"]).group(2)
        status, headers, _ = fetch(info["port"], "GET", f"/?token={token}")
        assert status == 303 and "athena_session=" in headers["set-cookie"]
    finally:
        os.kill(pid, signal.SIGTERM)
    waitFor(lambda: not pidfile.exists(), "twistd to stop and remove its pidfile")
    assert not (data / "server.json").exists()
    assert "Main loop terminated" in logfile.read_text()


def test_cells_running_when_the_server_stopped_are_marked_interrupted_at_start(server, tmp_path):
    from twisted.internet.task import Clock

    from athena_nb.store import INTERRUPTED_NOTICE, RunState
    from athena_nb.store.testing import open_manual_store, settle

    data = tmp_path / "data"
    data.mkdir()
    store, writer = open_manual_store(Clock(), data / "athena.sqlite")
    sheet = settle(writer, store.create_worksheet("Busy", ["while True: pass"]))
    cell = settle(writer, store.load_worksheet(sheet.id)).cells[0]
    settle(writer, store.set_run_state(cell.id, RunState.RUNNING))
    settle(writer, store.close())
    s = server(dataDir=data)
    assert s.stop() == 0
    store, writer = open_manual_store(Clock(), data / "athena.sqlite")
    after = settle(writer, store.get_cell(cell.id))
    assert after.state is RunState.INTERRUPTED
    assert [o.payload for o in after.outputs] == [{"text": INTERRUPTED_NOTICE}]
