"""Type-checks the browser modules under js/ with TypeScript: `tsc --noEmit -p jsconfig.json`.

TypeScript is the one npm dev dependency (package.json; `npm ci` installs it, as dev/test.sh
does). Skipped when /usr/bin/node or node_modules/.bin/tsc is missing, except under CI=true,
where a missing one is a failure.
"""

import os
import subprocess
from pathlib import Path

import pytest

NODE = "/usr/bin/node"
ROOT = Path(__file__).resolve().parent.parent
TSC = ROOT / "node_modules" / ".bin" / "tsc"


def _require(path, what):
    if os.path.exists(path):
        return str(path)
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required under CI=true, but {path} does not exist.")
    pytest.skip(f"{path} is not installed.")


def test_browser_modules_type_check():
    """tsc finds no type error in js/ under jsconfig.json (strict, JSDoc types)."""
    node = _require(NODE, "Node")
    tsc = _require(TSC, "TypeScript (npm ci)")
    result = subprocess.run(
        [node, tsc, "--noEmit", "--pretty", "false", "-p", "jsconfig.json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"tsc found type errors (exit {result.returncode}):\n{output}"


def test_every_browser_module_asks_to_be_checked():
    """Every module under js/ starts with `// @ts-check`, so an editor checks it without the
    jsconfig too (js/vendor/ is not ours: the package build copies the npm packages there)."""
    modules = sorted(path for path in (ROOT / "js").rglob("*.js")
                     if "vendor" not in path.relative_to(ROOT / "js").parts[:1])
    assert modules
    unchecked = [
        str(path.relative_to(ROOT))
        for path in modules
        if path.read_text(encoding="utf-8").splitlines()[:1] != ["// @ts-check"]
    ]
    assert unchecked == [], f"These modules do not start with // @ts-check: {unchecked}"
