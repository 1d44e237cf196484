"""athena_nb.ot against the shared vectors in tests/vectors/ot (tests/js/ot.test.mjs runs the same
vectors through js/athena_nb/ot.js), plus the sync client's state machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from athena_nb import ot
from athena_nb.ot import (
    Delete,
    Insert,
    MalformedOperation,
    Operation,
    OperationError,
    OperationOutOfRange,
    StaleVersion,
    SyncClient,
    SyncError,
    SyncState,
    TextDocument,
    UnknownVersion,
    apply,
    compose,
    diff,
    invert,
    opFromChange,
    transform,
    transformCursor,
    transformSelection,
)
from athena_nb.ot._document import MAX_FOLLOWS, SITES_KEPT

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "ot"


def cases(name: str) -> list[dict]:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))["cases"]


def ids(items: list[dict]) -> list[str]:
    return [c.get("name", str(i)) for i, c in enumerate(items)]


def op(value) -> Operation:
    return Operation.fromJSON(value)


def errorNamed(name: str) -> type[Exception]:
    error = getattr(ot, name)
    assert issubclass(error, OperationError)
    return error


APPLY = cases("apply.json")


@pytest.mark.parametrize("case", APPLY, ids=ids(APPLY))
def test_apply_vectors(case):
    """apply gives the vector's text, or the vector's error."""
    if "error" in case:
        with pytest.raises(errorNamed(case["error"])):
            apply(case["text"], op(case["op"]))
    else:
        assert apply(case["text"], op(case["op"])) == case["result"]


NORMALIZE = cases("normalize.json")


@pytest.mark.parametrize("case", NORMALIZE, ids=ids(NORMALIZE))
def test_wire_form_is_validated_and_canonical(case):
    """fromJSON accepts the documented shape only, and toJSON emits the canonical form."""
    if "error" in case:
        with pytest.raises(MalformedOperation):
            op(case["op"])
    else:
        assert op(case["op"]).toJSON() == case["canonical"]
        assert op(case["canonical"]).toJSON() == case["canonical"]


TRANSFORM = cases("transform.json")


@pytest.mark.parametrize("case", TRANSFORM, ids=ids(TRANSFORM))
def test_transform_vectors(case):
    """transform gives the vector's pair, and both orders reach the vector's text."""
    a, b = op(case["a"]), op(case["b"])
    a2, b2 = transform(a, b)
    assert [a2.toJSON(), b2.toJSON()] == [case["a2"], case["b2"]]
    assert apply(apply(case["text"], a), b2) == case["result"]
    assert apply(apply(case["text"], b), a2) == case["result"]


COMPOSE = cases("compose.json")


@pytest.mark.parametrize("case", COMPOSE, ids=ids(COMPOSE))
def test_compose_vectors(case):
    """compose gives the vector's op, which applies like its two parts in turn."""
    a, b = op(case["a"]), op(case["b"])
    assert compose(a, b).toJSON() == case["ab"]
    assert apply(case["text"], compose(a, b)) == case["result"]
    assert apply(apply(case["text"], a), b) == case["result"]


CURSOR = cases("cursor.json")


@pytest.mark.parametrize("case", CURSOR, ids=ids(CURSOR))
def test_cursor_vectors(case):
    """Cursors and selections move with the text around them."""
    if "selection" in case:
        assert list(transformSelection(*case["selection"], op(case["op"]))) == case["result"]
    else:
        assert transformCursor(case["pos"], op(case["op"]), case["after"]) == case["result"]


CHANGE = cases("change.json")


@pytest.mark.parametrize("case", CHANGE, ids=ids(CHANGE))
def test_change_vectors(case):
    """opFromChange finds the edit the caret implies, and it turns old into new."""
    result = opFromChange(case["old"], case["new"], case["cursor"])
    assert result.toJSON() == case["op"]
    assert apply(case["old"], result) == case["new"]


DIFF = cases("diff.json")


@pytest.mark.parametrize("case", DIFF, ids=ids(DIFF))
def test_diff_vectors(case):
    """diff finds the vector's shortest edit, and it turns old into new."""
    result = diff(case["old"], case["new"])
    assert result.toJSON() == case["op"]
    assert apply(case["old"], result) == case["new"]


INVERT = cases("invert.json")


@pytest.mark.parametrize("case", INVERT, ids=ids(INVERT))
def test_invert_vectors(case):
    """invert gives the op that restores the text."""
    inverse = invert(op(case["op"]), case["text"])
    assert inverse.toJSON() == case["inverse"]
    assert apply(apply(case["text"], op(case["op"])), inverse) == case["text"]


DOCUMENT = cases("document.json")


@pytest.mark.parametrize("case", DOCUMENT, ids=ids(DOCUMENT))
def test_document_vectors(case):
    """The server sequences, transforms and refuses ops as the vector says, changing nothing
    when it refuses."""
    doc = TextDocument(case["text"], historyLimit=case["historyLimit"])
    for step in case["steps"]:
        if "error" in step:
            before = (doc.text, doc.version, list(doc.history))
            with pytest.raises(errorNamed(step["error"])):
                doc.receive(step["op"], step["base"], step["site"])
            assert (doc.text, doc.version, list(doc.history)) == before
        else:
            applied, version = doc.receive(step["op"], step["base"], step["site"])
            assert [applied.toJSON(), version] == step["result"]
    assert doc.text == case["final"]


TRACES = json.loads((VECTORS / "traces.json").read_text(encoding="utf-8"))["traces"]


def replay(trace: dict) -> None:
    """Replay a recorded session: same server results in order, same final text everywhere."""
    server = TextDocument(trace["initial"], 0, trace["historyLimit"])
    toServer = {s: [] for s in trace["sites"]}
    toSite = {s: [] for s in trace["sites"]}
    epochs = {s: 0 for s in trace["sites"]}  # a refusal of an op sent before a resync is moot
    clients = {
        s: SyncClient(trace["initial"], 0, lambda o, base, follows, s=s: toServer[s].append(
            (o, base, follows, epochs[s])))
        for s in trace["sites"]
    }
    log = iter(trace["server"])
    for event in trace["events"]:
        if "edit" in event:
            clients[event["edit"]].applyLocal(op(event["op"]))
        elif "flush" in event:
            clients[event["flush"]].flush()
        elif "toServer" in event:
            site = event["toServer"]
            sent, base, follows, epoch = toServer[site].pop(0)
            expected = next(log)
            assert (expected["site"], expected["base"], expected["op"], expected.get("follows", 0)) \
                == (site, base, sent.toJSON(), follows)
            try:
                applied, version = server.receive(sent, base, site, follows)
            except (StaleVersion, SyncError) as e:
                assert expected.get("error") == type(e).__name__
                toSite[site].append(("resync", server.text, server.version, epoch))
                continue
            assert [applied.toJSON(), version] == expected["result"]
            for other in trace["sites"]:
                toSite[other].append(("ack", version) if other == site else ("op", applied, version))
        else:
            site = event["toSite"]
            kind, *args = toSite[site].pop(0)
            client = clients[site]
            if kind == "resync":
                if args.pop() == epochs[site]:
                    epochs[site] += 1
                    client.resync(*args)
                continue
            {"ack": client.acknowledge, "op": client.applyRemote}[kind](*args)
    assert next(log, None) is None
    assert (server.text, server.version) == (trace["final"], trace["finalVersion"])
    for client in clients.values():
        assert (client.text, client.state) == (trace["final"], SyncState.SYNCHRONIZED)


@pytest.mark.parametrize("trace", TRACES, ids=[t["name"] for t in TRACES])
def test_recorded_traces_replay(trace):
    """Every recorded three-site session replays to its recorded results and text."""
    replay(trace)


def test_traces_cover_emoji_concurrency_and_resyncs():
    """The committed traces exercise what they are there for."""
    finals = "".join(t["final"] for t in TRACES)
    assert any(ord(ch) > 0xFFFF for ch in finals)
    transformed = sum(
        1 for t in TRACES for e in t["server"] if "result" in e and e["result"][1] != e["base"] + 1
    )
    assert transformed > 100
    assert any(e.get("error") == "StaleVersion" for t in TRACES for e in t["server"])
    chained = [e for t in TRACES for e in t["server"] if e.get("follows")]
    assert sum("result" in e for e in chained) > 20
    assert sum(1 for t in TRACES for e in t["server"] if e.get("error") == "SyncError") > 0


# -- the sync client -------------------------------------------------------------------


class Recorder:
    def __init__(self):
        self.sent: list[tuple[list, int]] = []

    def __call__(self, o: Operation, base: int, follows: int = 0) -> None:
        self.sent.append((o.toJSON(), base) + ((follows,) if follows else ()))


def test_client_sends_one_op_at_a_time_and_buffers_the_rest():
    """Edits made while one op is unconfirmed are composed and sent on its acknowledgement."""
    send = Recorder()
    client = SyncClient("", 0, send)
    client.applyLocal(Operation.insert(0, "a"))
    assert client.state is SyncState.AWAITING_CONFIRM
    client.applyLocal(Operation.insert(1, "b"))
    client.applyLocal(Operation.insert(2, "😀"))
    assert client.state is SyncState.AWAITING_WITH_BUFFER
    assert send.sent == [([{"at": 0, "insert": "a"}], 0)]
    client.acknowledge(1)
    assert send.sent[1] == ([{"at": 1, "insert": "b😀"}], 1)
    assert client.state is SyncState.AWAITING_CONFIRM
    client.acknowledge(2)
    assert client.state is SyncState.SYNCHRONIZED
    assert (client.text, client.confirmedText, client.version) == ("ab😀", "ab😀", 2)


def test_client_transforms_remote_ops_past_its_pending_ones():
    """A remote op is shifted past the local pending text, and the pending op past it."""
    send = Recorder()
    client = SyncClient("xy", 0, send)
    client.applyLocal(Operation.insert(1, "A"))  # sent
    client.applyLocal(Operation.insert(2, "B"))  # buffered
    shown = client.applyRemote(Operation.insert(0, "<"), 1)
    assert shown == Operation.insert(0, "<")
    shown = client.applyRemote(Operation([Insert(3, ">")]), 2)  # "<xy" + ">" at the end
    assert shown == Operation.insert(5, ">")
    assert client.text == "<xABy>"
    client.acknowledge(3)
    assert send.sent[-1] == ([{"at": 3, "insert": "B"}], 3)


def test_flush_sends_the_buffer_behind_the_unanswered_op_and_the_server_catches_it_up():
    """A run right after typing: the buffer goes at once, marked as following the op still
    unanswered; the server transforms it past what others did meanwhile as the client would."""
    send = Recorder()
    client = SyncClient("xy", 0, send)
    server = TextDocument("xy")
    client.applyLocal(Operation.insert(1, "A"))  # sent, unanswered
    client.applyLocal(Operation.insert(2, "B"))  # buffered
    server.receive(Operation.insert(0, "<"), 0, "other")  # someone else, first
    client.flush()
    assert client.state is SyncState.AWAITING_CONFIRM
    assert send.sent == [([{"at": 1, "insert": "A"}], 0), ([{"at": 2, "insert": "B"}], 0, 1)]
    first = server.receive(op(send.sent[0][0]), 0, "me")
    second = server.receive(op(send.sent[1][0]), 0, "me", 1)
    assert (first, second) == ((Operation.insert(2, "A"), 2), (Operation.insert(3, "B"), 3))
    assert server.text == "<xABy"
    client.applyRemote(Operation.insert(0, "<"), 1)
    client.acknowledge(2)
    assert client.state is SyncState.AWAITING_CONFIRM  # B still unanswered
    client.acknowledge(3)
    assert (client.state, client.text, client.confirmedText) == (
        SyncState.SYNCHRONIZED, "<xABy", "<xABy")
    client.flush()  # nothing buffered: nothing sent
    assert len(send.sent) == 2


def test_the_server_refuses_an_op_that_names_the_wrong_unanswered_ops():
    """`follows` must be exactly the site's ops unanswered at its base: else SyncError, and
    nothing changes (the client starts again from the server's text)."""
    doc = TextDocument("ab")
    doc.receive(Operation.insert(0, "1"), 0, "me")
    for base, follows in [(0, 0), (0, 2), (1, 1), (0, MAX_FOLLOWS + 1), (0, -1)]:
        with pytest.raises(SyncError):
            doc.receive(Operation.insert(0, "2"), base, "me", follows)
        assert (doc.text, doc.version) == ("1ab", 1)
    with pytest.raises(SyncError, match="catch up again"):
        doc.receive(Operation.insert(0, "2"), 0, "stranger", 1)
    assert doc.receive(Operation.insert(1, "2"), 0, "me", 1) == (Operation.insert(1, "2"), 2)
    assert doc.receive(Operation.insert(3, "3"), 1, "me", 1) == (Operation.insert(3, "3"), 3)
    assert doc.text == "12a3b"


def test_a_document_forgets_the_unanswered_ops_of_sites_past_its_history():
    """Each site's unacknowledged ops are kept for the ops that may follow them; past
    SITES_KEPT sites, those older than the kept history go (such an op would be stale)."""
    doc = TextDocument(historyLimit=10)
    for i in range(SITES_KEPT + 1):
        doc.receive(Operation.insert(0, "x"), i, f"site{i}")
    assert len(doc._unconfirmed) <= 11
    assert doc.receive(Operation.insert(0, "y"), doc.version - 1, f"site{SITES_KEPT}", 1)[1] \
        == SITES_KEPT + 2


def test_client_refuses_messages_out_of_order():
    """An acknowledgement with nothing sent, or a skipped or repeated version, is a SyncError."""
    client = SyncClient("", 0, Recorder())
    with pytest.raises(SyncError, match="nothing sent"):
        client.acknowledge(1)
    with pytest.raises(SyncError, match="in order"):
        client.applyRemote(Operation.insert(0, "x"), 2)
    client.applyRemote(Operation.insert(0, "x"), 1)
    with pytest.raises(SyncError):
        client.applyRemote(Operation.insert(0, "x"), 1)
    assert (client.text, client.version) == ("x", 1)


def test_client_resync_rebases_pending_edits_onto_the_server_text():
    """After StaleVersion the client takes the server's text and resends its own insertions."""
    send = Recorder()
    client = SyncClient("hello", 0, send)
    client.applyLocal(Operation.insert(5, " world"))
    client.applyLocal(Operation.insert(0, "> "))
    shown = client.resync("Hello!", 7)
    assert client.text == "> Hello world!"
    assert apply("> hello world", shown) == client.text
    assert client.state is SyncState.AWAITING_CONFIRM and client.version == 7
    assert apply("Hello!", op(send.sent[-1][0])) == client.text and send.sent[-1][1] == 7


def test_resync_with_nothing_pending_sends_nothing():
    """A synchronized client just adopts the server's text."""
    send = Recorder()
    client = SyncClient("abc", 0, send)
    shown = client.resync("abXc", 4)
    assert shown == Operation.insert(2, "X")
    assert (client.text, client.version, client.state, send.sent) == (
        "abXc", 4, SyncState.SYNCHRONIZED, [])


def test_server_history_is_bounded_and_catch_up_uses_it():
    """Only historyLimit ops are kept; opsSince serves them and refuses older versions."""
    doc = TextDocument(historyLimit=3)
    for i in range(5):
        doc.receive(Operation.insert(i, str(i)), i, f"s{i}")
    assert (doc.text, doc.version, doc.oldestVersion, len(doc.history)) == ("01234", 5, 2, 3)
    assert [e.version for e in doc.opsSince(2)] == [3, 4, 5]
    assert doc.opsSince(5) == []
    with pytest.raises(StaleVersion, match="older than the oldest kept version 2"):
        doc.opsSince(1)
    with pytest.raises(UnknownVersion):
        doc.opsSince(6)


def test_errors_are_value_errors_with_sentences():
    """Every error is a ValueError whose message is a full sentence."""
    for bad, error in [
        (lambda: Operation.fromJSON([{"at": 0}]), MalformedOperation),
        (lambda: apply("ab", Operation.delete(1, 5)), OperationOutOfRange),
        (lambda: TextDocument().receive([], 3, "a"), UnknownVersion),
        (lambda: TextDocument().receive([], 0, ""), OperationError),
        (lambda: Operation([("insert", 0, "x")]), MalformedOperation),
        (lambda: TextDocument("\ud800"), OperationError),
    ]:
        with pytest.raises(error) as info:
            bad()
        assert isinstance(info.value, ValueError)
        message = str(info.value)
        assert message[0].isupper() and message.endswith("."), message


def test_operations_are_values():
    """Operations with the same canonical form are equal and hash alike; components are
    plain named tuples."""
    a = Operation([Insert(1, "a"), Insert(2, "b")])
    assert a == Operation.insert(1, "ab") and hash(a) == hash(Operation.insert(1, "ab"))
    assert a.components == (Insert(1, "ab"),)
    assert Operation().isNoop and not a.isNoop
    assert Operation([Delete(0, 1), Delete(0, 1)]) == Operation.delete(0, 2)
    assert "Insert(at=1" in repr(a)
