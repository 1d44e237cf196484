"""Waiting on the real reactor in integration tests, bounded and without sleeping it."""

from __future__ import annotations

from twisted.internet import reactor
from twisted.internet.task import deferLater


async def eventually(predicate, what: str, timeout: float = 30.0) -> None:
    """Return once ``predicate()`` holds; fail the test naming ``what`` after ``timeout``."""
    deadline = reactor.seconds() + timeout
    while not predicate():
        if reactor.seconds() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g} s.")
        await deferLater(reactor, 0.02)
