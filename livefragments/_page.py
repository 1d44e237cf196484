"""``LivePage``: widget 0 of one browser tab, its widgets, its remote calls and its end.

Tests: tests/unit/test_rpc.py, tests/unit/test_longpoll.py, tests/unit/test_page_end.py.

The page owns the message ``Channel`` and the calls in flight both ways (``rpc``, its calls to
the client, and ``rpcHost``, the client's calls to it).  Transports (long-poll, WebSocket) feed
it envelopes with ``receive`` and ask it for envelopes with ``channel``; the page never touches
HTTP.  The page also decides its own end (``PageEnd``): transports only render it.
"""

from __future__ import annotations

import enum
import functools
from typing import NamedTuple

from twisted.logger import Logger

from ._channel import Channel
from ._codec import decode, encode
from ._errors import (
    BadArguments,
    Closed,
    LiveFragmentsError,
    MessageTooLarge,
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
    CLOSING = "closing"  # ended for the application; its end is still to be delivered
    GONE = "gone"  # freed; its id answers 404

    def canBecome(self, other: PageState) -> bool:
        return other in _TRANSITIONS[self]


_TRANSITIONS = {
    PageState.NEW: {PageState.CONNECTED, PageState.CLOSING, PageState.GONE},
    PageState.CONNECTED: {PageState.CLOSING, PageState.GONE},
    PageState.CLOSING: {PageState.GONE},
    PageState.GONE: set(),
}

#: The HTTP status a transport answers with when a page ended for a reason of this type (a
#: WebSocket closes with 4000 + it); any other reason: 410.
_STATUS = {ProtocolError: 400, MessageTooLarge: 413}


class PageEnd(NamedTuple):
    """Why a page ended, as its transports tell the client (protocol.md 5.3).

    ``inBand``: the page was closed with a ``close`` message, delivered in order after what was
    queued before it; else its queue was discarded and the transport answers with this error.
    ``acknowledged``: the client has the ``close`` (there is nothing more to tell it).
    """

    status: int
    type: str
    message: str
    inBand: bool = False
    acknowledged: bool = False

    @classmethod
    def of(cls, reason: LiveFragmentsError, inBand: bool = False) -> PageEnd:
        return cls(_STATUS.get(type(reason), 410), reason.type, reason.message, inBand)


#: How a page that expired or was freed without a reason ends.
EXPIRED = PageEnd(404, "NoSuchPage", "This page is no longer live on the server; reload it.")
#: What a transport request for a page id the server does not have is told.
NO_SUCH_PAGE = PageEnd(404, "NoSuchPage", "No live page has this id: it expired, was closed, "
                                          "or never existed. Reload to get a new page.")


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
        #: How the page ended (None while it is live); transports render it.
        self.end: PageEnd | None = None
        #: Set by whoever frees the page when it is gone (the registry).
        self.onGone = None
        self.transport = None  # the active transport; it flushes the channel
        self._widgets: dict[int, LiveFragment] = {0: self}
        self._nextWidgetId = 1
        #: Our calls to the client, and the client's calls to us (made by ``start``).
        self.rpc = Rpc(self._send, self._encode, self._decode)
        self.rpcHost: RpcHost | None = None
        #: The client's mistakes, logged rate-limited (made by ``start``).
        self.mistakes: MistakeLog | None = None
        self._flusher: Flusher | None = None
        #: When the client last sent a message (reactor seconds), or None.
        self.lastHeard: float | None = None
        #: The Broadcasts a fragment of this page belongs to, with that fragment.
        self.broadcasts: dict = {}

    def start(self, reactor, settings: Settings, clientId: str, csrf: str, sessionId: str,
              moduleRoot: str, flusher: Flusher | None = None) -> None:
        """Bind the page to its client; called once by the resource before rendering.

        ``flusher`` is shared by the pages of one resource (one of its own if None)."""
        self.reactor, self.settings = reactor, settings
        if flusher is None:
            flusher = Flusher(reactor, settings)
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

    def connectionChanged(self, connected: bool) -> None:
        """The client has had no connection for ``Settings.awaySeconds`` (False: a closed
        laptop, a lost network; a page closed as usual says so and is gone at once), or has
        one again (True).  For presence; nothing by default."""

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

    def _wake(self, settle: bool = False) -> None:
        # Everything produced in this reactor turn goes out in one answer (see _flush.py).
        if self._flusher is not None:
            self._flusher.wake(self, settle)

    def sendLatest(self, key, produce, settle: bool = False) -> None:
        """Send the latest value of ``key`` with the page's next send.

        ``produce()`` makes the message ``(action, args, encoded)``, or returns None (nothing
        to send after all), at the moment the page sends: a value that changes many times
        meanwhile costs one message, made from the state then.  A waiting value of ``key``
        keeps its place in the queue.  ``settle``: the value will change again soon (a cell
        still running), so the page need not send for it alone right away (_flush.py).
        """
        if not self.isLive:
            return
        try:
            new = self.channel.setLatest(key, functools.partial(self._produce, produce))
        except QueueOverflow as e:
            self.abort(e)
            return
        if new or not settle:
            self._wake(settle)

    def _produce(self, produce):
        try:
            return produce()
        except Exception:
            log.failure("Making the latest value for {page!r} failed", page=self)
            return None

    @property
    def sendsLater(self) -> bool:
        """What the page has to send goes at a later time (its Flusher decides when)."""
        return self._flusher is not None and self._flusher.sendsLater(self)

    @property
    def interactive(self) -> bool:
        """The client sent a message lately: someone is using this page, not only watching."""
        return (self.lastHeard is not None
                and self.reactor.seconds() - self.lastHeard < self.settings.interactiveSeconds)

    def _flush(self) -> None:
        if self.transport is not None and self.state is not PageState.GONE:
            self.transport.flush()

    def _notifyLatest(self, fragment: LiveFragment, name: str, method: str, produce,
                      settle: bool) -> bool:
        """``fragment.notifyLatest``: a notification whose arguments ``produce()`` makes when
        the page sends (see ``sendLatest``)."""
        if not self.isLive:
            return False
        key = (fragment.id, name)
        if settle and self.channel.isWaiting(key):
            return True  # it waits already, and is made from the state when the page sends
        self.sendLatest(key, functools.partial(self._latestCall, fragment, method, produce),
                        settle)
        return True

    def _latestCall(self, fragment: LiveFragment, method: str, produce):
        if fragment.page is not self:
            return None  # detached meanwhile
        args = produce()
        return None if args is None else self.rpc.message(None, fragment.id, method, args,
                                                          parent=fragment)

    # -- receiving -------------------------------------------------------------------------

    def receive(self, envelope) -> None:
        """Process an envelope from the client.  A fault in it aborts the page (``end`` says
        why); the acknowledgement of the page's ``close`` frees it."""
        if self.state is PageState.NEW:
            self._setState(PageState.CONNECTED)
            for fragment in list(self._widgets.values()):
                fragment.connectionMade()
        try:
            messages = self.channel.receive(envelope)
        except ProtocolError as e:
            self.mistakes(f"It broke the protocol, so the page is closed: {e}")
            self.abort(e)
            return
        if messages:
            self.lastHeard = self.reactor.seconds()
            for broadcast, member in list(self.broadcasts.items()):
                broadcast.use(member)  # told at once from now on, before what it asks is done
        for action, args in messages:
            if not self.isLive:
                break
            handler = self._handlers.get(action)
            if handler is None:
                self.abort(ProtocolError(f"{action!r} is not an action of this protocol."))
                break
            handler(self, args)
        end = self.end
        if (end is not None and end.inBand and self.state is PageState.CLOSING
                and not self.channel.hasUnacked and not self.channel.hasWaiting):
            self.end = end._replace(acknowledged=True)
            self.gone()

    def _handleClose(self, args: list) -> None:
        reason = Closed("The client closed the page.")
        if len(args) == 1:
            try:
                reason = errorFromObject(args[0])
            except ProtocolError:
                pass
        self.end = PageEnd.of(reason)._replace(acknowledged=True)  # nothing to tell the client
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
        """End the page in band: what is queued is still delivered, then a ``close``; the page
        is freed once the client acknowledges it (or its connection times out)."""
        if not self.isLive:
            return
        reason = reason or Closed("The server closed the page.")
        self._send("close", [errorObject(reason)])
        self._setState(PageState.CLOSING)
        self.end = PageEnd.of(reason, inBand=True)
        self._lose(reason)

    def abort(self, reason: LiveFragmentsError) -> None:
        """End the page now, discarding its queue: its transport answers the next request (or
        closes its socket) with ``end``, then calls ``endRendered`` and the page is freed."""
        if self.state is PageState.GONE or (self.end is not None and not self.end.inBand):
            return
        self.channel.discardOutbound()
        self.end = PageEnd.of(reason)
        if self.isLive:
            self._setState(PageState.CLOSING)
        self._lose(reason)
        self._wake()

    def endRendered(self) -> None:
        """A transport told the client how the page ended: the page is freed."""
        self.gone()

    def gone(self, reason: Exception | None = None) -> None:
        """Free the page now: fragments lose their connection, pending calls fail, and its
        transports answer what they hold with ``end`` (``EXPIRED`` if it had none)."""
        if self.state is PageState.GONE:
            return
        if self.end is None:
            self.end = EXPIRED
        self._setState(PageState.GONE)
        self._lose(reason or Closed(self.end.message))
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

