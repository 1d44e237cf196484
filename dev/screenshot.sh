#!/bin/sh
# Takes the pictures in docs/ anew in Chromium, through the real server: each is taken by the
# browser test that checks it (tests/browser/test_*_screenshot.py), told to keep the picture:
# screenshot.png (the README's worksheet), interact.png, cellmodes.png, queue.png,
# typesetting.png, help.png (in test_help.py). Needs the test setup (bash dev/test.sh
# installs it). Pass a test file to take one picture only.
set -e
cd "$(dirname "$0")/.."
.venv/bin/pip install -q --no-deps .
if [ $# -eq 0 ]; then set -- tests/browser/test_*_screenshot.py tests/browser/test_help.py; fi
ATHENA_NB_UPDATE_SCREENSHOT=1 .venv/bin/python -m pytest -p no:cacheprovider -q "$@"
