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


def loads(data: bytes | str):
    """Parse strict JSON, raising ProtocolError with a full sentence on any fault."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
        return _decoder.decode(text)
    except UnicodeDecodeError as e:
        raise ProtocolError(f"The body is not valid UTF-8: {e}.")
    except ValueError as e:
        raise ProtocolError(f"The body is not strict JSON: {e}.")


_SCRIPT_ESCAPES = str.maketrans({
    "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029",
})


def dumpsForScript(value) -> str:
    """JSON safe to place inside ``<script type="application/json">`` in HTML."""
    return dumps(value).translate(_SCRIPT_ESCAPES)
