"""``MessageSizeWatch``: each client message measured from its frame headers as they arrive
(docs/protocol.md section 9)."""

from livefragments._wsframes import MessageSizeWatch
from tests.support.memoryws import clientFrame


def feedInPieces(watch, data: bytes, size: int):
    """Feed ``data`` in reads of ``size`` bytes; the first overflow as (read, offset), or None."""
    for n, i in enumerate(range(0, len(data), size)):
        cut = watch.feed(data[i:i + size])
        if cut is not None:
            return n, cut
    return None


def test_messages_within_the_limit_pass_however_the_bytes_are_split():
    """7-bit, 16-bit and 64-bit lengths; fragments with a ping between them; the count starts
    again after each message's last frame."""
    long = bytes([0x81, 0x80 | 127]) + (1000).to_bytes(8, "big") + b"\0" * 4 + b"f" * 1000
    data = (clientFrame(b"a" * 100) + clientFrame(b"b" * 600, fin=False)
            + clientFrame(b"p" * 125, opcode=0x9) + clientFrame(b"c" * 400, opcode=0x0)
            + clientFrame(b"d" * 1000) + clientFrame(b"") + long)
    for size in (1, 2, 3, 13, 14, 100, len(data)):
        assert feedInPieces(MessageSizeWatch(1000), data, size) is None, size


def test_the_overflow_is_the_offset_of_the_frame_header_that_crosses_the_limit():
    whole, start = clientFrame(b"a" * 900), clientFrame(b"b" * 600, fin=False)
    crossing = clientFrame(b"c" * 401, opcode=0x0)
    data = whole + start + crossing + b"more"
    assert MessageSizeWatch(1000).feed(data) == len(whole + start)
    assert feedInPieces(MessageSizeWatch(1000), data, 1000) == (1, len(whole + start) - 1000)


def test_a_header_begun_in_an_earlier_read_overflows_at_offset_zero():
    """A frame announcing more than the limit is refused from its header alone."""
    watch = MessageSizeWatch(1000)
    header = clientFrame(b"", length=2 ** 40)
    assert watch.feed(header[:3]) is None
    assert watch.feed(header[3:] + b"payload") == 0
