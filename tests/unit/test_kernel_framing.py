"""Frames on the kernel's control channel (athena_nb.kernel.framing and the worker's copy)."""

import socket
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from athena_nb.kernel import worker
from athena_nb.kernel.framing import FrameDecoder, FramingError, encodeFrame

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
messages = st.dictionaries(st.text(max_size=8), json_values, max_size=4).map(
    lambda d: dict(d, op="event"))


def test_a_frame_is_a_length_then_utf8_json():
    """Four big-endian length bytes, then exactly that many bytes of compact UTF-8 JSON."""
    frame = encodeFrame({"op": "done", "text": "é"})
    body = '{"op":"done","text":"é"}'.encode()
    assert frame == struct.pack(">I", len(body)) + body


@given(messages)
def test_worker_and_server_encoders_agree(message):
    """The worker's own encoder (it cannot import athena_nb) writes identical bytes."""
    assert worker.encodeFrame(message) == encodeFrame(message)


@given(st.lists(messages, min_size=1, max_size=5), st.integers(1, 17))
def test_any_split_of_the_stream_decodes_the_same_messages(batch, step):
    """However the bytes are cut into reads, the decoder yields each message once, in order."""
    data = b"".join(encodeFrame(m) for m in batch)
    decoder = FrameDecoder()
    out = []
    for i in range(0, len(data), step):
        out.extend(decoder.feed(data[i:i + step]))
    assert out == batch
    assert decoder.pending == 0


def test_several_frames_in_one_read_and_a_partial_tail():
    """A read holding two frames and half of a third yields two, keeping the rest."""
    a, b, c = encodeFrame({"op": "a"}), encodeFrame({"op": "b"}), encodeFrame({"op": "c"})
    decoder = FrameDecoder()
    assert decoder.feed(a + b + c[:3]) == [{"op": "a"}, {"op": "b"}]
    assert decoder.pending == 3
    assert decoder.feed(c[3:]) == [{"op": "c"}]


def test_an_oversized_frame_is_refused_at_its_header_and_nothing_after_it_is_kept():
    """A length past the limit gives one ``oversize`` message in place of the frame (after the
    frames before it), at once, instead of waiting for its bytes; what follows is dropped
    unread, so the decoder never holds more than one frame's worth of a kernel's bytes."""
    decoder = FrameDecoder(maxFrame=100)
    good = encodeFrame({"op": "a"})
    assert decoder.feed(good + struct.pack(">I", 101) + b"x" * 50) == [
        {"op": "a"}, {"op": "oversize", "bytes": 101, "limit": 100}]
    assert decoder.refused and decoder.pending == 0
    assert decoder.feed(b"y" * 10_000 + good) == []
    assert decoder.pending == 0


def test_the_frame_limit_is_well_below_a_gibibyte_and_the_same_on_both_sides():
    """16 MiB: a kernel cannot make the server buffer more than that of one message."""
    assert FrameDecoder()._maxFrame == worker.MAX_FRAME == 16 << 20


def test_the_worker_refuses_to_send_a_frame_past_the_limit():
    """Nothing is sent: the server would stop the kernel on reading its header."""
    left, right = socket.socketpair()
    with left, right:
        channel = worker.Channel(right)
        with pytest.raises(worker.FrameTooLarge, match="larger than the 16777216 bytes"):
            channel.send({"op": "reply", "value": "x" * (16 << 20)})
        channel.send({"op": "ready"})
        assert FrameDecoder().feed(left.recv(100)) == [{"op": "ready"}]


@pytest.mark.parametrize("body, complaint", [
    (b"{not json", "not valid JSON"),
    (b"\xff\xfe", "not valid JSON"),
    (b"[1, 2]", "not a message object"),
    (b'{"no": "op"}', "not a message object"),
])
def test_garbage_frames_fail_clearly(body, complaint):
    """Bodies that are not JSON message objects raise FramingError saying what is wrong."""
    with pytest.raises(FramingError, match=complaint):
        FrameDecoder().feed(struct.pack(">I", len(body)) + body)


def test_the_worker_channel_reads_frames_written_in_pieces():
    """The worker's blocking reader reassembles frames and reports EOF as None."""
    left, right = socket.socketpair()
    with left, right:
        channel = worker.Channel(right)
        frame = encodeFrame({"op": "execute", "code": "print('x')\n" * 3})
        left.sendall(frame[:2])
        left.sendall(frame[2:9])
        left.sendall(frame[9:] + encodeFrame({"op": "shutdown"}))
        assert channel.receive() == {"op": "execute", "code": "print('x')\n" * 3}
        assert channel.receive() == {"op": "shutdown"}
        channel.send({"op": "ready"})
        assert FrameDecoder().feed(left.recv(100)) == [{"op": "ready"}]
        left.shutdown(socket.SHUT_WR)
        assert channel.receive() is None
