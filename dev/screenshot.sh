#!/bin/sh
# Takes docs/screenshot.png anew (the README's picture of a worksheet) in Chromium, through the
# real server: the browser test that checks it, told to keep the picture. Needs the test setup
# (bash dev/test.sh installs it).
set -e
cd "$(dirname "$0")/.."
.venv/bin/pip install -q --no-deps .
ATHENA_NB_UPDATE_SCREENSHOT=1 .venv/bin/python -m pytest -p no:cacheprovider -q \
    tests/browser/test_notebook_screenshot.py
