"""``jsRoot()``: where the browser modules (the top-level ``js/`` tree) are.  Tests: tests/unit/test_modules.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def jsRoot() -> Path:
    """The ``js/`` tree: beside the packages in a checkout, else the installed ``athena_js``."""
    checkout = Path(__file__).resolve().parent.parent / "js"
    if (checkout / "livefragments").is_dir():
        return checkout
    spec = importlib.util.find_spec("athena_js")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The browser modules (package athena_js) are not installed.")
    return Path(list(spec.submodule_search_locations)[0])
