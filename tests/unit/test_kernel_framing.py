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


def test_an_oversized_frame_is_refused_before_it_is_buffered():
    """A length past the limit fails at once with a sentence, instead of waiting for 4 GB."""
    decoder = FrameDecoder(maxFrame=100)
    with pytest.raises(FramingError, match="frame of 101 bytes, more than the 100-byte limit"):
        decoder.feed(struct.pack(">I", 101))


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
