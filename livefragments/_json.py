"""Strict JSON both ways: no NaN or Infinity, nothing that needs eval.  Tests: tests/unit/test_resource.py."""

from __future__ import annotations

import json

from ._errors import ProtocolError

_encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _refuseConstant(name: str):
    raise ValueError(f"{name} is not JSON.")


_decoder = json.JSONDecoder(parse_constant=_refuseConstant)


def dumps(value) -> str:
    """Compact strict JSON; raises ValueError for NaN/Infinity and TypeError for other types."""
    return _encoder.encode(value)


def dumpb(value) -> bytes:
    return dumps(value).encode("utf-8")


#: How deeply arrays and objects may nest in what a peer sends.  Nothing in the protocol comes
#: near it; much deeper values would make every recursive walk of them (Python's own encoder
#: included) fail far from where they came in.
MAX_DEPTH = 64


def loads(data: bytes | str):
    """Parse strict JSON, raising ProtocolError with a full sentence on any fault (including
    nesting deeper than ``MAX_DEPTH``)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
        value = _decoder.decode(text)
    except UnicodeDecodeError as e:
        raise ProtocolError(f"The body is not valid UTF-8: {e}.")
    except ValueError as e:
        raise ProtocolError(f"The body is not strict JSON: {e}.")
    except RecursionError:
        value = None
    else:
        # Fewer brackets than the limit (strings' included) cannot nest past it: no walk.
        if text.count("[") + text.count("{") <= MAX_DEPTH or _depthWithin(value, MAX_DEPTH):
            return value
    raise ProtocolError(f"The body nests arrays and objects more than {MAX_DEPTH} deep.")


def _depthWithin(value, limit: int) -> bool:
    """Do the arrays and objects in ``value`` nest at most ``limit`` deep? (No recursion.)"""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        if depth == limit:
            return False
        stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list))
    return True


_SCRIPT_ESCAPES = (
    ("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def dumpsForScript(value) -> str:
    """JSON safe to place inside ``<script type="application/json">`` in HTML."""
    text = dumps(value)
    # One fast pass per character replaced (str.translate looks up every character: a page of
    # a thousand cells took it a fifth of a second).
    for char, escaped in _SCRIPT_ESCAPES:
        if char in text:
            text = text.replace(char, escaped)
    return text
