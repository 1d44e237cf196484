"""How the worksheet's live widgets answer the browser: refusals it may read, and who may
change what.  Tests: tests/unit/test_hub_web_access.py.

Every exposed method that changes anything checks the viewer's role first (``@editing``), so a
read-only viewer is refused on the server, with nothing changed, whatever its browser sends.
"""

from __future__ import annotations

import functools
from html import escape

from twisted.internet.defer import maybeDeferred

from livefragments import Closed, Refused, RemoteError, expose

from .. import ot
from ..hub import HubError
from ..kernel import KernelError
from ..quotas import QuotaExceeded
from ..store import StoreError

#: The notebook's refusals: their message is meant for the person who asked, so they are sent
#: as they are.  Anything else an exposed method raises is a bug (livefragments logs it and
#: tells the caller an error id); bad arguments are refused with ``BadArguments``.
_TOLD = (HubError, ot.OperationError, StoreError, KernelError, QuotaExceeded)

class NotAllowed(Refused):
    """A viewer asked for a change its role does not allow; nothing was changed."""


class WorksheetClosed(Closed):
    """Why the server closed a worksheet page (revoked access, trash, shutdown); its own type
    so that the page shows the sentence instead of a bare "closed"."""


def _refusal(failure):
    error = failure.value
    if isinstance(error, _TOLD):
        raise RemoteError(getattr(error, "type", None) or type(error).__name__, str(error))
    return failure


def answering(method):
    """Expose ``method``; the notebook's refusals reach the browser as ``{type, message}``."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        return maybeDeferred(method, self, *args, **kwargs).addErrback(_refusal)

    return expose(wrapper)


def editing(method):
    """Like ``answering``, for methods that change the worksheet: only editors may call them."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if not self.identity.canEdit():
            raise NotAllowed(
                f"You ({self.identity.name}) have read-only access to this worksheet, so you "
                "cannot change it or run its cells; nothing was changed.")
        return method(self, *args, **kwargs)

    return answering(wrapper)


@functools.lru_cache(maxsize=256)  # the same few buttons in every cell of every page
def _button(label: str, action: str, extra: str = "", kind: str = "nb-button") -> str:
    """A locked button.  Until its widgets are live in the browser, a worksheet renders busy,
    with its inputs read-only and its buttons disabled, and the widgets unlock what the viewer
    may use: nothing typed or clicked before the page can send it is lost."""
    return (f'<button type="button" class="{kind}" data-action="{action}"{extra} disabled>'
            f"{escape(label)}</button>")
