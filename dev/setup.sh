#!/usr/bin/env bash
# Installs athena-nb on a fresh Debian machine with Python 3.11, from a clone: npm and bubblewrap
# (the kernels' sandbox) from apt when they are missing (the package build fetches CodeMirror and its other browser modules from the npm
# registry with it: `npm ci --omit=dev`, as package-lock.json pins them), then the project into
# .venv. Only what is missing comes from apt: a machine whose Node.js already brings npm
# (NodeSource's does) cannot also take Debian's npm package. With --sage, Sage too: the
# passagemath wheels that dev/sage-requirements.txt pins (about 3.5 GB installed), binary only,
# so that a missing wheel fails at once instead of compiling for hours.
set -euo pipefail
sage=no
for arg in "$@"; do
    case "$arg" in
        --sage) sage=yes ;;
        *) echo "dev/setup.sh: unknown option $arg (the only one is --sage)" >&2; exit 2 ;;
    esac
done
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
# The kernels' sandbox (docs/security.md); without it the server runs them unsandboxed, warning.
command -v bwrap >/dev/null || missing+=(bubblewrap)
if [ ${#missing[@]} -gt 0 ]; then
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
python3 -m venv .venv
if [ "$sage" = yes ]; then
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q --only-binary :all: -r dev/sage-requirements.txt
    .venv/bin/pip install -q '.[sage]'
else
    .venv/bin/pip install -q .
fi
