"""``LiveFragment``: the server half of a widget.  Tests: tests/unit/test_rpc.py, tests/unit/test_latest.py."""

from __future__ import annotations

from html import escape

from twisted.internet.defer import Deferred, fail

from ._errors import ConnectionLost


class LiveFragment:
    """A server-side widget paired with a JS ``Widget`` in every page that shows it.

    Subclasses set ``jsClass`` ("path/module.js:Export" under the module root), override
    ``getInitialArguments()`` and ``render()`` (inner HTML, escaped by the subclass), and mark
    browser-callable methods with ``@expose``.
    """

    jsClass = "livefragments/widget.js:Widget"
    tagName = "div"

    def __init__(self):
        self.page = None
        self.id: int | None = None
        self.parent: LiveFragment | None = None
        self.children: list[LiveFragment] = []
        self._disconnectWaiters: list[Deferred] = []
        self._described = False  # the client knows this widget (send refs from now on)
        self._lost = False

    # -- to override -----------------------------------------------------------------------

    def getInitialArguments(self) -> list:
        """JSON-able arguments given to the JS widget's constructor."""
        return []

    def render(self) -> str:
        """Inner HTML of the widget's element; use ``renderChild`` for child widgets."""
        return "".join(self.renderChild(child) for child in self.children)

    def elementAttributes(self) -> dict[str, str]:
        """Extra attributes of the widget's root element (role, aria-label, class, ...)."""
        return {}

    def connectionMade(self) -> None:
        """The page's client connected (or this fragment was added to a connected page)."""

    def connectionLost(self, reason: Exception) -> None:
        """The page is gone: closed, expired or the server stopped.  Called once."""

    def detached(self) -> None:
        """This fragment left its page (either side detached it)."""

    # -- tree ------------------------------------------------------------------------------

    def addChild(self, child: LiveFragment) -> LiveFragment:
        if child.parent is not None and child.parent is not self:
            raise ValueError(f"{child!r} already has a parent, {child.parent!r}.")
        if child.parent is None:
            child.parent = self
            self.children.append(child)
        if self.page is not None and child.page is None:
            self.page._attach(child)
        return child

    def renderChild(self, child: LiveFragment) -> str:
        self.addChild(child)
        return child.markup()

    def markup(self) -> str:
        """The widget's whole element: root tag with ``data-lf-id`` around ``render()``."""
        if self.page is None:
            raise RuntimeError(f"{self!r} must be added to a page before it is rendered.")
        attributes = {**self.elementAttributes(), "data-lf-id": str(self.id)}
        attrs = "".join(f' {name}="{escape(value)}"' for name, value in attributes.items())
        return f"<{self.tagName}{attrs}>{self.render()}</{self.tagName}>"

    # -- remote calls ----------------------------------------------------------------------

    def callRemote(self, method: str, *args) -> Deferred:
        """Call ``method`` of this widget in the browser; fires with its result."""
        if self.page is None or self._lost:
            return fail(ConnectionLost(f"{self!r} is not on a live page."))
        return self.page.rpc.call(self.id, method, args, parent=self)

    def notifyRemote(self, method: str, *args) -> bool:
        """Call ``method`` of this widget in the browser without wanting an answer: the
        browser sends no ``respond`` back, which saves a request per call for updates that
        many viewers are sent. False if there is no live page to send it to."""
        if self.page is None or self._lost:
            return False
        return self.page.rpc.notify(self.id, method, args, parent=self)

    def notifyLatest(self, name: str, method: str, produce, *, settle: bool = False) -> bool:
        """Call ``method`` of this widget in the browser with the latest value of ``name``,
        without wanting an answer: ``produce()`` returns its arguments (a list), or None for
        nothing to send, when the page next sends, reading the state then.  Many changes of
        the value between two sends cost one call (see ``LivePage.sendLatest``). With
        ``settle`` the value will change again soon and need not go out alone right away;
        while a settling value waits, calling again costs a dictionary lookup and keeps the
        waiting ``produce``. False if there is no live page to send it to."""
        if self.page is None or self._lost:
            return False
        return self.page._notifyLatest(self, name, method, produce, settle)

    def notifyOnDisconnect(self) -> Deferred:
        """Fires with the reason (an exception instance) when the page goes away."""
        d = Deferred()
        if self._lost:
            d.callback(self._lost)
        else:
            self._disconnectWaiters.append(d)
        return d

    def detach(self) -> None:
        """Remove this fragment and its children from the page, on both sides."""
        if self.page is not None:
            self.page._detach(self, tellClient=True)

    # -- called by the page ----------------------------------------------------------------

    def _pageLost(self, reason: Exception) -> None:
        if self._lost:
            return
        self._lost = reason
        waiters, self._disconnectWaiters = self._disconnectWaiters, []
        self.connectionLost(reason)
        for d in waiters:
            d.callback(reason)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={self.id}>"
