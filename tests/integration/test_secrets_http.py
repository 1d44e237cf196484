"""Secrets against the real server: the token from a file or the environment (never needed on the
command line), a new token or password ends the old owner sessions, and neither the kernels'
environment nor twistd's log file carries the token."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from athena_nb.options import TOKEN_ENV, hashPassword
from tests.integration import test_service
from tests.integration.test_service import fetch, login
from tests.support.running import OpenPage, streamText, waitForStates
from tests.support.server import TWISTD, URL, environment
from tests.support.stores import ManualStore

pytestmark = pytest.mark.integration
server = test_service.server  # the fixture: an athena-nb process on a free port


def tokenFile(tmp_path, token: str) -> Path:
    path = tmp_path / f"token-{len(list(tmp_path.glob('token-*')))}"
    path.write_text(token + "\n")
    path.chmod(0o600)
    return path


def test_the_token_comes_from_a_file_and_stays_off_the_command_line(server, tmp_path):
    token = "token-from-a-file-0123456789"
    s = server("--token-file", str(tokenFile(tmp_path, token)))
    assert s.token == token
    cmdline = Path(f"/proc/{s.proc.pid}/cmdline").read_bytes()
    assert token.encode() not in cmdline
    assert s.stop() == 0
    assert "--token" not in s.errors


def test_a_token_on_the_command_line_is_warned_about(server):
    s = server("--token", "a-token-on-the-command-line")
    assert s.stop() == 0
    assert "every user of this machine can read it" in s.errors and "--token-file" in s.errors


def test_a_new_token_or_password_ends_the_old_owner_sessions(server, tmp_path):
    """With the same token the owner stays logged in across a restart; a new token, or a new
    password, logs every owner session out."""
    one, two = tokenFile(tmp_path, "the-first-token-0123456"), tokenFile(tmp_path, "the-second-token-01234")
    first = server("--token-file", str(one))
    owner = login(first)
    assert first.stop() == 0
    again = server("--token-file", str(one))
    assert fetch(again.port, "GET", "/", cookie=owner)[0] == 200
    assert again.stop() == 0
    changed = server("--token-file", str(two))
    assert fetch(changed.port, "GET", "/", cookie=owner)[0] == 403
    owner = login(changed)
    assert changed.stop() == 0
    withPassword = server("--token-file", str(two), "--password-hash", hashPassword("pw"))
    assert fetch(withPassword.port, "GET", "/", cookie=owner)[0] == 403
    assert withPassword.stop() == 0
    assert "Ended 1 owner session(s) made with an earlier token or password" in withPassword.errors


def test_kernels_do_not_inherit_the_token_from_the_environment(server, tmp_path, monkeypatch):
    token = "an-environment-token-0123456"
    monkeypatch.setattr(test_service, "environment",
                        lambda tmp=None: dict(environment(tmp), **{TOKEN_ENV: token}))
    data = tmp_path / "data"
    data.mkdir()
    db = ManualStore(data / "athena.sqlite")
    sheet = db.run(db.store.create_worksheet("Env", [
        "import os\nprint(repr(os.environ.get('ATHENA_NB_TOKEN')))"]))
    db.run(db.store.close())
    s = server(dataDir=data)
    assert s.token == token
    page = OpenPage(s, login(s), sheet.id)
    page.call(page.cells[0], "run")
    waitForStates(data / "athena.sqlite", sheet.id, ["done"])
    assert streamText(data / "athena.sqlite", sheet.id) == "None\n"


def test_daemonized_twistd_keeps_the_token_out_of_its_log(tmp_path):
    data, pidfile, logfile = tmp_path / "data", tmp_path / "twistd.pid", tmp_path / "twistd.log"
    done = subprocess.run(
        [str(TWISTD), "--pidfile", str(pidfile), "--logfile", str(logfile), "athena-nb",
         "--port", "0", "--data-dir", str(data), "--pool-size", "0", "--system", "python"],
        capture_output=True, text=True, env=environment(tmp_path), cwd=str(tmp_path), timeout=60)
    assert done.returncode == 0, done.stderr
    pid = int(test_service.waitFor(lambda: pidfile.exists() and pidfile.read_text().strip(),
                                   "the pidfile"))
    try:
        info = json.loads(test_service.waitFor(lambda: (data / "server.json").exists() and
                                               (data / "server.json").read_text(), "server.json"))
        token = URL.fullmatch(info["url"]).group(2)
        log = test_service.waitFor(lambda: "The notebook is at" in logfile.read_text()
                                   and logfile.read_text(), "the address in the log")
        assert f"http://127.0.0.1:{info['port']}/;" in log and "server.json" in log
        assert token not in log
    finally:
        os.kill(pid, signal.SIGTERM)
    test_service.waitFor(lambda: not pidfile.exists(), "twistd to stop")
    assert token not in logfile.read_text()
