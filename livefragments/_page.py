"""``LivePage``: widget 0 of one browser tab, its widgets and its remote calls.

Tests: tests/unit/test_rpc.py, tests/unit/test_longpoll.py.

The page owns the message ``Channel`` and the calls in flight both ways (``rpc``, its calls to
the client, and ``rpcHost``, the client's calls to it).  Transports (long-poll, WebSocket) feed
it envelopes with ``receive`` and ask it for envelopes with ``channel``; the page never touches
HTTP.
"""

from __future__ import annotations

import enum

from twisted.logger import Logger

from ._channel import Channel
from ._codec import decode, encode
from ._errors import (
    BadArguments,
    Closed,
    LiveFragmentsError,
    NoSuchWidget,
    ProtocolError,
    QueueOverflow,
    errorFromObject,
    errorObject,
)
from ._expose import expose
from ._flush import Flusher
from ._fragment import LiveFragment
from ._mistakes import MistakeLog
from ._rpc import Rpc
from ._rpchost import RpcHost
from ._settings import Settings

log = Logger()


class PageState(enum.Enum):
    NEW = "new"  # rendered, no transport request yet
    CONNECTED = "connected"  # the client has spoken at least once
    CLOSING = "closing"  # closed for the application; the transport still delivers the close
    GONE = "gone"  # freed; its id answers 404

    def canBecome(self, other: PageState) -> bool:
        return other in _TRANSITIONS[self]


_TRANSITIONS = {
    PageState.NEW: {PageState.CONNECTED, PageState.CLOSING, PageState.GONE},
    PageState.CONNECTED: {PageState.CLOSING, PageState.GONE},
    PageState.CLOSING: {PageState.GONE},
    PageState.GONE: set(),
}


class LivePage(LiveFragment):
    """Widget 0: one live page instance, rendered fresh for every GET.

    Subclass it, give it children (``addChild``) and a ``title``; a ``LivePageResource`` renders
    it and connects its transports.
    """

    jsClass = "livefragments/widget.js:Page"
    tagName = "body"
    title = "Live page"
    #: Stylesheets under the module root, e.g. ("athena_nb/notebook.css",).
    stylesheets: tuple[str, ...] = ()
    #: The address of the page's icon (None: no icon, and the browser asks for /favicon.ico).
    icon: str | None = None
    lang = "en"

    def __init__(self):
        super().__init__()
        self.page = self
        self.id = 0
        self.state = PageState.NEW
        self.clientId: str | None = None
        self.csrf: str | None = None
        self.sessionId: str | None = None
        self.reactor = None
        self.settings = Settings()
        self.moduleRoot = "/"
        self.channel = Channel()
        self.closeReason: LiveFragmentsError | None = None
        self.aborted = False  # closed with its queue discarded; told why out of band
        #: Set by whoever frees the page when it is gone (the registry).
        self.onGone = None
        self.transport = None  # the active transport; it flushes the channel
        self._widgets: dict[int, LiveFragment] = {0: self}
        self._nextWidgetId = 1
        #: Our calls to the client, and the client's calls to us (made by ``start``).
        self.rpc = Rpc(self._send, self._encode, self._decode,
                       lambda key: self.channel.waitingArgs(key))
        self.rpcHost: RpcHost | None = None
        #: The client's mistakes, logged rate-limited (made by ``start``).
        self.mistakes: MistakeLog | None = None
        self._flusher: Flusher | None = None
        self._preparing: dict = {}  # callables that queue messages when the page next sends
        #: When the client last sent a message (reactor seconds), or None.
        self.lastHeard: float | None = None

    def start(self, reactor, settings: Settings, clientId: str, csrf: str, sessionId: str,
              moduleRoot: str, flusher: Flusher | None = None) -> None:
        """Bind the page to its client; called once by the resource before rendering.

        ``flusher`` is shared by the pages of one resource (one of its own if None)."""
        self.reactor, self.settings = reactor, settings
        if flusher is None:
            flusher = Flusher(reactor, settings.flushBatch, settings.watchPace)
        self._flusher = flusher
        self.clientId, self.csrf, self.sessionId = clientId, csrf, sessionId
        self.moduleRoot = moduleRoot
        self.mistakes = MistakeLog(reactor, f"Page {clientId}")
        self.rpcHost = RpcHost(self._widgets.get, self._decode,
                               lambda value, widget: self._encode(value, widget or self),
                               self._send, lambda: self.isLive, self.mistakes,
                               "the server log", settings.debug)
        self.channel = Channel(settings.maxHeldMessages, settings.maxOutboundMessages,
                               settings.maxOutboundBytes)
        for child in list(self.children):
            self._attach(child)

    def _setState(self, new: PageState) -> None:
        if not self.state.canBecome(new):
            raise RuntimeError(f"A page cannot go from {self.state.value} to {new.value}.")
        self.state = new

    @property
    def isLive(self) -> bool:
        state = self.state  # identity tests: this runs for every message of every page
        return state is PageState.NEW or state is PageState.CONNECTED

    # -- widgets ---------------------------------------------------------------------------

    def getWidget(self, widgetId: int) -> LiveFragment | None:
        return self._widgets.get(widgetId)

    def _attach(self, fragment: LiveFragment) -> None:
        if fragment.page is not None and fragment.page is not self:
            raise ValueError(f"{fragment!r} already belongs to another page.")
        if fragment.page is None:
            fragment.page = self
            fragment.id = self._nextWidgetId
            self._nextWidgetId += 1
            self._widgets[fragment.id] = fragment
            if self.state is PageState.CONNECTED:
                fragment.connectionMade()
        for child in list(fragment.children):
            self._attach(child)

    def _subtree(self, fragment: LiveFragment) -> list[LiveFragment]:
        # Walk copies of the child lists: detaching while iterating skipped every other
        # child in Athena (nevow #12).
        out, stack = [], [fragment]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(list(node.children)))
        return out

    def _detach(self, fragment: LiveFragment, tellClient: bool) -> None:
        if fragment is self:
            raise ValueError("The page itself cannot be detached; close it instead.")
        tellClient = tellClient and fragment._described and self.isLive
        if fragment.parent is not None and fragment in fragment.parent.children:
            fragment.parent.children.remove(fragment)
        for node in self._subtree(fragment):
            self._widgets.pop(node.id, None)
            node.detached()
            node.page = None
            node._described = False
        fragment.parent = None
        if tellClient:
            self._send("call", [None, 0, "detachWidget", [fragment.id], {}])

    @expose
    def detachWidget(self, widgetId: int) -> None:
        """The client detached widget ``widgetId``.

        Detaching a widget that is already gone is a no-op: both sides may detach at once.
        """
        if widgetId == 0:
            raise BadArguments("The page itself cannot be detached; close it instead.")
        fragment = self._widgets.get(widgetId)
        if fragment is not None:
            self._detach(fragment, tellClient=False)

    # -- values across the wire ------------------------------------------------------------

    def _encode(self, value, parent: LiveFragment):
        return encode(value, lambda v: self.describe(v, parent) if isinstance(v, LiveFragment) else None)

    def describe(self, fragment: LiveFragment, parent: LiveFragment | None = None) -> dict:
        """The tagged description of a widget (protocol.md section 6); a ref if already sent."""
        if fragment.page is self and fragment._described:
            return {"__lf__": "ref", "id": fragment.id}
        if fragment.page is None:
            (parent or self).addChild(fragment)
        if fragment.page is not self:
            raise ValueError(f"{fragment!r} belongs to another page.")
        description = self._description(fragment)
        description["markup"] = fragment.markup()
        nodes = self._subtree(fragment)
        description["modules"] = sorted({self.moduleURL(n.jsClass) for n in nodes})
        description["children"] = [self._description(n) for n in nodes[1:]]
        for node in nodes:
            node._described = True
        return description

    def _description(self, fragment: LiveFragment) -> dict:
        return {
            "__lf__": "widget",
            "id": fragment.id,
            "parent": None if fragment.parent is None else fragment.parent.id,
            "jsClass": fragment.jsClass,
            "args": self._encode(fragment.getInitialArguments(), fragment),
        }

    def bootWidgets(self) -> list[dict]:
        """Descriptions of every widget rendered into the page, parents first."""
        nodes = self._subtree(self)
        for node in nodes:
            node._described = True
        return [self._description(n) for n in nodes]

    def moduleURL(self, jsClass: str) -> str:
        return self.moduleRoot + jsClass.partition(":")[0]

    def _decode(self, value):
        return decode(value, self._readTag)

    def _readTag(self, tag: str, value: dict):
        if tag == "ref":
            fragment = self._widgets.get(value.get("id"))
            if fragment is None:
                raise NoSuchWidget(f"There is no widget {value.get('id')!r} on this page.")
            return fragment
        raise BadArguments(f"A value tagged {tag!r} cannot be sent to the server.")

    # -- sending ---------------------------------------------------------------------------

    def _send(self, action: str, args: list, key=None, encoded: bytes | None = None) -> None:
        try:
            self.channel.enqueue(action, args, key, encoded)
        except QueueOverflow as e:
            self.abort(e)
            return
        self._wake()

    def _wake(self) -> None:
        # Everything produced in this reactor turn goes out in one answer.
        if self._flusher is not None:
            self._flusher.wake(self)

    @property
    def interactive(self) -> bool:
        """The client sent a message lately: someone is using this page, not only watching."""
        return (self.lastHeard is not None
                and self.reactor.seconds() - self.lastHeard < self.settings.interactiveSeconds)

    def whenFlushing(self, prepare) -> None:
        """Call ``prepare()``, which queues messages, right before this page next sends.

        A broadcast to many pages then does its per-page work in the Flusher's batches instead
        of all in one reactor turn (see _flush.py); the same ``prepare`` is called once.
        """
        if self.isLive:
            self._preparing[prepare] = None
            self._wake()

    @property
    def hasOutbound(self) -> bool:
        """Messages are waiting to be sent, or will be once the page flushes."""
        return bool(self._preparing) or self.channel.hasWaiting

    def _prepare(self) -> None:
        while self._preparing:
            preparing, self._preparing = self._preparing, {}
            for prepare in preparing:
                try:
                    prepare()
                except Exception:
                    log.failure("Preparing messages for {page!r} failed", page=self)

    def _flush(self) -> None:
        self._prepare()
        if self.transport is not None and self.state is not PageState.GONE:
            self.transport.flush()

    # -- receiving -------------------------------------------------------------------------

    def receive(self, envelope) -> None:
        """Process an envelope from the client; ProtocolError closes the page and re-raises."""
        if self.state is PageState.NEW:
            self._setState(PageState.CONNECTED)
            for fragment in list(self._widgets.values()):
                fragment.connectionMade()
        try:
            messages = self.channel.receive(envelope)
        except ProtocolError as e:
            self.mistakes(f"It broke the protocol, so the page is closed: {e}")
            self.abort(e)
            raise
        if messages:
            self.lastHeard = self.reactor.seconds()
        for action, args in messages:
            if not self.isLive:
                break
            handler = self._handlers.get(action)
            if handler is None:
                self.abort(ProtocolError(f"{action!r} is not an action of this protocol."))
                break
            handler(self, args)

    def _handleClose(self, args: list) -> None:
        reason = Closed("The client closed the page.")
        if len(args) == 1:
            try:
                reason = errorFromObject(args[0])
            except ProtocolError:
                pass
        self.gone(reason)

    def _handleCall(self, args) -> None:
        self._rpcMessage(self.rpcHost.called, args)

    def _handleRespond(self, args) -> None:
        self._rpcMessage(self.rpc.answered, args)

    def _rpcMessage(self, handle, args) -> None:
        try:
            handle(args)
        except ProtocolError as e:
            self.mistakes(f"It broke the protocol, so the page is closed: {e}")
            self.abort(e)

    _handlers = {"call": _handleCall, "respond": _handleRespond, "close": _handleClose}

    # -- ending ----------------------------------------------------------------------------

    def close(self, reason: LiveFragmentsError | None = None) -> None:
        """Close the page in band: what is queued is still delivered, then a ``close``."""
        if not self.isLive:
            return
        reason = reason or Closed("The server closed the page.")
        self._send("close", [errorObject(reason)])
        self._setState(PageState.CLOSING)
        self.closeReason = reason
        self._lose(reason)

    def abort(self, reason: LiveFragmentsError) -> None:
        """Close the page now, discarding its queue; the client is told why out of band."""
        if self.state is PageState.GONE:
            return
        self.channel.discardOutbound()
        self.closeReason = reason
        self.aborted = True
        if self.isLive:
            self._setState(PageState.CLOSING)
        self._lose(reason)
        self._wake()

    def gone(self, reason: Exception) -> None:
        """Free the page: fragments lose their connection, pending calls fail."""
        if self.state is PageState.GONE:
            return
        self._setState(PageState.GONE)
        self._lose(reason)
        self._preparing = {}
        self.channel.discardOutbound()
        if self.transport is not None:
            self.transport.pageGone()
        if self._flusher is not None:
            self._flusher.forget(self)
        if self.onGone is not None:
            self.onGone(self)

    def _lose(self, reason: Exception) -> None:
        self.rpc.failAll(reason)
        for fragment in list(self._widgets.values()):
            fragment._pageLost(reason)

