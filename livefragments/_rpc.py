"""``Rpc``: one side's calls to the other side of a page, for ``LivePage`` and ``LiveClient``.

Tests: tests/unit/test_rpc.py, tests/unit/test_client.py.

It numbers the calls, keeps the Deferreds that wait for their ``respond``, checks each answer's
shape, and fails every pending call when the page is lost.  The calls coming the other way are
``RpcHost``'s (js/livefragments/rpc.js is the browser's twin of both).
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, fail

from ._codec import Shared
from ._errors import ConnectionLost, LiveFragmentsError, ProtocolError, errorFromObject
from ._json import dumpb


class Rpc:
    """Our calls to the other side of one page.

    ``send(action, args, key, encoded)`` queues a message, ``encode(value, parent)`` gives the
    wire form of an argument (``parent`` is the caller's widget, for widgets made on the way),
    and ``decode(value)`` reads an answer's value.
    """

    def __init__(self, send, encode, decode):
        self._send = send
        self._encode = encode
        self._decode = decode
        self._pending: dict[int, Deferred] = {}
        self._nextCallId = 0
        self._lost: str | None = None  # why the page is lost, once it is

    @property
    def pendingCount(self) -> int:
        """How many of our calls wait for an answer."""
        return len(self._pending)

    def call(self, widgetId: int, method: str, args: list, kwargs: dict | None = None,
             parent=None) -> Deferred:
        """Call ``method`` of widget ``widgetId`` on the other side; fires with its answer."""
        if self._lost is not None:
            return fail(ConnectionLost(f"{self._lost}; {method!r} was not sent."))
        callId = self._nextCallId
        try:
            action, wire, encoded = self.message(callId, widgetId, method, args, kwargs, parent)
        except (TypeError, ValueError) as e:  # nothing was queued
            return fail(TypeError(f"The arguments of {method!r} are not JSON: {e}."))
        self._nextCallId += 1
        d = self._pending[callId] = Deferred()
        self._send(action, wire, None, encoded)  # if it overflows the queue, failAll fails d
        return d

    def notify(self, widgetId: int, method: str, args: list, parent=None) -> bool:
        """A call nobody answers (``callId`` null); False if the page is lost.  TypeError or
        ValueError if an argument is not JSON."""
        if self._lost is not None:
            return False
        action, wire, encoded = self.message(None, widgetId, method, args, None, parent)
        self._send(action, wire, None, encoded)
        return True

    def message(self, callId: int | None, widgetId: int, method: str, args: list,
                kwargs: dict | None = None, parent=None) -> tuple[str, list, bytes]:
        """The ``call`` message ``(action, args, encoded)``, unsent.  Each argument is encoded
        on its own so that a Shared one is spliced in as it is."""
        wire, parts = [], []
        for arg in args:
            if type(arg) is Shared:
                wire.append(arg.wire)
                parts.append(arg.encoded)
            else:
                value = self._encode(arg, parent)
                wire.append(value)
                parts.append(dumpb(value))
        kw = self._encode(kwargs, parent) if kwargs else {}
        encoded = b'["call",[%s,%d,%s,[%s],%s]]' % (
            b"null" if callId is None else b"%d" % callId, widgetId, dumpb(method),
            b",".join(parts), dumpb(kw) if kw else b"{}")
        return "call", [callId, widgetId, method, wire, kw], encoded

    def answered(self, args) -> None:
        """Settle the call that a ``respond`` message answers.

        ProtocolError (and nothing settled) if the message is malformed or answers no pending
        call; a value that names a widget or tag this side does not know fails the call.
        """
        if not (type(args) is list and len(args) == 3 and type(args[0]) is int
                and type(args[1]) is bool):
            raise ProtocolError(f"A respond must be [callId, ok, value]; got {args!r:.200}.")
        callId, ok, value = args
        if callId not in self._pending:
            raise ProtocolError(f"The other side answered call {callId}, which is not pending.")
        outcome = None if ok else errorFromObject(value)  # ProtocolError if malformed
        d = self._pending.pop(callId)
        if ok:
            try:
                outcome = self._decode(value)
            except LiveFragmentsError as e:
                outcome, ok = e, False
        d.callback(outcome) if ok else d.errback(outcome)
        if isinstance(outcome, ProtocolError):
            raise outcome

    def failAll(self, reason: Exception) -> None:
        """The page is lost: fail every pending call with ConnectionLost, and refuse later ones."""
        if self._lost is None:
            self._lost = f"The page ended ({reason})"
        pending, self._pending = self._pending, {}
        lost = ConnectionLost(f"The page ended before the answer arrived: {reason}")
        for d in pending.values():
            d.errback(lost)
