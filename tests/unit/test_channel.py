"""The sans-IO Channel runs the JSON vectors shared with js/livefragments/channel.js."""

import json
from pathlib import Path

import pytest

from livefragments import Channel, ProtocolError, QueueOverflow

VECTORS = sorted((Path(__file__).parent.parent / "vectors" / "channel").glob("*.json"))
ERRORS = {"ProtocolError": ProtocolError, "QueueOverflow": QueueOverflow}


def test_there_are_vectors():
    assert len(VECTORS) >= 10


@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_vector(path):
    vector = json.loads(path.read_text())
    channel = Channel(**vector.get("options", {}))
    for number, step in enumerate(vector["steps"]):
        where = f"{path.name} step {number}: {step}"
        op = step["op"]
        if op == "enqueue":
            if "error" in step:
                with pytest.raises(ERRORS[step["error"]]):
                    channel.enqueue(step["action"], step["args"], step.get("key"))
            else:
                channel.enqueue(step["action"], step["args"], step.get("key"))
        elif op == "takeBatch":
            assert channel.takeBatch() == step["expect"], where
        elif op == "unacked":
            assert channel.unacked() == step["expect"], where
        elif op == "receive":
            if "error" in step:
                with pytest.raises(ERRORS[step["error"]]):
                    channel.receive(step["envelope"])
            else:
                assert channel.receive(step["envelope"]) == step["expect"], where
        elif op == "state":
            state = {"ack": channel.ack, "unacked": [m[0] for m in channel.unacked()],
                     "held": channel.held, "waiting": channel.waitingCount}
            expected = step["expect"]
            assert {k: state[k] for k in expected} == expected, where
        else:
            raise AssertionError(f"{where}: unknown op {op!r}")


def test_encoded_envelope_matches_the_structured_one_and_reuses_encodings():
    channel = Channel()
    channel.enqueue("call", [0, 1, "show", ["é\u2028"], {}])
    channel.receive([-1, [[0, ["call", [None, 1, "x", [], {}]]]]])
    assert json.loads(channel.encodedEnvelope()) == [
        0, [[0, ["call", [0, 1, "show", ["é\u2028"], {}]]]], {"last": 0}]
    assert json.loads(channel.encodedEnvelope()) == [0, [], {"last": 0}]
    assert json.loads(channel.encodedEnvelope(resend=True))[1][0][0] == 0


def test_nan_and_other_non_json_values_are_refused_at_enqueue():
    channel = Channel()
    with pytest.raises(ValueError):
        channel.enqueue("call", [float("nan")])
    with pytest.raises(TypeError):
        channel.enqueue("call", [object()])
    assert channel.waitingCount == 0
