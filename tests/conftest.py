"""Suite-wide rules.

Under CI=true nothing may be skipped: a skip there means a browser, node or Sage that the
README's test command was supposed to install is missing, and that must fail loudly.

Tests never assert on wall-clock time, Hypothesis's per-example deadline and its too-slow check
included: on a busy machine one example may take 500 ms, and that says nothing about the code.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.support.stores import ManualStore

settings.register_profile("athena-nb", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("athena-nb")


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
