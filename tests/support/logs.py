"""Capturing what code logs through twisted.logger, for tests that check the log."""

from __future__ import annotations

from contextlib import contextmanager

from twisted.logger import globalLogPublisher


@contextmanager
def capturedLog(*namespaces: str):
    """The events logged meanwhile from loggers under ``namespaces``, in a list."""

    def observe(event):
        if event.get("log_namespace", "").startswith(namespaces):
            events.append(event)

    events: list = []
    globalLogPublisher.addObserver(observe)
    try:
        yield events
    finally:
        globalLogPublisher.removeObserver(observe)
