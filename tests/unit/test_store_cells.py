"""Cell operations: insert above/below/at, delete, move, split, join, text versions, run states."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from athena_nb.store import (
    NotFoundError,
    RunState,
    RunStateError,
    StoreError,
    VersionConflictError,
    allowed_transitions,
)
from tests.support.stores import ManualStore


def texts(store, run, worksheet_id):
    cells = run(store.load_worksheet(worksheet_id)).cells
    assert [c.index for c in cells] == list(range(len(cells)))
    return [c.text for c in cells]


def ids(store, run, worksheet_id):
    return [c.id for c in run(store.load_worksheet(worksheet_id)).cells]


def test_insert_at_index(db):
    """A cell can go first, in the middle or last; its index is where it landed."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    assert run(store.insert_cell(wid, 0, "first")).index == 0
    assert run(store.insert_cell(wid, 2, "middle")).index == 2
    last = run(store.insert_cell(wid, 5, "last"))
    assert (last.index, last.version, last.state, last.outputs) == (5, 0, RunState.IDLE, ())
    assert texts(store, run, wid) == ["first", "a", "middle", "b", "c", "last"]


def test_insert_out_of_range_is_refused(db):
    """An index past the end (or negative) is refused with the allowed range."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    with pytest.raises(StoreError, match="between 0 and 3"):
        run(store.insert_cell(wid, 4))
    with pytest.raises(StoreError, match="between 0 and 3"):
        run(store.insert_cell(wid, -1))
    with pytest.raises(TypeError, match="must be an integer"):
        run(store.insert_cell(wid, "1"))
    assert texts(store, run, wid) == ["a", "b", "c"]


def test_insert_above_and_below(db):
    """Above puts the new cell right before the given one, below right after."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    a, b, c = ids(store, run, wid)
    assert run(store.insert_cell_above(a, "above a")).index == 0
    assert run(store.insert_cell_below(c, "below c")).index == 4
    assert run(store.insert_cell_below(a, "below a")).index == 2
    assert run(store.insert_cell_above(b, "above b")).index == 3
    assert texts(store, run, wid) == ["above a", "a", "below a", "above b", "b", "c", "below c"]
    # A text cell, as a paste of copied cells makes one; a kind that is neither is refused.
    assert run(store.insert_cell_below(a, "# Notes", kind="text")).kind.value == "text"
    with pytest.raises(ValueError, match="not a cell kind"):
        run(store.insert_cell_above(a, "x", kind="poem"))


def test_many_inserts_at_one_spot_keep_order(db):
    """Inserting again and again between the same two cells (which exhausts the gaps and
    renumbers the worksheet) keeps every cell where it was put."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    a = ids(store, run, wid)[0]
    expected = ["a", "b", "c"]
    for i in range(40):
        run(store.insert_cell_below(a, f"n{i}"))
        expected.insert(1, f"n{i}")
    assert texts(store, run, wid) == expected


def test_delete(db):
    """Deleting removes the cell and its outputs and returns its files' paths."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    a, b, c = ids(store, run, wid)
    run(store.append_outputs(b, [("result", {"text": "2"})]))
    run(store.record_file(b, "cells/b/plot.png"))
    assert run(store.delete_cell(b)) == ("cells/b/plot.png",)
    assert texts(store, run, wid) == ["a", "c"]
    with pytest.raises(NotFoundError, match=f"^Cell {b} does not exist"):
        run(store.get_cell(b))
    with pytest.raises(NotFoundError):
        run(store.delete_cell(b))
    assert run(store.delete_cell(a)) == ()
    run(store.delete_cell(c))
    assert texts(store, run, wid) == []


def test_move_up_and_down(db):
    """Moving up or down swaps with the neighbour; at the edges the cell stays put."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    a, b, c = ids(store, run, wid)
    assert run(store.move_cell_up(c)) == 1
    assert texts(store, run, wid) == ["a", "c", "b"]
    assert run(store.move_cell_down(a)) == 1
    assert texts(store, run, wid) == ["c", "a", "b"]
    assert run(store.move_cell_up(c)) == 0
    assert run(store.move_cell_down(b)) == 2
    assert texts(store, run, wid) == ["c", "a", "b"]


def test_move_to_index(db):
    """A cell can be moved to any index; out of range is refused."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    a, b, c = ids(store, run, wid)
    assert run(store.move_cell(a, 2)) == 2
    assert texts(store, run, wid) == ["b", "c", "a"]
    assert run(store.move_cell(a, 0)) == 0
    assert texts(store, run, wid) == ["a", "b", "c"]
    assert run(store.move_cell(b, 1)) == 1
    with pytest.raises(StoreError, match="between 0 and 2"):
        run(store.move_cell(a, 3))
    assert texts(store, run, wid) == ["a", "b", "c"]


def test_split(db):
    """Splitting keeps the first part (and the outputs) in the cell with a new version, and
    puts the rest in a new idle cell right after it."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    a, b, c = ids(store, run, wid)
    run(store.set_cell_text(b, "x = 1; y = 2", 4))
    run(store.append_outputs(b, [("result", {"text": "old"})]))
    first, second = run(store.split_cell(b, 6))
    assert (first.id, first.text, first.version, first.index) == (b, "x = 1;", 5, 1)
    assert [o.payload for o in first.outputs] == [{"text": "old"}]
    assert (second.text, second.version, second.index, second.outputs) == (" y = 2", 0, 2, ())
    assert texts(store, run, wid) == ["a", "x = 1;", " y = 2", "c"]


def test_split_at_a_line_break_drops_it(db):
    """A line break at the split point becomes the boundary between the two cells, whether
    the split point is just before or just after it (only one is dropped)."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    a, b, c = ids(store, run, wid)
    run(store.set_cell_text(a, "x = 1\ny = 2", 1))
    assert [cell.text for cell in run(store.split_cell(a, 5))] == ["x = 1", "y = 2"]
    run(store.set_cell_text(b, "p\n\nq", 1))
    assert [cell.text for cell in run(store.split_cell(b, 2))] == ["p", "\nq"]


def test_split_at_the_ends_and_out_of_range(db):
    """Splitting at 0 or at the end leaves one part empty; past the end is refused."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    a = ids(store, run, wid)[0]
    run(store.split_cell(a, 0))
    assert texts(store, run, wid) == ["", "a", "b", "c"]
    run(store.split_cell(a, 0))
    run(store.split_cell(a, 0))
    assert texts(store, run, wid)[:3] == ["", "", ""]
    b = ids(store, run, wid)[4]
    run(store.split_cell(b, 1))
    assert texts(store, run, wid)[4:] == ["b", "", "c"]
    with pytest.raises(StoreError, match="between 0 and 1"):
        run(store.split_cell(b, 2))


def test_split_counts_characters_not_bytes(db):
    """The split point is an offset in characters, so non-ASCII text splits where expected."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    a = ids(store, run, wid)[0]
    run(store.set_cell_text(a, "π = 3.14 # ≈", 1))
    first, second = run(store.split_cell(a, 1))
    assert (first.text, second.text) == ("π", " = 3.14 # ≈")


def test_join_with_next(db):
    """Joining puts the next cell's text on a new line and removes that cell with its
    outputs; the first cell keeps its own outputs."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    a, b, c = ids(store, run, wid)
    run(store.append_outputs(a, [("stream", {"text": "a out"})]))
    run(store.append_outputs(b, [("stream", {"text": "b out"})]))
    joined = run(store.join_cell_with_next(a))
    assert (joined.id, joined.text, joined.version, joined.index) == (a, "a\nb", 1, 0)
    assert [o.payload["text"] for o in joined.outputs] == ["a out"]
    assert texts(store, run, wid) == ["a\nb", "c"]
    with pytest.raises(NotFoundError):
        run(store.get_cell(b))


def test_join_with_empty_cells_adds_no_blank_line(db):
    """An empty side adds no newline; the last cell has nothing to join with."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    a, b, c = ids(store, run, wid)
    run(store.set_cell_text(b, "", 1))
    assert run(store.join_cell_with_next(a)).text == "a"
    run(store.set_cell_text(a, "", 2))
    assert run(store.join_cell_with_next(a)).text == "c"
    with pytest.raises(StoreError, match="is the last cell"):
        run(store.join_cell_with_next(a))


def test_split_then_join_restores_the_text(db):
    """Splitting at a line break and joining again gives back the exact text."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    a = ids(store, run, wid)[0]
    for at in (5, 6):
        run(store.set_cell_text(a, "x = 1\ny = 2", run(store.get_cell(a)).version + 1))
        run(store.split_cell(a, at))
        assert run(store.join_cell_with_next(a)).text == "x = 1\ny = 2"


def test_set_text_versions_only_go_forward(db):
    """Text is saved with its version; an equal or older version is refused and changes
    nothing, so a late write can never overwrite newer text."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    a = ids(store, run, wid)[0]
    assert run(store.set_cell_text(a, "v1", 1)) is None
    run(store.set_cell_text(a, "v7", 7))
    with pytest.raises(VersionConflictError, match="version 7 is already saved"):
        run(store.set_cell_text(a, "stale", 7))
    with pytest.raises(VersionConflictError):
        run(store.set_cell_text(a, "stale", 3))
    cell = run(store.get_cell(a))
    assert (cell.text, cell.version) == ("v7", 7)


def test_text_is_stored_exactly(db):
    """Any Unicode text comes back unchanged; text that is not valid Unicode is refused."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    a = ids(store, run, wid)[0]
    text = "tab\there\r\nnul\0 emoji 🐍 ñ\u200b" + "z" * 100_000
    run(store.set_cell_text(a, text, 1))
    assert run(store.get_cell(a)).text == text
    with pytest.raises(ValueError, match="not valid Unicode"):
        run(store.set_cell_text(a, "half \ud800", 2))


def test_run_states_follow_the_state_machine(db):
    """A run goes idle -> queued -> running -> done, storing count and who ran it; each call
    fires with the previous state."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    a = ids(store, run, wid)[0]
    assert run(store.set_run_state(a, "queued", ran_by="Ada")) == RunState.IDLE
    assert run(store.set_run_state(a, RunState.RUNNING, execution_count=1)) == RunState.QUEUED
    assert run(store.set_run_state(a, "done")) == RunState.RUNNING
    cell = run(store.get_cell(a))
    assert (cell.state, cell.execution_count, cell.ran_by) == (RunState.DONE, 1, "Ada")
    run(store.set_run_state(a, "running", execution_count=2, ran_by="Bob"))
    run(store.set_run_state(a, "error"))
    cell = run(store.get_cell(a))
    assert (cell.state, cell.execution_count, cell.ran_by) == (RunState.ERROR, 2, "Bob")


def test_illegal_run_state_transitions_are_refused(db):
    """Every transition outside the table is refused with a sentence and changes nothing."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    a = ids(store, run, wid)[0]
    reach = {
        RunState.IDLE: [],
        RunState.QUEUED: ["queued"],
        RunState.RUNNING: ["running"],
        RunState.DONE: ["running", "done"],
        RunState.ERROR: ["running", "error"],
        RunState.INTERRUPTED: ["running", "interrupted"],
    }
    for source in RunState:
        for target in RunState:
            if target in allowed_transitions(source):
                continue
            cell = run(store.insert_cell(wid, 0))
            for step in reach[source]:
                run(store.set_run_state(cell.id, step))
            assert run(store.get_cell(cell.id)).state == source
            with pytest.raises(RunStateError, match=f"cannot go from {source} to {target}"):
                run(store.set_run_state(cell.id, target))
            assert run(store.get_cell(cell.id)).state == source
    with pytest.raises(ValueError, match="'runing' is not a run state; use one of idle"):
        run(store.set_run_state(a, "runing"))


def test_unknown_cell_is_a_clear_error(db):
    """Calls on a cell that does not exist fail NotFoundError naming it."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "b", "c"])
    for call in (
        store.get_cell, store.delete_cell, store.move_cell_up, store.join_cell_with_next,
        store.insert_cell_above, store.clear_outputs,
        lambda c: store.set_cell_text(c, "x", 1), lambda c: store.split_cell(c, 0),
        lambda c: store.set_run_state(c, "queued"), lambda c: store.record_file(c, "f"),
        lambda c: store.append_outputs(c, [("stream", {})]),
    ):  # fmt: skip
        with pytest.raises(NotFoundError, match="^Cell 999 does not exist; .*\\.$"):
            run(call(999))


operations = st.lists(
    st.tuples(
        st.sampled_from(["insert", "above", "below", "delete", "move", "up", "down"]),
        st.integers(0, 1000),
        st.integers(0, 1000),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(operations)
def test_random_structure_edits_match_a_list(ops):
    """Any sequence of inserts, deletes and moves leaves the cells in the same order as the
    same edits applied to a Python list."""
    db = ManualStore()  # one per example: hypothesis runs them all in one test call
    store, run = db.store, db.run
    wid = run(store.create_worksheet("Prop", [])).id
    model: list[int] = []
    for name, x, y in ops:
        if name == "insert" or not model:
            index = x % (len(model) + 1)
            model.insert(index, run(store.insert_cell(wid, index)).id)
            continue
        cell = model[x % len(model)]
        if name == "above":
            model.insert(model.index(cell), run(store.insert_cell_above(cell)).id)
        elif name == "below":
            model.insert(model.index(cell) + 1, run(store.insert_cell_below(cell)).id)
        elif name == "delete":
            run(store.delete_cell(cell))
            model.remove(cell)
        else:
            index = {"move": y % len(model), "up": model.index(cell) - 1}.get(
                name, model.index(cell) + 1
            )
            index = max(0, min(len(model) - 1, index))
            assert run(getattr(store, {"move": "move_cell"}.get(name, f"move_cell_{name}"))(
                cell, *([index] if name == "move" else [])
            )) == index  # fmt: skip
            model.remove(cell)
            model.insert(index, cell)
        assert [c.id for c in run(store.load_worksheet(wid)).cells] == model


def test_restore_cell_puts_a_cell_back_whole_in_one_call(db):
    """A deleted cell comes back at an index with its text, kind, finished run, outputs and
    file records; a queued or running state, a bad path or a bad index is refused, nothing
    written."""
    store, run = db.store, db.run
    wid, _ = db.worksheet("Cells", ["a", "c"])
    back = run(store.restore_cell(wid, 1, "b", kind="text", state="error", execution_count=4,
                                  ran_by="Ann", outputs=[("stream", {"text": "x"})],
                                  files=["out/b.png"]))
    assert (back.index, back.text, back.kind, back.state, back.execution_count, back.ran_by) == (
        1, "b", "text", RunState.ERROR, 4, "Ann")
    assert [(o.kind, o.payload) for o in back.outputs] == [("stream", {"text": "x"})]
    assert back.files == ("out/b.png",)
    assert texts(store, run, wid) == ["a", "b", "c"]
    for bad in ({"state": "running"}, {"files": ["../x"]}):
        with pytest.raises(ValueError):
            run(store.restore_cell(wid, 0, "z", **bad))
    with pytest.raises(StoreError, match="index"):
        run(store.restore_cell(wid, 9, "z"))
    assert texts(store, run, wid) == ["a", "b", "c"]
