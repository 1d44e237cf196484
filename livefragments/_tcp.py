"""TCP tuning of the Python client's connections.  Tests: tests/integration/test_client_http.py.

(The server's side needs none: twisted.web's ``HTTPChannel`` turns Nagle's algorithm off on
every connection it serves.)
"""

from __future__ import annotations


def setNoDelay(transport) -> bool:
    """Turn Nagle's algorithm off on ``transport`` (or the TCP transport it wraps).

    Remote calls are small messages answered at once: with Nagle on, a reply written while the
    peer delays its ACK waits ~40 ms.  Returns whether a TCP socket was found and tuned.
    """
    for _ in range(4):  # a TLS or wrapping transport keeps the TCP one in .transport
        if transport is None:
            return False
        tune = getattr(transport, "setTcpNoDelay", None)
        if tune is not None:
            try:
                tune(True)
            except OSError:
                return False  # not a TCP socket (a UNIX socket): nothing to tune
            return True
        transport = getattr(transport, "transport", None)
    return False
