"""Fixtures for integration tests: real kernels (tests/integration/test_kernel*.py).

Sage tests are marked ``@pytest.mark.sage`` (the rule is in tests/conftest.py).
"""

import os
import sys

import pytest
import pytest_twisted
from twisted.internet import reactor

from athena_nb.kernel import Kernel, KernelLimits


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


async def _run(kernel, code, timeout=60, fields=None):
    """Run ``code`` (with the request's ``fields``, as the runner sends them); return
    (ExecuteResult, events)."""
    events = []
    result = await withTimeout(kernel.execute(code, events.append, fields=fields).deferred,
                               timeout)
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
