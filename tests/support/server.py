"""Running the real server as a subprocess: its environment and reading its URL line.

Used by tests/integration/test_service.py and tests/browser/test_home.py.
"""

from __future__ import annotations

import importlib.util
import os
import re
import select
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
URL = re.compile(r"http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9._~-]+)")
TWISTD = Path(sys.executable).with_name("twistd")

# Until the worksheet pages exist (another engineer's module), the server under test mounts a
# placeholder, injected through sitecustomize: the product code is never changed for tests.
_PLACEHOLDER = '''
import sys, types
from twisted.web.resource import Resource
class _Placeholder(Resource):
    isLeaf = True
    def render_GET(self, request):
        return b"worksheet placeholder"
_module = types.ModuleType("athena_nb.web.worksheet")
_module.worksheetsResource = lambda **kw: _Placeholder()
sys.modules["athena_nb.web.worksheet"] = _module
'''


def environment(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "ATHENA_NB_TOKEN"}
    paths = [str(ROOT)]
    if importlib.util.find_spec("athena_nb.web.worksheet") is None:
        shim = tmp_path / "shim"
        shim.mkdir(exist_ok=True)
        (shim / "sitecustomize.py").write_text(_PLACEHOLDER)
        paths.insert(0, str(shim))
    env["PYTHONPATH"] = os.pathsep.join(paths)
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
