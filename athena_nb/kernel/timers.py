"""Named one-shot timers on a reactor, as a Kernel keeps them (tests: tests/unit/test_kernel_kernel.py).

A Kernel has a few deadlines at a time (its worker's start, a cell's wall clock, an interrupt's
grace, a kill after a polite stop, an idle cull), each known by name: scheduling a name again
replaces its call, and a worker's exit cancels them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.base import DelayedCall


class NamedTimers:
    """At most one pending call per name; ``reactor`` needs ``callLater``."""

    def __init__(self, reactor: Any) -> None:
        self._reactor = reactor
        self._calls: dict[str, DelayedCall] = {}

    def schedule(self, name: str, delay: float, function: Callable[..., object],
                 *args: object) -> None:
        """Call ``function(*args)`` after ``delay`` seconds, instead of what ``name`` had."""
        self.cancel(name)
        self._calls[name] = self._reactor.callLater(delay, self._fire, name, function, args)

    def _fire(self, name: str, function: Callable[..., object], args: tuple[object, ...]) -> None:
        self._calls.pop(name, None)
        function(*args)

    def cancel(self, name: str) -> None:
        call = self._calls.pop(name, None)
        if call is not None and call.active():
            call.cancel()

    def cancelAll(self) -> None:
        for name in list(self._calls):
            self.cancel(name)

    def __contains__(self, name: str) -> bool:
        """Whether ``name`` is pending."""
        return name in self._calls
