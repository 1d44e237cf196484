"""Which cells' outputs a worksheet page carries when it opens, and how tall the others' are guessed to be.

Tests: tests/unit/test_deferral.py, tests/browser/test_bigworksheet.py.

A page of a long worksheet (2,000 cells, 20 MB of outputs) must not carry every output: the
server would encode them all, the browser parse and draw them all, before anyone sees the
first cell. So a page carries the outputs of its first cells, from the top, until they weigh
``INLINE_BYTES`` (about, counted by ``outputWeight``); the outputs of every cell after that are
*deferred*: the browser asks for them (``CellFragment.outputs``) when the cell nears the screen,
and until then keeps a space about as tall as they will be (``outputHeight``), so that the page
does not jump while scrolling. A worksheet whose outputs fit defers nothing: it opens as it
always did. Both figures are made once per state of a cell's outputs (``CellModel.shared``).
"""

from __future__ import annotations

import base64
import binascii
import struct

#: A new page carries the outputs of its first cells up to this weight in all.
INLINE_BYTES = 256 * 1024

#: The page's measures in CSS pixels (worksheet.css at the default 16 px font): a line of
#: output text, the tallest a text output is drawn (40rem, it scrolls inside), the margin above
#: each output, and the heights the page gives outputs it cannot know in advance.
LINE = 18.4
MAX_TEXT = 640
MARGIN = 3.2
FRAME = 48
MATH = 40
IMAGE = 300
OTHER = 24


def outputWeight(events: list[dict]) -> int:
    """About how many bytes ``events`` take on the wire (their text, not their JSON)."""
    weight = 0
    for event in events:
        weight += 40
        for value in event.values():
            if isinstance(value, str):
                weight += len(value)
        data = event.get("data")
        if isinstance(data, dict):
            weight += sum(len(v) if isinstance(v, str) else 200 for v in data.values())
    return weight


def _textHeight(text: str) -> float:
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    return min(MAX_TEXT, max(1, lines) * LINE + 4)


def _pngHeight(value: str) -> int | None:
    """The height of a base64 PNG, from its header (the first 24 bytes)."""
    try:
        head = base64.b64decode(value[:32])
    except (binascii.Error, ValueError):
        return None
    if len(head) < 24 or not head.startswith(b"\x89PNG"):
        return None
    return struct.unpack(">I", head[20:24])[0]


def _bundleHeight(event: dict) -> float:
    data = event.get("data") or {}
    size = (event.get("metadata") or {})
    if "image/png" in data or "image/jpeg" in data or "image/svg+xml" in data:
        for mime in ("image/png", "image/jpeg", "image/svg+xml"):
            height = (size.get(mime) or {}).get("height") if isinstance(size.get(mime), dict) else None
            if isinstance(height, (int, float)) and height > 0:
                return float(height)
        png = data.get("image/png")
        height = _pngHeight(png) if isinstance(png, str) else None
        return float(height) if height else IMAGE
    if "text/html" in data:
        return FRAME
    if "math" in event:
        return MATH
    if "application/json" in data:
        return 100
    text = data.get("text/markdown") or data.get("text/plain")
    return _textHeight(text) if isinstance(text, str) else OTHER


def outputHeight(events: list[dict]) -> int:
    """About how tall, in CSS pixels, the page draws ``events``."""
    height = 0.0
    streaming = None  # pieces of one stream are drawn in one block
    for event in events:
        kind = event.get("type")
        if kind == "stream":
            text = event.get("text") or ""
            if streaming is not None and streaming[0] == event.get("name"):
                height -= streaming[1]
                text = streaming[2] + text
            else:
                height += MARGIN
            block = _textHeight(text)
            height += block
            streaming = (event.get("name"), block, text[-100_000:])
            continue
        streaming = None
        height += MARGIN
        if kind == "error":
            height += _textHeight(event.get("traceback") or "") + 12
        elif kind in ("display", "result"):
            height += _bundleHeight(event)
        else:
            height += OTHER
    return round(height)


def sizeOf(cell) -> tuple[int, int]:
    """(weight, height) of ``cell``'s outputs now, made once per state of them."""
    shared = cell.shared()
    size = shared.get("size")
    if size is None:
        size = shared["size"] = (outputWeight(cell.outputs), outputHeight(cell.outputs))
    return size


class InlineBudget:
    """Says, cell by cell from the top, whose outputs a new page carries: every cell's until
    the next would take their weight past ``limit``, and after that only those of cells that
    have none (so what is carried is the top of the worksheet, in one piece, and a cell with
    nothing to send is never asked for it)."""

    def __init__(self, limit: int = INLINE_BYTES):
        self.left = limit

    def take(self, cell) -> bool:
        if not cell.outputs:
            return True
        weight = sizeOf(cell)[0]
        if weight > self.left:
            self.left = -1
            return False
        self.left -= weight
        return True
