"""A cheap check whether Sage is installed (tests: tests/unit/test_kernel_limits.py).

For the server's own interpreter it finds ``sage.all`` without importing it (the
import takes about a second). Whether it really imports shows when a Sage kernel starts: a
failed import fails ``Kernel.start()`` with the worker's message.
"""

import importlib.util
import sys


def sageAvailable(python: str | None = None) -> bool | None:
    """True if ``sage.all`` can be found by the server's interpreter; None for another
    interpreter, which only a started kernel can tell."""
    if python not in (None, sys.executable):
        return None
    try:
        return importlib.util.find_spec("sage.all") is not None
    except (ImportError, ValueError):
        return False
