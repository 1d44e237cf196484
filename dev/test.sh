#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine with Python 3.11
# (Chromium, Node, npm and bubblewrap from apt, CodeMirror and TypeScript from npm into node_modules, the project with its
# test and Sage extras in .venv) and runs the whole suite: Python unit, integration and browser
# tests, the JS unit tests, which tests/test_js_units.py runs under `node --test`, and the type
# check of js/, which tests/test_js_types.py runs with `tsc`.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# Only what is missing: a machine whose Node.js already brings npm (NodeSource's does) cannot
# also take Debian's npm package.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
# bubblewrap sandboxes every kernel; the sandbox tests fail rather than skip under CI=true.
command -v bwrap >/dev/null || missing+=(bubblewrap)
if [ ${#missing[@]} -gt 0 ]; then
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
# The npm packages (CodeMirror for the browser, TypeScript for the type check), exactly as
# package-lock.json pins them; the package build below copies the browser's into athena_js.
npm ci --no-audit --no-fund --loglevel=error

python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
# Sage comes only as binary wheels: a missing wheel fails at once instead of compiling for hours.
.venv/bin/pip install -q --only-binary :all: -r dev/sage-requirements.txt
# Not editable: the suite then also proves the installed package (JS served from site-packages,
# the twistd plugin) works.
.venv/bin/pip install -q '.[test,sage]'
exec .venv/bin/python -m pytest "$@"
