"""``offReactor``: a blocking function run in the reactor's thread pool, so that the reactor
goes on answering meanwhile (file-system walks, archives, help rendered from a docstring).

On a reactor without a thread pool (a test's ``Clock``) the function runs at once, which keeps
unit tests deterministic.  Tests: every caller's (tests/unit/test_filesquota.py,
tests/unit/test_download*.py, tests/unit/test_hub_web_help.py).
"""

from __future__ import annotations

from twisted.internet import threads
from twisted.internet.defer import Deferred, maybeDeferred


def offReactor(reactor, function, *args) -> Deferred:
    """``function(*args)`` in the reactor's thread pool; at once where there is none (a
    test's Clock)."""
    pool = getattr(reactor, "getThreadPool", None)
    if pool is None:
        return maybeDeferred(function, *args)
    return threads.deferToThreadPool(reactor, pool(), function, *args)
