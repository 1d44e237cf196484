"""Runs the JavaScript unit tests (tests/js/**/*.test.mjs) with `node --test tests/js/`.

Skipped when /usr/bin/node is missing, except under CI=true, where a missing node is a failure.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest

NODE = "/usr/bin/node"
ROOT = Path(__file__).resolve().parent.parent


def _node():
    if os.path.exists(NODE):
        return NODE
    if os.environ.get("CI") == "true":
        pytest.fail(f"Node is required under CI=true, but {NODE} does not exist.")
    pytest.skip(f"{NODE} is not installed.")


def test_js_unit_tests_pass():
    """Every JS unit test under tests/js passes under `node --test`, and there are some."""
    node = _node()
    result = subprocess.run(
        [node, "--test", "--test-reporter=spec", "tests/js/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"node --test failed (exit {result.returncode}):\n{output}"
    ran = re.search(r"^\S* ?tests (\d+)$", output, re.MULTILINE)
    assert ran and int(ran.group(1)) > 0, f"node --test ran no tests:\n{output}"
