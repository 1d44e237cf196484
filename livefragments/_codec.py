"""Tagged values (protocol.md section 6), shared by the page and the Python client.

Tests: tests/unit/test_rpc.py.  Each side supplies what differs: how a widget object is
written (``widgetForm``) and how tags other than ``dict`` are read (``readTag``).
"""

from __future__ import annotations

from ._json import dumpb

_SCALARS = (str, int, float, bool, type(None))


def encode(value, widgetForm):
    """JSON-able form of ``value``; ``widgetForm(obj)`` tags widget objects (None: not one)."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, list | tuple):
        return [encode(v, widgetForm) for v in value]
    if isinstance(value, dict):
        out = {k: encode(v, widgetForm) for k, v in value.items()}
        return {"__lf__": "dict", "value": out} if "__lf__" in value else out
    tagged = widgetForm(value)
    return value if tagged is None else tagged  # not JSON: the encoder names the type


def decode(value, readTag):
    """Python form of a received value; ``readTag(tag, obj)`` reads every tag but ``dict``."""
    if isinstance(value, list):
        return [decode(v, readTag) for v in value]
    if not isinstance(value, dict):
        return value
    tag = value.get("__lf__")
    if tag is None:
        return {k: decode(v, readTag) for k, v in value.items()}
    if tag == "dict" and isinstance(value.get("value"), dict):
        return {k: decode(v, readTag) for k, v in value["value"].items()}
    return readTag(tag, value)


class Shared:
    """A JSON value (no widgets) that many pages send as it is: encoded once, however many.

    A broadcast to N viewers otherwise encodes the same value N times. Pass it as an argument
    of ``callRemote`` / ``notifyRemote``; the value must not change once it has been sent.
    """

    __slots__ = ("value", "_wire", "_encoded")

    def __init__(self, value):
        self.value = value
        self._wire = self._encoded = None

    @property
    def wire(self):
        """The tagged JSON-able form (protocol.md section 6)."""
        if self._wire is None:
            self._wire = encode(self.value, _refuseWidget)
        return self._wire

    @property
    def encoded(self) -> bytes:
        """``wire`` as JSON bytes; TypeError or ValueError if it is not JSON."""
        if self._encoded is None:
            self._encoded = dumpb(self.wire)
        return self._encoded

    def __repr__(self) -> str:
        return f"Shared({self.value!r:.60})"


def _refuseWidget(value):
    raise TypeError(f"A Shared value cannot hold {type(value).__name__} objects, only JSON.")
