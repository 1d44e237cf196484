"""Frames on the kernel's private control channel (tests: tests/unit/test_kernel_framing.py).

A frame is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON (one object).
The worker has its own copy of the encoder (it may not import athena_nb); the unit tests check
that both agree.

A frame may hold at most ``MAX_FRAME`` bytes (16 MiB, outputlimits.py).  A longer one is refused
at its header, before any of it is buffered: the decoder hands on an ``oversize`` message in its
place (the Kernel stops that worker, saying why) and drops every byte after it.  So a kernel can
make the server hold at most one frame's worth of its bytes, however much it writes.
"""

from __future__ import annotations

import json
import struct
from typing import Any

from .outputlimits import MAX_FRAME

HEADER = struct.Struct(">I")


class FramingError(Exception):
    """The worker sent bytes that are not a valid frame; the channel cannot be trusted after it."""


def encodeFrame(message: dict[str, Any]) -> bytes:
    """Return the bytes of one frame carrying the JSON-serialisable ``message``."""
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return HEADER.pack(len(body)) + body


class FrameDecoder:
    """Turns a byte stream, fed in arbitrary pieces, into decoded messages."""

    def __init__(self, maxFrame: int = MAX_FRAME) -> None:
        self._buffer = bytearray()
        self._maxFrame = maxFrame
        self.refused = False  # a frame was too long: nothing after it is read

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """Add ``data``; return the list of messages completed by it (possibly empty).  A frame
        longer than the limit gives ``{"op": "oversize", "bytes": n, "limit": m}`` instead, and
        everything after it is dropped unread."""
        if self.refused:
            return []
        self._buffer += data
        messages: list[dict[str, Any]] = []
        offset = 0
        buffer = self._buffer
        while len(buffer) - offset >= HEADER.size:
            (length,) = HEADER.unpack_from(buffer, offset)
            if length > self._maxFrame:
                self.refused = True
                self._buffer = bytearray()
                messages.append({"op": "oversize", "bytes": length, "limit": self._maxFrame})
                return messages
            end = offset + HEADER.size + length
            if len(buffer) < end:
                break
            with memoryview(buffer) as view:  # one copy of the body, not two
                body = bytes(view[offset + HEADER.size : end])
            try:
                message = json.loads(body.decode("utf-8"))
            except ValueError as e:
                raise FramingError("The kernel sent a frame that is not valid JSON: %s." % e)
            if not isinstance(message, dict) or "op" not in message:
                raise FramingError("The kernel sent a frame that is not a message object.")
            messages.append(message)
            offset = end
        if offset:
            del buffer[:offset]
        return messages

    @property
    def pending(self) -> int:
        """How many bytes of an unfinished frame are buffered."""
        return len(self._buffer)
