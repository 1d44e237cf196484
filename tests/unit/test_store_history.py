"""The store's history: every change logged with its state, replayed exactly to any version,
compacted, kept across reopening. Code: athena_nb/store/_history.py, _logged.py, _compaction.py.
"""

from __future__ import annotations

import json
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.internet.task import Clock

from athena_nb import history, ot
from athena_nb.store import StoreError, VersionConflictError, _history
from athena_nb.store.testing import open_manual_store, settle


def live(store, writer, wid):
    snapshot = settle(writer, store.load_worksheet(wid))
    return snapshot.worksheet.title, [(c.id, str(c.kind.value), c.text) for c in snapshot.cells]


def at(store, writer, wid, version):
    state = settle(writer, store.history_at(wid, version))
    return state["title"], [(c["id"], c["kind"], c["text"]) for c in state["cells"]]


def last(store, writer, wid):
    return settle(writer, store.history_info(wid))["last"]


WORDS = st.text(alphabet="ab\n é", max_size=6)


def step(data, store, writer, clock, wid, who):
    """One random change through the store's calls, as the hub makes them."""
    snapshot = settle(writer, store.load_worksheet(wid))
    cells = snapshot.cells
    action = data.draw(st.sampled_from(
        ["text", "text", "text", "whole", "insert", "delete", "move", "split", "join", "kind",
         "title", "conflict", "restore", "restore", "restore cell"]))
    cell = data.draw(st.sampled_from(cells))
    clock.advance(data.draw(st.integers(0, 100)))
    if action in ("text", "whole"):
        n = len(cell.text)
        if data.draw(st.booleans()) or n == 0:
            op = ot.Operation.insert(data.draw(st.integers(0, n)), data.draw(WORDS) or "x")
        else:
            start = data.draw(st.integers(0, n - 1))
            op = ot.Operation.delete(start, data.draw(st.integers(1, n - start)))
        text = ot.apply(cell.text, op)
        if action == "whole":  # no op (or a wrong one): the history keeps the whole text
            op = None if data.draw(st.booleans()) else ot.Operation.insert(0, "zz")
        settle(writer, store.set_cell_text(cell.id, text, cell.version + 1,
                                           op=op and op.toJSON(), who=who))
    elif action == "conflict":  # refused: neither the text nor the log changes
        with pytest.raises(VersionConflictError):
            settle(writer, store.set_cell_text(cell.id, "lost", cell.version, who=who))
    elif action == "insert":
        where = data.draw(st.sampled_from(["index", "above", "below"]))
        if where == "index":
            settle(writer, store.insert_cell(wid, data.draw(st.integers(0, len(cells))),
                                             data.draw(WORDS), who=who))
        else:
            call = store.insert_cell_above if where == "above" else store.insert_cell_below
            settle(writer, call(cell.id, data.draw(WORDS), who=who))
    elif action == "delete" and len(cells) > 1:
        settle(writer, store.delete_cell(cell.id, who=who))
    elif action == "move":
        how = data.draw(st.sampled_from(["index", "up", "down"]))
        if how == "index":
            settle(writer, store.move_cell(cell.id, data.draw(st.integers(0, len(cells) - 1)),
                                           who=who))
        else:
            call = store.move_cell_up if how == "up" else store.move_cell_down
            settle(writer, call(cell.id, who=who))
    elif action == "split":
        settle(writer, store.split_cell(cell.id, data.draw(st.integers(0, len(cell.text))),
                                        who=who))
    elif action == "join" and cell.index < len(cells) - 1:
        settle(writer, store.join_cell_with_next(cell.id, who=who))
    elif action == "kind":
        settle(writer, store.set_cell_kind(cell.id, data.draw(st.sampled_from(["code", "text"])),
                                           who=who))
    elif action == "title":
        settle(writer, store.rename_worksheet(wid, data.draw(st.sampled_from(["A", "B"])),
                                              who=who))
    elif action.startswith("restore"):  # planned as the hub plans it (athena_nb/history.py)
        version = data.draw(st.integers(0, last(store, writer, wid)))
        past = settle(writer, store.history_at(wid, version))
        if action == "restore":
            steps = history.planVersion(cells, snapshot.worksheet.title, past)
            result = settle(writer, store.restore_version(wid, version, steps, who=who))
            now = live(store, writer, wid)
            assert (now[0], [c[1:] for c in now[1]]) == (
                past["title"], [(c["kind"], c["text"]) for c in past["cells"]])
            assert {c.id for c in result["inserted"]} == {c[0] for c in now[1]} - {
                c["id"] for c in past["cells"]}
        elif past["cells"]:
            old = data.draw(st.sampled_from(past["cells"]))
            steps = history.planCell(cells, past, old["id"])
            settle(writer, store.restore_version(wid, version, steps, cell=old["id"], who=who))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_replaying_to_every_version_gives_the_state_stored_right_after_it(data):
    clock = Clock()
    store, writer = open_manual_store(clock)
    with mock.patch.object(_history, "CHECKPOINT_EVERY", data.draw(st.integers(2, 9))):
        wid = settle(writer, store.create_worksheet("T", ["a", "bc"])).id
        states = {0: live(store, writer, wid)}
        for _ in range(data.draw(st.integers(1, 40))):
            step(data, store, writer, clock, wid, data.draw(st.sampled_from(["ann", "bob"])))
            states[last(store, writer, wid)] = live(store, writer, wid)
        assert sorted(states) == list(range(len(states)))  # one version per change, no gaps
        for version, state in states.items():
            assert at(store, writer, wid, version) == state
        # Compaction keeps every version that is left exact, and the last one; compacting
        # again after more changes starts where the last compaction stopped.
        for _ in range(2):
            clock.advance(1000)
            while not settle(writer, store.compact_history(wid, clock.seconds(), window=150,
                                                           limit=data.draw(st.integers(2, 20))))["done"]:
                pass
            left = {v for (v,) in writer._conn.execute(
                "SELECT version FROM history WHERE worksheet_id = ?", (wid,))} | {0}
            assert max(states) in left
            for version in left:
                assert at(store, writer, wid, version) == states[version]
            for _ in range(data.draw(st.integers(0, 15))):
                step(data, store, writer, clock, wid, data.draw(st.sampled_from(["ann", "bob"])))
                states[last(store, writer, wid)] = live(store, writer, wid)


def test_who_changed_each_cell_and_when():
    clock = Clock()
    store, writer = open_manual_store(clock)
    ws = settle(writer, store.create_worksheet("T", ["x"]))
    cell = settle(writer, store.load_worksheet(ws.id)).cells[0]
    clock.advance(5)
    settle(writer, store.set_cell_text(cell.id, "xy", 1, op=ot.Operation.insert(1, "y").toJSON(),
                                       who="ann"))
    clock.advance(5)
    new = settle(writer, store.insert_cell(ws.id, 1, "z", who="bob"))
    state = settle(writer, store.history_at(ws.id, 2))
    assert [(c["text"], c["by"], c["at"]) for c in state["cells"]] == [
        ("xy", "ann", 5.0), ("z", "bob", 10.0)]
    assert (state["who"], state["time"], state["change"]["t"]) == ("bob", 10.0, "insert")
    assert state["change"]["cell"] == new.id
    row = writer._conn.execute("SELECT change FROM history WHERE version = 1").fetchone()
    assert json.loads(row[0]) == {"t": "text", "cell": cell.id,  # the keystroke, not the text
                                  "op": [{"at": 1, "insert": "y"}]}
    assert settle(writer, store.history_at(ws.id, 0))["cells"][0]["text"] == "x"


def test_a_version_out_of_range_is_a_sentence():
    store, writer = open_manual_store(Clock())
    ws = settle(writer, store.create_worksheet("T", ["x"]))
    assert settle(writer, store.history_at(ws.id, 0))["cells"][0]["text"] == "x"  # no log yet
    with pytest.raises(StoreError, match="history has versions 0 to 0; there is no version 3"):
        settle(writer, store.history_at(ws.id, 3))
    with pytest.raises(StoreError, match="no version -1"):
        settle(writer, store.history_at(ws.id, -1))
    with pytest.raises(TypeError, match="version must be an integer"):
        settle(writer, store.history_at(ws.id, "1"))
    with pytest.raises(ValueError, match="1 to 200 characters"):
        settle(writer, store.name_version(ws.id, "  "))


def test_named_versions_and_outputs_kept_with_them():
    store, writer = open_manual_store(Clock())
    ws = settle(writer, store.create_worksheet("T", ["x"]))
    cell = settle(writer, store.load_worksheet(ws.id)).cells[0]
    settle(writer, store.set_cell_text(cell.id, "y", 1, who="ann"))
    named = settle(writer, store.name_version(ws.id, " before the exam ", who="ann"))
    assert (named["name"], named["version"], named["outputs"]) == ("before the exam", 1, False)
    kept = settle(writer, store.name_version(ws.id, "with outputs", 0,
                                             outputs={str(cell.id): [{"type": "result"}]}))
    info = settle(writer, store.history_info(ws.id))
    assert [(n["name"], n["version"], n["outputs"]) for n in info["names"]] == [
        ("with outputs", 0, True), ("before the exam", 1, False)]
    outputs = settle(writer, store.named_outputs(ws.id, kept["id"]))
    assert outputs["outputs"] == {str(cell.id): [{"type": "result"}]}
    with pytest.raises(StoreError, match="no snapshot with outputs"):
        settle(writer, store.named_outputs(ws.id, named["id"]))


def test_the_history_survives_reopening_the_store(tmp_path):
    path = tmp_path / "nb.sqlite"
    clock = Clock()
    store, writer = open_manual_store(clock, path)
    ws = settle(writer, store.create_worksheet("T", ["a"]))
    cell = settle(writer, store.load_worksheet(ws.id)).cells[0]
    for i, letter in enumerate("bcd", 1):
        settle(writer, store.set_cell_text(cell.id, "a" + "bcd"[:i], i,
                                           op=ot.Operation.insert(i, letter).toJSON()))
    settle(writer, store.close())
    store, writer = open_manual_store(clock, path)
    assert [at(store, writer, ws.id, v)[1][0][2] for v in range(4)] == ["a", "ab", "abc", "abcd"]
    settle(writer, store.insert_cell(ws.id, 0, "new"))
    assert last(store, writer, ws.id) == 4
    settle(writer, store.close())



def test_a_restore_is_one_version_or_nothing():
    clock = Clock()
    store, writer = open_manual_store(clock)
    ws = settle(writer, store.create_worksheet("T", ["a", "b"]))
    other = settle(writer, store.create_worksheet("O", ["o"]))
    a, b = settle(writer, store.load_worksheet(ws.id)).cells
    settle(writer, store.set_cell_text(a.id, "a!", 1, op=ot.Operation.insert(1, "!").toJSON()))
    settle(writer, store.delete_cell(b.id, who="ann"))
    clock.advance(5)
    steps = [{"t": "text", "cell": a.id, "text": "a", "version": 2, "op": [{"at": 1, "delete": 1}]},
             {"t": "insert", "index": 1, "text": "b", "kind": "text"},
             {"t": "title", "title": "Old"}]
    done = settle(writer, store.restore_version(ws.id, 0, steps, who="bob"))
    assert done["version"] == 3 and [c.text for c in done["inserted"]] == ["b"]
    state = settle(writer, store.history_at(ws.id, 3))
    assert (state["who"], state["time"], state["title"]) == ("bob", 5.0, "Old")
    assert state["change"]["t"] == "restore" and state["change"]["version"] == 0
    assert [s["t"] for s in state["change"]["steps"]] == ["text", "insert", "title"]
    assert state["change"]["steps"][0]["op"] == [{"at": 1, "delete": 1}]  # as typed, not whole
    assert [(c["text"], c["kind"], c["by"]) for c in state["cells"]] == [
        ("a", "code", "bob"), ("b", "text", "bob")]
    # A step the store refuses (here a cell of another worksheet) undoes the steps before it.
    o = settle(writer, store.load_worksheet(other.id)).cells[0]
    for bad, words in (([{"t": "title", "title": "New"}, {"t": "delete", "cell": o.id}],
                        f"Cell {o.id} is not in worksheet {ws.id}"),
                       ([{"t": "delete", "cell": a.id},
                         {"t": "text", "cell": done["inserted"][0].id, "text": "x", "version": 0}],
                        "versions only go forward"),
                       ([{"t": "move", "cell": a.id, "index": 5}], "index must be between 0 and 1")):
        with pytest.raises(StoreError, match=words):
            settle(writer, store.restore_version(ws.id, 1, bad, who="bob"))
    assert last(store, writer, ws.id) == 3 and live(store, writer, ws.id)[0] == "Old"
    assert [c[2] for c in live(store, writer, ws.id)[1]] == ["a", "b"]
    with pytest.raises(StoreError, match="no version 9"):
        settle(writer, store.restore_version(ws.id, 9, [], who="bob"))
    for bad, words in (("x", "steps must be a list"), ([{"t": "split"}], "not {'t': 'split'}"),
                       ([{"t": "kind", "cell": a.id, "kind": "pic"}], "'code' or 'text', not 'pic'"),
                       ([{"t": "text", "cell": a.id, "text": 3, "version": 1}], "cell text must")):
        with pytest.raises((TypeError, ValueError), match=words):
            settle(writer, store.restore_version(ws.id, 0, bad))
    assert settle(writer, store.restore_version(ws.id, 2, []))["version"] == 3  # nothing logged
