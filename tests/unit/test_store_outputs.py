"""Output chunks, produced files, clearing, and marking cells interrupted at server start."""

from __future__ import annotations

import pytest

from athena_nb.store import INTERRUPTED_NOTICE, OutputKind, RunState


def test_appended_chunks_come_back_in_order_with_kind_and_payload(db):
    """Chunks appended in several calls load in the order appended, each with its kind and
    its JSON payload decoded, and with increasing ids."""
    store, run = db.store, db.run
    wid, (a, b) = db.worksheet("Out", ["a", "b"])
    run(store.append_outputs(a, [("stream", {"name": "stdout", "text": "1\n"})]))
    run(
        store.append_outputs(
            a,
            [
                (OutputKind.DISPLAY, {"mime": "image/png", "data": "iVBOR"}),
                ("error", {"ename": "ZeroDivisionError", "traceback": ["a", "b"]}),
                ("file", {"path": "cells/1/out.csv"}),
                ("notice", {"text": "note"}),
                ("result", {"text": "4"}),
            ],
        )
    )
    run(store.append_outputs(b, [("stream", {"text": "other cell"})]))
    outputs = run(store.load_worksheet(wid)).cells[0].outputs
    assert [o.kind for o in outputs] == ["stream", "display", "error", "file", "notice", "result"]
    assert outputs[2].payload == {"ename": "ZeroDivisionError", "traceback": ["a", "b"]}
    assert [o.id for o in outputs] == sorted(o.id for o in outputs)
    assert [o.payload for o in run(store.get_cell(b)).outputs] == [{"text": "other cell"}]


def test_bad_chunks_are_refused_whole(db):
    """An unknown kind or a payload that is not JSON fails the whole call, and no chunk of it
    is stored."""
    store, writer, run = db.store, db.writer, db.run
    wid, (a, b) = db.worksheet("Out", ["a", "b"])
    with pytest.raises(ValueError, match="'html' is not a kind of output; use one of stream"):
        run(store.append_outputs(a, [("stream", {"text": "ok"}), ("html", {})]))
    with pytest.raises(ValueError, match="cannot be stored as JSON"):
        run(store.append_outputs(a, [("stream", {"text": "ok"}), ("result", {"x": object()})]))
    assert writer.pending == 0
    assert run(store.get_cell(a)).outputs == ()


def test_payload_is_copied_at_call_time(db):
    """Changing a payload after the call, before the commit, does not change what is saved."""
    store, run = db.store, db.run
    wid, (a, b) = db.worksheet("Out", ["a", "b"])
    payload = {"text": "before"}
    d = store.append_outputs(a, [("stream", payload)])
    payload["text"] = "after"
    run(d)
    assert run(store.get_cell(a)).outputs[0].payload == {"text": "before"}


def test_clear_outputs_of_one_cell(db):
    """Clearing a cell removes its outputs and file records (returning the paths) and leaves
    the other cells alone; new output appends after a clear as usual."""
    store, run = db.store, db.run
    wid, (a, b) = db.worksheet("Out", ["a", "b"])
    run(store.append_outputs(a, [("stream", {"text": "x"})] * 3))
    run(store.append_outputs(b, [("stream", {"text": "y"})]))
    run(store.record_file(a, "cells/a/one.png"))
    run(store.record_file(a, "cells/a/two.csv"))
    assert run(store.clear_outputs(a)) == ("cells/a/one.png", "cells/a/two.csv")
    cells = run(store.load_worksheet(wid)).cells
    assert (cells[0].outputs, cells[0].files) == ((), ())
    assert len(cells[1].outputs) == 1
    assert run(store.clear_outputs(a)) == ()
    run(store.append_outputs(a, [("result", {"text": "again"})]))
    assert [o.payload["text"] for o in run(store.get_cell(a)).outputs] == ["again"]


def test_clear_all_outputs_of_a_worksheet(db):
    """Clearing a worksheet clears every one of its cells and no other worksheet's."""
    store, run = db.store, db.run
    wid, (a, b) = db.worksheet("Out", ["a", "b"])
    other = run(store.create_worksheet("Other"))
    other_cell = run(store.load_worksheet(other.id)).cells[0].id
    for cell in (a, b, other_cell):
        run(store.append_outputs(cell, [("stream", {"text": "x"})]))
    run(store.record_file(b, "cells/b/f.txt"))
    run(store.record_file(other_cell, "cells/o/f.txt"))
    for cell, count in ((a, 4), (b, 5)):
        run(store.set_run_state(cell, RunState.RUNNING, execution_count=count))
    run(store.set_run_state(a, RunState.DONE))
    assert run(store.clear_worksheet_outputs(wid)) == ("cells/b/f.txt",)
    assert all(c.outputs == () for c in run(store.load_worksheet(wid)).cells)
    # A finished cell's count goes with its outputs ([ ]), a running one's stays.
    assert [c.execution_count for c in run(store.load_worksheet(wid)).cells] == [None, 5]
    assert len(run(store.get_cell(other_cell)).outputs) == 1
    assert run(store.get_cell(other_cell)).files == ("cells/o/f.txt",)


def test_record_file(db):
    """Files are listed on their cell in the order recorded; recording twice keeps one."""
    store, run = db.store, db.run
    wid, (a, b) = db.worksheet("Out", ["a", "b"])
    run(store.record_file(a, "cells/a/z.png"))
    run(store.record_file(a, "cells/a/b.png"))
    run(store.record_file(a, "cells/a/z.png"))
    assert run(store.get_cell(a)).files == ("cells/a/z.png", "cells/a/b.png")


@pytest.mark.parametrize(
    "path", ["", "/etc/passwd", "../up.txt", "a/../../b", "a//b", "./a", "a\\b", "a/", "nul\0"]
)
def test_record_file_refuses_paths_that_are_not_plain_relative(db, path):
    """Only plain relative paths are recorded, so a record can never point outside the
    worksheet's directory."""
    store, run = db.store, db.run
    wid, (a, b) = db.worksheet("Out", ["a", "b"])
    with pytest.raises(ValueError, match="not a plain relative path"):
        run(store.record_file(a, path))
    assert run(store.get_cell(a)).files == ()


def test_mark_running_cells_interrupted(db):
    """At server start, queued and running cells (in every worksheet) become interrupted with
    a notice output; idle and finished cells are left as they were."""
    store, run = db.store, db.run
    wid, (a, b) = db.worksheet("Out", ["a", "b"])
    other = run(store.create_worksheet("Other", ["c", "d", "e"]))
    c, d, e = (cell.id for cell in run(store.load_worksheet(other.id)).cells)
    run(store.set_run_state(a, "running", execution_count=3))
    run(store.append_outputs(a, [("stream", {"text": "partial"})]))
    run(store.set_run_state(b, "queued"))
    run(store.set_run_state(d, "running"))
    run(store.set_run_state(d, "done"))
    assert run(store.mark_running_cells_interrupted()) == (a, b)
    cells = {cell.id: cell for w in (wid, other.id) for cell in run(store.load_worksheet(w)).cells}
    assert cells[a].state == cells[b].state == RunState.INTERRUPTED
    assert [o.payload for o in cells[a].outputs] == [
        {"text": "partial"},
        {"text": "interrupted: server restarted"},
    ]
    assert cells[a].outputs[-1].kind == OutputKind.NOTICE
    assert cells[a].execution_count == 3
    assert [o.payload["text"] for o in cells[b].outputs] == [INTERRUPTED_NOTICE]
    assert (cells[c].state, cells[d].state, cells[e].state) == ("idle", "done", "idle")
    assert cells[c].outputs == cells[d].outputs == ()
    assert run(store.mark_running_cells_interrupted()) == ()
    run(store.set_run_state(a, "queued"))


def test_replace_outputs_swaps_the_cells_chunks_and_keeps_its_files(db):
    """For outputs changed in place: the cell's chunks become the new ones in one transaction;
    its file records and the other cells' outputs stay; a bad chunk changes nothing."""
    store, run = db.store, db.run
    wid, (a, b) = db.worksheet("Out", ["a", "b"])
    run(store.append_outputs(a, [("display", {"data": {"text/plain": "0%"}}),
                                 ("stream", {"name": "stdout", "text": "x\n"})]))
    run(store.append_outputs(b, [("stream", {"text": "other"})]))
    run(store.record_file(a, "plot.png"))
    run(store.replace_outputs(a, [("display", {"data": {"text/plain": "100%"}}),
                                  ("stream", {"name": "stdout", "text": "x\n"})]))
    cell = run(store.get_cell(a))
    assert [(o.kind, o.payload) for o in cell.outputs] == [
        ("display", {"data": {"text/plain": "100%"}}), ("stream", {"name": "stdout", "text": "x\n"})]
    assert cell.files == ("plot.png",)
    assert [o.payload for o in run(store.get_cell(b)).outputs] == [{"text": "other"}]
    with pytest.raises(ValueError, match="not a kind of output"):
        run(store.replace_outputs(a, [("bogus", {})]))
    assert len(run(store.get_cell(a)).outputs) == 2
