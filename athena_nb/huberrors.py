"""The refusals of a worksheet's hub: each message is a sentence for the person who asked.

A module of their own so that the hub's helpers (deletions, splitjoin, textcells, systems,
interacts) raise them without importing the hub, which imports them.
"""

from __future__ import annotations

__all__ = ["BadRequest", "HubClosed", "HubError", "NoSuchCell"]


class HubError(Exception):
    """A request the hub refused; the message is a sentence for the person who asked."""

    @property
    def type(self) -> str:
        return type(self).__name__


class NoSuchCell(HubError):
    pass


class BadRequest(HubError):
    pass


class HubClosed(HubError):
    pass
