"""Running the real server as a subprocess: its environment and reading its URL line.

Used by tests/integration/test_service.py and tests/integration/test_service_imports.py.
"""

from __future__ import annotations

import os
import re
import select
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
URL = re.compile(r"http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9._~-]+)")
TWISTD = Path(sys.executable).with_name("twistd")


def environment(tmp_path=None) -> dict:
    """The server's environment: this checkout first on its path, no token from the caller's
    shell.  (``tmp_path`` is not used; the callers in tests/integration still pass it.)"""
    env = {k: v for k, v in os.environ.items() if k != "ATHENA_NB_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    return env


def readLine(stream, timeout: float) -> str:
    """One line from a pipe, failing the test (not hanging) if none comes in time."""
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([stream], [], [], remaining)[0]:
            raise AssertionError(f"No complete line within {timeout} s (got {line!r}).")
        chunk = os.read(stream.fileno(), 1)
        if not chunk:
            raise AssertionError(f"The stream ended (got {line!r}).")
        line += chunk
    return line.decode()
