"""``RpcHost``: the calls the other side makes to this side's widgets, for ``LivePage`` and
``LiveClient``.

Tests: tests/unit/test_rpc.py, tests/unit/test_hub_web.py.

Only ``@expose``d methods run, and only with arguments that fit their signature.  What an
error becomes is decided here, once:

- a ``LiveFragmentsError`` is a refusal meant for the caller and is sent as ``{type,
  message}``; a ``Refused`` one (no such method or widget, bad arguments, not allowed) is the
  caller's mistake and also gets one rate-limited line in the log (``MistakeLog``), as does any
  refusal of a notification, which nobody else hears of;
- anything else is a bug: it is logged once with its traceback under a new error id, and the
  caller gets an ``InternalError`` naming that id.
"""

from __future__ import annotations

import inspect
import secrets

from twisted.internet.defer import Deferred, ensureDeferred, fail, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from ._errors import (
    BadArguments,
    InternalError,
    LiveFragmentsError,
    NoSuchMethod,
    NoSuchWidget,
    ProtocolError,
    Refused,
    errorObject,
)
from ._expose import exposedMethod

log = Logger()


class RpcHost:
    """Runs the other side's ``call`` messages on this side's widgets and answers them.

    ``widget(id)`` finds a widget (None if there is none), ``decode(value)`` reads arguments,
    ``encode(value, widget)`` writes a result, ``send(action, args)`` queues the answer,
    ``isLive()`` says whether answers can still go out, ``mistakes`` logs the peer's mistakes,
    and ``logName`` says where an internal error's id can be looked up ("the server log").
    """

    def __init__(self, widget, decode, encode, send, isLive, mistakes, logName: str,
                 debug: bool = False):
        self._widget = widget
        self._decode = decode
        self._encode = encode
        self._send = send
        self._isLive = isLive
        self.mistakes = mistakes
        self._logName = logName
        self._debug = debug

    def called(self, args) -> None:
        """Run a ``call`` message; ProtocolError, and nothing run, if it is malformed."""
        if not (type(args) is list and len(args) == 5 and (args[0] is None or type(args[0]) is int)):
            raise ProtocolError(
                f"A call must be [callId, widgetId, method, args, kwargs]; got {args!r:.200}.")
        callId, widgetId, method, callArgs, kwargs = args
        widget = self._widget(widgetId) if type(widgetId) is int else None
        try:
            d = self._invoke(widget, widgetId, method, callArgs, kwargs)
        except Exception:
            d = fail()
        if callId is None:
            d.addErrback(self._notificationFailed, widget, widgetId, method)
        else:
            d.addCallbacks(self._answer, self._refuse, callbackArgs=(callId, widget, widgetId, method),
                           errbackArgs=(callId, widget, widgetId, method))

    def _invoke(self, widget, widgetId, method, callArgs, kwargs) -> Deferred:
        if widget is None:
            raise NoSuchWidget(
                f"There is no widget {widgetId!r} here; it was detached or never existed.")
        function = exposedMethod(widget, method)
        if function is None:
            raise NoSuchMethod(
                f"Widget {widgetId} ({type(widget).__name__}) has no exposed method {method!r}.")
        if not (isinstance(callArgs, list) and isinstance(kwargs, dict)):
            raise BadArguments("A call's args must be an array and its kwargs an object.")
        callArgs, kwargs = self._decode(callArgs), self._decode(kwargs)
        try:
            _signature(function).bind(*callArgs, **kwargs)
        except TypeError as e:
            raise BadArguments(f"{type(widget).__name__}.{method}: {e}.")
        result = function(*callArgs, **kwargs)
        if inspect.iscoroutine(result):
            return ensureDeferred(result)
        if isinstance(result, Deferred):
            return result
        return succeed(result)

    def _answer(self, value, callId, widget, widgetId, method) -> None:
        if not self._isLive():
            return  # closed meanwhile: the caller's side already failed this call
        try:
            self._send("respond", [callId, True, self._encode(value, widget)])
        except (TypeError, ValueError) as e:
            where = _where(widget, widgetId, method)
            self._refuse(Failure(TypeError(f"The result of {where} is not JSON: {e}.")),
                         callId, widget, widgetId, method)

    def _refuse(self, failure, callId, widget, widgetId, method) -> None:
        error = self._errorObject(failure, widget, widgetId, method, notification=False)
        if self._isLive():
            self._send("respond", [callId, False, error])

    def _notificationFailed(self, failure, widget, widgetId, method) -> None:
        self._errorObject(failure, widget, widgetId, method, notification=True)

    def _errorObject(self, failure, widget, widgetId, method, notification: bool) -> dict:
        """What the caller is told of ``failure``; logs it as the kind of error it is."""
        error = failure.value
        where = _where(widget, widgetId, method)
        if isinstance(error, LiveFragmentsError):
            if notification or isinstance(error, Refused):
                what = "A notification of" if notification else "A call of"
                self.mistakes(f"{what} {where} was refused: {error.type}: {error.message}")
            return errorObject(error, self._debug)
        errorId = secrets.token_hex(4)
        log.failure("{where} failed on a bug (error id {errorId})", failure,
                    where=where, errorId=errorId)
        internal = errorObject(InternalError(
            f"{where} failed on an internal error (error id {errorId} in {self._logName})."))
        if self._debug:
            internal["traceback"] = failure.getTraceback()
        return internal


def _where(widget, widgetId, method) -> str:
    name = type(widget).__name__ if widget is not None else f"widget {widgetId!r:.20}"
    return f"{name}.{method!s:.60}"


_signatures: dict = {}


def _signature(function) -> inspect.Signature:
    key = function.__func__ if hasattr(function, "__func__") else function
    sig = _signatures.get(key)
    if sig is None:
        sig = _signatures[key] = inspect.signature(function)
    return sig
