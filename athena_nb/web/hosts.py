"""``HostCheck``: the host names the server answers to.  Tests: tests/unit/test_hosts.py.

A page on any web site can point a name of its own at 127.0.0.1 (DNS rebinding) and then talk
to a notebook on this machine as if it were that site: same origin, so the browser lets it read
the answers, and it could guess passwords at /login.  What gives it away is the Host header,
which carries the attacker's name.  So a server listening on a loopback address answers only
to loopback names (``localhost``, ``127.0.0.1``, ``[::1]``) and the names given with
``--allow-host``; every other request gets a 403 saying which option would let it in.

A server listening on every interface (``0.0.0.0``) or on an endpoint we cannot read an address
from is reached by names we cannot guess: it checks the Host header only against the names
given with ``--allow-host``, if any (``--allow-host '*'`` turns the check off everywhere).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

LOCAL_NAMES = frozenset(("localhost", "127.0.0.1", "::1"))


class HostCheck:
    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(_normal(n) for n in names)

    @classmethod
    def forServer(cls, interface: str | None, allowed: Iterable[str]) -> HostCheck | None:
        """The check for a server listening on ``interface`` (None: an endpoint whose address
        we do not know) with ``--allow-host`` names ``allowed``; None for no check."""
        allowed = list(allowed)
        if "*" in allowed:
            return None
        if interface is not None and _isLoopback(interface):
            return cls([*LOCAL_NAMES, interface, *allowed])
        return cls([*LOCAL_NAMES, *allowed]) if allowed else None

    def allows(self, host: bytes | None) -> bool:
        """Is ``host`` (a Host header: name or address, maybe with a port) one of ours? A
        request without one (HTTP/1.0, not a browser) is let through."""
        if host is None:
            return True
        return _normal(_withoutPort(host.decode("latin-1"))) in self.names

    def refusal(self, host: bytes | None) -> str:
        name = _withoutPort((host or b"").decode("latin-1"))[:200]
        return (f"This server does not answer to the name {name!r}. If that is how you reach "
                f"it, start it with --allow-host {name}.")


def _withoutPort(host: str) -> str:
    host = host.strip()
    if host.startswith("["):  # [v6 address] or [v6 address]:port
        return host[1:host.find("]")] if "]" in host else ""  # "" is nobody's name
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host


def _normal(name: str) -> str:
    return name.strip().strip("[]").rstrip(".").lower()


def _isLoopback(interface: str) -> bool:
    if interface.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(interface.strip("[]")).is_loopback
    except ValueError:
        return False
