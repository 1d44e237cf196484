"""How big an output event is, and how to make one fit a size (tests: tests/unit/test_kernel_outputcap.py).

Shared by the two sides of the kernel's control channel: the server's output cap (outputcap.py)
counts and shortens what a cell shows, and the worker (worker.py, which loads this file by path
and so it imports nothing but the standard library) shapes what it sends, so that an honest
kernel's frames stay far below the frame limit (framing.py) however large an output it makes.

Sizes are in characters of text (for a JSON value inside a bundle, of its JSON text).
"""

from __future__ import annotations

import json
import reprlib
from typing import Any

#: The most bytes one frame on the control channel may hold (the server refuses a larger one
#: before reading it, and stops that kernel).  The worker checks its frames against it too.
MAX_FRAME = 16 << 20
#: The most characters of one event the worker puts in a frame: JSON may take up to six bytes
#: for a character (a control character as ``\u0001``), and a frame holds a little more.
FRAME_CHARS = (MAX_FRAME - (64 << 10)) // 6
#: An error (its name, value and traceback together) is shortened to this many characters,
#: whatever the cap: a longer traceback helps nobody, and every page that shows it pays.
MAX_ERROR_CHARS = 50_000
#: The longest exception name kept.
MAX_ENAME = 200


def eventSize(event: dict[str, Any]) -> int:
    """The characters ``event`` shows: stream or notice text, a bundle's data and metadata, an
    error's name, value and traceback, a file's path, an interact's controls and outputs."""
    kind = event.get("type")
    if kind in ("stream", "notice"):
        return _length(event.get("text"))
    if kind == "error":
        return sum(_length(event.get(key)) for key in ("ename", "evalue", "traceback"))
    if kind == "file":
        return _length(event.get("path"))
    if kind == "dropped":
        size = event.get("size")
        return size if isinstance(size, int) and size >= 0 else 0
    if kind == "interact":  # its controls and values, and the outputs of its last run
        shown = event.get("outputs")
        shown = shown if isinstance(shown, list) else []
        return (_length(event.get("controls")) + _length(event.get("values"))
                + sum(eventSize(o) for o in shown if isinstance(o, dict)))
    total = 0
    for key in ("data", "metadata"):
        value = event.get(key)
        if isinstance(value, dict):
            total += sum(_length(v) for v in value.values())
        elif value is not None:
            total += _length(value)
    return total


def _length(value: object) -> int:
    if isinstance(value, str):
        return len(value)
    if value is None:
        return 0
    try:
        return len(json.dumps(value, default=str))
    except (TypeError, ValueError, RecursionError):
        return 0


def shorten(text: str, limit: int) -> str:
    """``text`` if it has at most ``limit`` characters, else its start and its end with a
    marker between them saying how many characters were cut (the whole is at most ``limit``,
    or just the marker if ``limit`` is smaller than that)."""
    if len(text) <= limit:
        return text
    marker = "\n… [%s characters cut] …\n" % format(len(text), ",")
    keep = max(0, limit - len(marker))
    head = keep // 2
    return text[:head] + marker + text[len(text) - (keep - head):] if keep else marker.strip()


def shortenError(event: dict[str, Any], limit: int) -> dict[str, Any]:
    """The error ``event`` with its name, value and traceback shortened to ``limit``
    characters together (at most ``MAX_ERROR_CHARS``); the traceback gets the larger share."""
    limit = min(limit, MAX_ERROR_CHARS)
    ename = shorten(str(event.get("ename", "")), MAX_ENAME)
    evalue, traceback = str(event.get("evalue", "")), str(event.get("traceback", ""))
    if len(ename) + len(evalue) + len(traceback) <= limit:
        return dict(event, ename=ename, evalue=evalue, traceback=traceback)
    room = max(0, limit - len(ename))
    valueRoom = min(len(evalue), room // 4)
    return dict(event, ename=ename, evalue=shorten(evalue, valueRoom),
                traceback=shorten(traceback, room - valueRoom))


def fitEvent(event: dict[str, Any], limit: int) -> dict[str, Any]:
    """``event`` as the worker sends it: unchanged if it has at most ``limit`` characters; an
    error, stream or notice shortened; anything else (a display, a result, an update, a file)
    replaced by a small ``dropped`` event naming its kind and size, which the server counts as
    if the whole had come (outputcap.py)."""
    kind = event.get("type")
    if kind == "error":
        return shortenError(event, limit)
    size = eventSize(event)
    if size <= limit:
        return event
    if kind in ("stream", "notice"):
        return dict(event, text=shorten(str(event.get("text", "")), limit))
    dropped: dict[str, Any] = {"type": "dropped", "what": str(kind), "size": size}
    if isinstance(event.get("displayId"), str) and len(event["displayId"]) <= 200:
        dropped["displayId"] = event["displayId"]
    return dropped


def brief(message: object) -> str:
    """A short repr of ``message``, for a log line about a kernel's message (which may be
    megabytes long): long strings and containers are cut, without making the whole repr."""
    return _BRIEF.repr(message)


_BRIEF = reprlib.Repr()
_BRIEF.maxstring, _BRIEF.maxother, _BRIEF.maxdict, _BRIEF.maxlist, _BRIEF.maxlevel = (
    120, 120, 8, 8, 3)
