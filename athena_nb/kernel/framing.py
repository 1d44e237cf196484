"""Frames on the kernel's private control channel (tests: tests/unit/test_kernel_framing.py).

A frame is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON (one object).
The worker has its own copy of the encoder (it may not import athena_nb); the unit tests check
that both agree.
"""

from __future__ import annotations

import json
import struct
from typing import Any

HEADER = struct.Struct(">I")
# A result bigger than this is a bug or an attack, not output: refuse it instead of buffering it.
MAX_FRAME = 1 << 30


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

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """Add ``data``; return the list of messages completed by it (possibly empty)."""
        self._buffer += data
        messages: list[dict[str, Any]] = []
        offset = 0
        buffer = self._buffer
        while len(buffer) - offset >= HEADER.size:
            (length,) = HEADER.unpack_from(buffer, offset)
            if length > self._maxFrame:
                raise FramingError(
                    "The kernel sent a frame of %d bytes, more than the %d-byte limit."
                    % (length, self._maxFrame)
                )
            end = offset + HEADER.size + length
            if len(buffer) < end:
                break
            try:
                message = json.loads(bytes(buffer[offset + HEADER.size : end]).decode("utf-8"))
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
