"""Errors that cross the wire as ``{type, message}`` objects.  Tests: tests/unit/test_rpc.py.

A ``LiveFragmentsError`` raised by an exposed method is a refusal meant for the caller: its type
and message are sent as they are.  Any other exception is a bug: the caller is sent an
``InternalError`` naming an error id that the log has with the traceback (see _rpchost.py).
"""

from __future__ import annotations

import traceback as _traceback


class LiveFragmentsError(Exception):
    """Base of every error the framework itself raises; its wire type is its class name."""

    @property
    def type(self) -> str:
        return type(self).__name__

    @property
    def message(self) -> str:
        return str(self)


class ProtocolError(LiveFragmentsError):
    """The peer broke the wire protocol (malformed envelope, impossible ack, ...)."""


class QueueOverflow(LiveFragmentsError):
    """The outbound queue of a page grew past its limit."""


class MessageTooLarge(LiveFragmentsError):
    """A request body or frame was larger than ``maxMessageBytes``."""


class ConnectionLost(LiveFragmentsError):
    """The page closed or expired before an answer arrived."""


class Refused(LiveFragmentsError):
    """The caller's mistake: the call was refused before anything changed.

    The other side should never send it, so each is logged in one line, rate-limited per page
    (a client sending thousands must not flood the log); subclass it for an application's own
    refusals of this kind (e.g. a read-only viewer asking for a change).
    """


class NoSuchMethod(Refused):
    """The called method does not exist or is not exposed; nothing was run."""


class NoSuchWidget(Refused):
    """The called widget id is unknown on the receiving side."""


class BadArguments(Refused):
    """The arguments do not fit the method (its signature, or its own checks); nothing was run."""


class InternalError(LiveFragmentsError):
    """What the caller is told of a bug in the called method: the log has the rest."""


class Closed(LiveFragmentsError):
    """An ordinary close: tab closed, server shutting down, access revoked."""


class AccessEnded(Closed):
    """The page's access ended (its session was ended, the link it came by was revoked):
    reloading it would not bring it back, so the page says why and offers no Reload."""


class RemoteError(LiveFragmentsError):
    """An error the other side reported in a ``respond``; ``type`` is the remote type name."""

    def __init__(self, type: str, message: str, traceback: str | None = None):
        super().__init__(message)
        self._type = type
        self.traceback = traceback

    @property
    def type(self) -> str:
        return self._type

    def __repr__(self) -> str:
        return f"RemoteError({self._type!r}, {self.message!r})"


def errorObject(exc: BaseException, debug: bool = False) -> dict:
    """The wire form ``{type, message[, traceback]}`` of an exception."""
    # A LiveFragmentsError names its wire type (a RemoteError, the remote one).
    obj = {"type": getattr(exc, "type", None) or type(exc).__name__, "message": str(exc)}
    if debug:
        obj["traceback"] = "".join(_traceback.format_exception(exc))
    return obj


def errorFromObject(obj: object) -> RemoteError:
    """Turn a wire error object into a ``RemoteError``; a malformed one is a ProtocolError."""
    if not (isinstance(obj, dict) and isinstance(obj.get("type"), str)
            and isinstance(obj.get("message"), str)):
        raise ProtocolError(f"An error object must have string 'type' and 'message'; got {obj!r}.")
    tb = obj.get("traceback")
    return RemoteError(obj["type"], obj["message"], tb if isinstance(tb, str) else None)
