"""The bounded load test of issue 15: bench/load.py against a real server, smaller.

50 people (owner and collaborators through edit links, long-poll and WebSocket) on 5 worksheets
type and run for 20 s while a client sends malformed envelopes and refused calls, another holds
200 connections without reading, and a sixth worksheet's kernel floods output, raises a 15 MB
error, allocates 10 GB, forks a hundred processes and loops until interrupted.  Asserted: no
well-behaved page met an error, every acknowledged edit is in the worksheet (in a page opened
after, and after a restart: in the store), each kind of malformed request got its clear answer
(a 4xx with its error type, an error in band, or a close frame 4000 + status), never a 5xx.
The latencies and the server's memory and CPU are printed (docs/security.md, "Under load").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

#: Each kind of malformed request of bench/_hostile.py and the answers it may get.
EXPECTED = {
    "bad JSON": {"400 ProtocolError"},
    "not an envelope": {"400 ProtocolError"},
    "NaN": {"400 ProtocolError"},
    "nested 100,000 deep": {"400 ProtocolError"},
    "no CSRF token": {"403 Forbidden"},
    "another session's cookie": {"403 Forbidden"},
    "GET on the transport": {"405 MethodNotAllowed"},
    "unknown method": {"200 NoSuchMethod"},
    "no such widget": {"200 NoSuchWidget"},
    "malformed edit": {"200 MalformedOperation"},
    "edit far past the text": {"200 OperationOutOfRange"},
    "run with arguments": {"200 BadArguments"},
    "WebSocket: wrong greeting": {"close 4403"},
    "WebSocket: not JSON": {"close 4400"},
    "WebSocket: binary frame": {"close 4400"},
    "unknown action": {"400 ProtocolError"},
    "ack beyond what was sent": {"400 ProtocolError"},
    "huge body (9 MiB)": {"413 MessageTooLarge"},
    "WebSocket: huge frame (9 MiB)": {"close 4413"},
    "a closed page": {"404 NoSuchPage", "410 ProtocolError", "410 MessageTooLarge"},
}


def test_fifty_people_meet_no_error_and_lose_no_edit_beside_hostile_clients(tmp_path):
    env = dict(os.environ, ATHENA_BENCH_RESULTS=str(tmp_path),
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(
        [sys.executable, os.path.join(ROOT, "bench", "load.py"), "--clients", "50",
         "--worksheets", "5", "--seconds", "20", "--holders", "200"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    print(done.stdout[-6000:])
    path = tmp_path / "load.json"
    assert path.exists(), f"bench/load.py wrote no results:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    r = json.loads(path.read_text())
    assert r["people"] == 50 and r["worksheets"] == 5
    assert r["errorCount"] == 0, r["errors"]
    assert r["editAck"]["n"] >= 50 and r["run"]["n"] >= 10, (r["editAck"], r["run"])
    assert r["ackedEdits"] == r["editAck"]["n"]
    assert r["lostLive"] == [] and r["lostStored"] == [], (r["lostLive"][:5], r["lostStored"][:5])
    assert set(r["malformed"]) == set(EXPECTED), sorted(r["malformed"])
    for kind, answers in r["malformed"].items():
        assert set(answers) <= EXPECTED[kind], (kind, answers)
    assert r["held"]["open"] == 200 and r["held"]["failedToOpen"] == 0, r["held"]
    ran = {o["code"] for o in r["misbehaving"]}
    assert ran == {"flood output", "15 MB error", "10 GB allocation", "a hundred processes",
                   "busy loop"}, r["misbehaving"]
    assert r["server"]["peakKiB"] < 1024 * 1024, r["server"]  # under 1 GiB, kernels apart
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
