"""``LoginThrottle``: how many wrong tokens and passwords the server hears, per client and in all.
Tests: tests/unit/test_throttle.py.

A wrong guess is answered only after a delay (login.py), but a guesser can send thousands at
once.  The throttle counts the failures of the last ``window`` seconds: past ``perClient`` from
one address, or ``overall`` from everyone (a guesser with many addresses), a login attempt is
refused at once with 429, without even being checked, until the oldest failure leaves the
window.  The owner's own attempts from another address still get through the per-client limit;
only the overall one can keep them out for a while, which is the price of stopping a
distributed guesser against a weak password.
"""

from __future__ import annotations

from collections import deque

#: The failures remembered, per client and in all, and for how long.
WINDOW = 60.0
PER_CLIENT = 10
OVERALL = 100


class LoginThrottle:
    def __init__(self, reactor, *, window: float = WINDOW, perClient: int = PER_CLIENT,
                 overall: int = OVERALL) -> None:
        self.reactor = reactor
        self.window, self.perClient, self.overall = window, perClient, overall
        self._clients: dict[str, deque[float]] = {}
        self._all: deque[float] = deque()

    def wait(self, client: str) -> float:
        """0 if ``client`` may try to log in now, else how many seconds until it may."""
        now = self.reactor.seconds()
        self._forget(now)
        times = self._clients.get(client)
        waits = [0.0]
        if times is not None and len(times) >= self.perClient:
            waits.append(times[len(times) - self.perClient] + self.window - now)
        if len(self._all) >= self.overall:
            waits.append(self._all[len(self._all) - self.overall] + self.window - now)
        return max(waits)

    def failed(self, client: str) -> None:
        """``client`` gave a wrong token or password (or is about to be checked: see
        ``succeeded``)."""
        now = self.reactor.seconds()
        self._clients.setdefault(client, deque()).append(now)
        self._all.append(now)

    def succeeded(self, client: str) -> None:
        """The attempt ``failed`` counted ahead of a slow check (a password is checked in a
        thread, and guesses sent all at once must not all pass ``wait`` meanwhile) was right
        after all: it no longer counts."""
        times = self._clients.get(client)
        if times:
            when = times.pop()
            if not times:
                del self._clients[client]
            try:
                self._all.remove(when)
            except ValueError:
                pass

    def _forget(self, now: float) -> None:
        cutoff = now - self.window
        while self._all and self._all[0] <= cutoff:
            self._all.popleft()
        for client in [c for c, times in self._clients.items() if times[-1] <= cutoff]:
            del self._clients[client]
        for times in self._clients.values():
            while times[0] <= cutoff:
                times.popleft()

    def refusal(self, seconds: float) -> str:
        """The sentence for a client that must wait ``seconds``."""
        return ("Too many wrong tokens or passwords were tried; try again in %d seconds."
                % max(1, round(seconds + 0.5)))
