"""``Rpc``: one side's calls to the other side of a page, for ``LivePage`` and ``LiveClient``.

Tests: tests/unit/test_rpc.py, tests/unit/test_client.py.

It numbers the calls, keeps the Deferreds that wait for their ``respond``, checks each answer's
shape, and fails every pending call when the page is lost.  A keyed call still waiting to be
sent may be replaced by a newer one with the same key (``Channel.enqueue``): the newer message
keeps the waiting call's id, so its one answer fires the Deferreds of both callers.  The calls
coming the other way are ``RpcHost``'s (js/livefragments/rpc.js is the browser's twin of both).
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
    ``decode(value)`` reads an answer's value, and ``waitingArgs(key)`` is the args of the
    message with ``key`` that waits unsent, or None.
    """

    def __init__(self, send, encode, decode, waitingArgs):
        self._send = send
        self._encode = encode
        self._decode = decode
        self._waitingArgs = waitingArgs
        self._pending: dict[int, list[Deferred]] = {}
        self._nextCallId = 0
        self._lost: str | None = None  # why the page is lost, once it is

    @property
    def pendingCount(self) -> int:
        """How many of our calls wait for an answer."""
        return len(self._pending)

    def call(self, widgetId: int, method: str, args: list, kwargs: dict | None = None,
             key=None, parent=None) -> Deferred:
        """Call ``method`` of widget ``widgetId`` on the other side; fires with its answer."""
        if self._lost is not None:
            return fail(ConnectionLost(f"{self._lost}; {method!r} was not sent."))
        callId = self._awaitedCall(key)  # a replaced call answers for both callers
        replacing = callId is not None
        if not replacing:
            callId = self._nextCallId
        try:
            self._enqueue(callId, widgetId, method, args, kwargs, key, parent)
        except (TypeError, ValueError) as e:  # nothing was queued or replaced
            return fail(TypeError(f"The arguments of {method!r} are not JSON: {e}."))
        if self._lost is not None:  # queueing it overflowed the queue and lost the page
            return fail(ConnectionLost(f"{self._lost}; {method!r} was not sent."))
        d = Deferred()
        if replacing:
            self._pending[callId].append(d)
        else:
            self._nextCallId += 1
            self._pending[callId] = [d]
        return d

    def notify(self, widgetId: int, method: str, args: list, key=None, parent=None) -> bool:
        """A call nobody answers (``callId`` null); False if the page is lost.  TypeError or
        ValueError if an argument is not JSON."""
        if self._lost is not None:
            return False
        # It may replace a call whose caller still wants an answer: it keeps that call's id.
        self._enqueue(self._awaitedCall(key), widgetId, method, args, None, key, parent)
        return True

    def _awaitedCall(self, key) -> int | None:
        """The id of the waiting call with ``key`` that a caller awaits, or None."""
        if key is None:
            return None
        waiting = self._waitingArgs(key)
        if waiting is not None and waiting[0] in self._pending:
            return waiting[0]
        return None

    def _enqueue(self, callId, widgetId, method, args, kwargs, key, parent) -> None:
        # Each argument is encoded on its own so that a Shared one is spliced in as it is.
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
        self._send("call", [callId, widgetId, method, wire, kw], key, encoded)

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
        waiters = self._pending.pop(callId)
        if ok:
            try:
                outcome = self._decode(value)
            except LiveFragmentsError as e:
                outcome, ok = e, False
        for d in waiters:
            d.callback(outcome) if ok else d.errback(outcome)
        if isinstance(outcome, ProtocolError):
            raise outcome

    def failAll(self, reason: Exception) -> None:
        """The page is lost: fail every pending call with ConnectionLost, and refuse later ones."""
        if self._lost is None:
            self._lost = f"The page ended ({reason})"
        pending, self._pending = self._pending, {}
        lost = ConnectionLost(f"The page ended before the answer arrived: {reason}")
        for waiters in pending.values():
            for d in waiters:
                d.errback(lost)
