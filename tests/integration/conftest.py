"""Fixtures for integration tests: real kernels (tests/integration/test_kernel*.py).

Sage tests are marked ``@pytest.mark.sage``. They skip where ``import sage.all`` fails, except
under CI=true, where the Sage extra is installed on purpose and a skip would hide a broken
install: there the missing Sage is a failure.
"""

import functools
import os
import subprocess
import sys

import pytest
import pytest_twisted
from twisted.internet import reactor

from athena_nb.kernel import Kernel, KernelLimits


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


def sandboxOrSkip(isolation):
    """Skip a test that needs the sandbox where bubblewrap cannot make one, saying why; under
    CI=true (dev/test.sh installs bubblewrap) that is a failure, so a skip never hides it."""
    if isolation.sandbox is not None:
        return
    message = "The kernel sandbox is not available here: " + isolation.sandboxText + "."
    if os.environ.get("CI") == "true":
        pytest.fail("Under CI=true the sandbox tests must run, not skip: " + message,
                    pytrace=False)
    pytest.skip(message)


@pytest.fixture
def makeSandboxed(tmp_path):
    """Start sandboxed kernels, each in ``<tmp_path>/data/worksheets/wsN`` with
    ``<tmp_path>/data`` as the server's data directory; all are shut down afterwards.
    ``network`` picks the option, ``system`` python or sage; other keywords are
    KernelLimits."""
    from athena_nb.kernel.isolation import Isolation
    from athena_nb.kernel.process import WORKER_PATH

    kernels = []
    data = tmp_path / "data"
    (data / "worksheets").mkdir(parents=True)

    async def make(network=False, system="python", **limits):
        isolation = Isolation.find(network=network, python=sys.executable,
                                   workerDir=os.path.dirname(WORKER_PATH), secrets=[str(data)])
        sandboxOrSkip(isolation)
        cwd = data / "worksheets" / ("ws%d" % len(kernels))
        cwd.mkdir()
        kernel = Kernel(reactor, system=system, cwd=str(cwd), limits=KernelLimits(**limits),
                        isolation=isolation)
        kernels.append(kernel)
        await withTimeout(kernel.start(), 120)
        return kernel

    make.data = data
    yield make
    for kernel in kernels:
        pytest_twisted.blockon(withTimeout(kernel.shutdown(), 60))


@pytest.fixture
def makeKernel(tmp_path):
    """Start kernels in ``tmp_path`` (one subdirectory each), with no isolation unless given
    one; all are shut down afterwards."""
    kernels = []

    async def make(system="python", isolation=None, **limits):
        cwd = tmp_path / ("ws%d" % len(kernels))
        cwd.mkdir()
        kernel = Kernel(reactor, system=system, cwd=str(cwd), limits=KernelLimits(**limits),
                        isolation=isolation)
        kernels.append(kernel)
        await withTimeout(kernel.start(), 120)
        return kernel

    yield make
    for kernel in kernels:
        pytest_twisted.blockon(withTimeout(kernel.shutdown(), 60))


def withTimeout(d, seconds=60):
    """A test waits at most ``seconds`` on a Deferred: a hang fails instead of stalling CI."""
    return d.addTimeout(seconds, reactor)


async def _run(kernel, code, timeout=60):
    """Run ``code``; return (ExecuteResult, events)."""
    events = []
    result = await withTimeout(kernel.execute(code, events.append).deferred, timeout)
    return result, events


def text(events, name="stdout"):
    return "".join(e["text"] for e in events if e["type"] == "stream" and e["name"] == name)


def results(events):
    return [e["data"]["text/plain"] for e in events if e["type"] == "result"]


class KernelTools:
    """Helpers handed to tests by the ``kt`` fixture."""

    run = staticmethod(_run)
    text = staticmethod(text)
    results = staticmethod(results)
    withTimeout = staticmethod(withTimeout)


@pytest.fixture
def kt():
    return KernelTools
