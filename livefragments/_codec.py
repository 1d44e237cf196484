"""Tagged values (protocol.md section 6), shared by the page and the Python client.

Tests: tests/unit/test_rpc.py.  Each side supplies what differs: how a widget object is
written (``widgetForm``) and how tags other than ``dict`` are read (``readTag``).
"""

from __future__ import annotations

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
