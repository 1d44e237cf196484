"""Capturing what code logs through twisted.logger, for tests that check the log."""

from __future__ import annotations

from contextlib import contextmanager

from twisted.logger import globalLogPublisher


@contextmanager
def capturedLogs(*namespaces: str):
    """The events logged inside the ``with`` block (only from loggers under ``namespaces``,
    if any are given), in a list."""

    def observe(event):
        if not namespaces or event.get("log_namespace", "").startswith(namespaces):
            events.append(event)

    events: list = []
    globalLogPublisher.addObserver(observe)
    try:
        yield events
    finally:
        globalLogPublisher.removeObserver(observe)


def failures(events) -> list:
    """The failures among ``events`` (``log.failure`` and unhandled errors)."""
    return [event["log_failure"] for event in events if event.get("log_failure")]
