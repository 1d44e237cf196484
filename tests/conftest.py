"""Suite-wide rules.

Under CI=true nothing may be skipped: a skip there means a browser, node or Sage that the
README's test command was supposed to install is missing, and that must fail loudly.

Tests marked ``@pytest.mark.sage`` skip where ``import sage.all`` fails (under CI=true that
is a failure too: the Sage extra is installed on purpose).

Tests never assert on wall-clock time, Hypothesis's per-example deadline and its too-slow check
included: on a busy machine one example may take 500 ms, and that says nothing about the code.
"""

import functools
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, settings

from tests.support.stores import ManualStore

settings.register_profile("athena-nb", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("athena-nb")


@functools.cache
def sageImportError():
    """None if ``import sage.all`` works in this interpreter, else why not."""
    try:
        done = subprocess.run([sys.executable, "-c", "import sage.all"], capture_output=True,
                              text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        return str(e)
    if done.returncode == 0:
        return None
    return (done.stderr.strip().splitlines() or ["exit status %d" % done.returncode])[-1]


def pytest_runtest_setup(item):
    if item.get_closest_marker("sage") is None:
        return
    error = sageImportError()
    if error is None:
        return
    message = "Sage is not importable by %s (%s)." % (sys.executable, error)
    if os.environ.get("CI") == "true":
        pytest.fail("Under CI=true Sage tests must run, not skip: " + message, pytrace=False)
    pytest.skip(message)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"Skipped under CI=true, which counts as a failure: {reason}"


@pytest.fixture
def db():
    """A real store on a Clock whose calls commit when the test runs them (ManualStore)."""
    return ManualStore()
