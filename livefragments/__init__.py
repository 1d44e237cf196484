"""livefragments: the Athena live-page architecture for Python 3 and Twisted.

Each widget is a server-side ``LiveFragment`` paired with a JS ``Widget`` in the browser; both
sides call each other and get a Deferred / Promise back.  The wire protocol is in
docs/protocol.md.  Tests: tests/unit/ and tests/integration/.
"""

from ._assets import jsRoot
from ._broadcast import Broadcast
from ._channel import Channel
from ._codec import Shared
from ._errors import (
    AccessEnded,
    BadArguments,
    Closed,
    ConnectionLost,
    InternalError,
    LiveFragmentsError,
    MessageTooLarge,
    NoSuchMethod,
    NoSuchWidget,
    ProtocolError,
    QueueOverflow,
    Refused,
    RemoteError,
)
from ._expose import expose
from ._fragment import LiveFragment
from ._importmap import ImportMap
from ._modules import ModuleResource
from ._page import LivePage, PageState
from ._resource import LivePageResource
from ._session import Session, SessionStore
from ._settings import Settings
from ._shell import CSP, addSource, htmlDocument, securityHeaders
from ._site import BodyLimit, LiveRequest, LiveSite

__all__ = [
    "AccessEnded",
    "BadArguments",
    "Broadcast",
    "CSP",
    "addSource",
    "Channel",
    "Closed",
    "ConnectionLost",
    "InternalError",
    "LiveFragment",
    "LiveFragmentsError",
    "LivePage",
    "LivePageResource",
    "BodyLimit",
    "LiveRequest",
    "LiveSite",
    "MessageTooLarge",
    "ImportMap",
    "ModuleResource",
    "NoSuchMethod",
    "NoSuchWidget",
    "PageState",
    "ProtocolError",
    "QueueOverflow",
    "Refused",
    "RemoteError",
    "Session",
    "SessionStore",
    "Settings",
    "Shared",
    "expose",
    "htmlDocument",
    "jsRoot",
    "securityHeaders",
]
