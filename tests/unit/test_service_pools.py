"""The server's kernel pools as the options and the installed Sage make them
(athena_nb.service._notebook, ``NotebookService._makePool``): a pool of the server's system, and
beside a Python one a pool of Sage kernels when Sage is installed."""

from __future__ import annotations

import pytest
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import formatEvent, globalLogPublisher

from athena_nb.options import Options
from athena_nb.service import NotebookService, _notebook


def makePools(tmp_path, monkeypatch, sage, *argv):
    monkeypatch.setattr(_notebook, "sageAvailable", lambda python: sage)
    options = Options(environ={})
    # Size 0 everywhere unless a test asks: nothing is spawned.
    options.parseOptions(["--data-dir", str(tmp_path), "--kernel-sandbox", "off",
                          "--pool-size", "0", *argv])
    logged = []

    def observer(event):
        logged.append(event)

    globalLogPublisher.addObserver(observer)
    try:
        service = NotebookService(options, reactor=MemoryReactorClock())
        kernels = service._makePool()
    finally:
        globalLogPublisher.removeObserver(observer)
    kernels.shutdown()
    texts = [formatEvent(e) for e in logged]
    return kernels, texts


def sizes(kernels):
    return {system: pool.size for system, pool in kernels.pools.items()}


@pytest.mark.parametrize("sage, argv, expected", [
    (True, [], {"python": 0, "sage": 1}),  # Sage installed: one Sage kernel by default
    (True, ["--sage-pool-size", "0"], {"python": 0, "sage": 0}),  # cold, but still Sage
    (False, [], {"python": 0}),  # no Sage: Sage worksheets get the Python kernel
    (None, [], {"python": 0}),  # another interpreter: only when asked for
    (None, ["--sage-pool-size", "0"], {"python": 0, "sage": 0}),
    (True, ["--system", "sage", "--sage-pool-size", "0"], {"sage": 0}),  # one pool of Sage
])
def test_the_pools_follow_the_options_and_sage(tmp_path, monkeypatch, sage, argv, expected):
    kernels, _ = makePools(tmp_path, monkeypatch, sage, *argv)
    assert sizes(kernels) == expected
    assert kernels.system == ("sage" if "--system" in argv else "python")
    assert kernels.kernelSystem("gp") == ("sage" if "sage" in expected else "python")


def test_asking_for_sage_kernels_without_sage_warns(tmp_path, monkeypatch):
    kernels, texts = makePools(tmp_path, monkeypatch, False, "--sage-pool-size", "2")
    assert sizes(kernels) == {"python": 0}
    assert any("--sage-pool-size 2: Sage is not installed" in t for t in texts), texts


def test_the_start_message_says_the_pools_sizes(tmp_path, monkeypatch):
    _, texts = makePools(tmp_path, monkeypatch, True, "--sage-pool-size", "0")
    assert any(t.startswith("Kernel pools: 0 python kernel(s), 0 sage kernel(s) kept started")
               for t in texts), texts


def test_sage_pool_size_with_a_sage_server_is_ignored_with_a_warning(tmp_path, monkeypatch):
    kernels, texts = makePools(tmp_path, monkeypatch, True, "--system", "sage",
                               "--sage-pool-size", "3")
    assert sizes(kernels) == {"sage": 0}
    assert any(t.startswith("--sage-pool-size is ignored with --system sage") for t in texts)
