"""Capturing what the code under test logs."""

from __future__ import annotations

from contextlib import contextmanager

from twisted.logger import globalLogPublisher


@contextmanager
def capturedLogs():
    """The events logged inside the ``with`` block, as a list."""
    events: list = []
    globalLogPublisher.addObserver(events.append)
    try:
        yield events
    finally:
        globalLogPublisher.removeObserver(events.append)


def failures(events) -> list:
    """The failures among ``events`` (``log.failure`` and unhandled errors)."""
    return [event["log_failure"] for event in events if event.get("log_failure")]
