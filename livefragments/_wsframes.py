"""Measures each WebSocket message a client sends from its frame headers, as the bytes arrive.

Tests: tests/unit/test_wsframes.py, tests/unit/test_websocket.py.  Rule: docs/protocol.md 9.3.

``twisted.web.websocket`` gathers all the frames of a message before it hands the message over,
with no limit and no public hook per frame; ``LiveSite`` therefore feeds a page socket's
incoming bytes through a ``MessageSizeWatch`` first, and stops them at the frame header that
takes a message past the limit.
"""

from __future__ import annotations

#: The longest frame header (RFC 6455 5.2): 2 bytes, an 8-byte length, a 4-byte mask key.
_MAX_HEADER = 14


class MessageSizeWatch:
    """Adds up the payload each client message announces, frame header by frame header.

    ``feed(data)`` returns None while every message so far fits in ``limit`` bytes; else the
    offset in ``data`` of the header of the frame that takes its message past the limit (0 if
    that header began in an earlier read).  The bytes before that offset are whole frames or
    frames of messages within the limit; nothing from it on belongs to an acceptable message.
    Control frames (ping, pong, close) count for no message.  Payloads are skipped by their
    announced length, never copied; only a header split between two reads is kept.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self._header = b""  # the start of a header split between reads
        self._payloadLeft = 0  # bytes of the current frame's payload still to come
        self._messageBytes = 0  # payload announced by the current message's frames so far

    def feed(self, data: bytes) -> int | None:
        pos, end = 0, len(data)
        while pos < end:
            if self._payloadLeft:
                step = min(self._payloadLeft, end - pos)
                self._payloadLeft -= step
                pos += step
                continue
            held = len(self._header)
            header = self._header + data[pos:pos + _MAX_HEADER]
            size = _headerSize(header)
            if size is None or size > len(header):
                self._header = header  # the rest of data is the start of a header
                return None
            self._header = b""
            length = _payloadLength(header)
            if header[0] & 0x0F < 8:  # a data frame: text, binary or continuation
                self._messageBytes += length
                if self._messageBytes > self.limit:
                    return max(pos - held, 0)
                if header[0] & 0x80:  # FIN: the message's last frame
                    self._messageBytes = 0
            self._payloadLeft = length
            pos += size - held
        return None


def _headerSize(header: bytes) -> int | None:
    if len(header) < 2:
        return None
    code = header[1] & 0x7F
    extended = 2 if code == 126 else 8 if code == 127 else 0
    return 2 + extended + (4 if header[1] & 0x80 else 0)


def _payloadLength(header: bytes) -> int:
    code = header[1] & 0x7F
    if code == 126:
        return int.from_bytes(header[2:4], "big")
    if code == 127:
        return int.from_bytes(header[2:10], "big")
    return code
