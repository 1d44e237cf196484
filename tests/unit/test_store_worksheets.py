"""Worksheets: create, list, rename, trash, restore, delete forever, metadata."""

from __future__ import annotations

import pytest

from athena_nb.store import NotFoundError, StoreError, Worksheet


def test_create_gives_one_empty_cell_by_default(db):
    """A new worksheet has the given title, both times set to now, and one empty idle cell."""
    store, run = db.store, db.run
    worksheet = run(store.create_worksheet("  Algebra  "))
    assert worksheet == Worksheet(worksheet.id, "Algebra", 1000.0, 1000.0, None)
    assert len(worksheet.id) == 16
    loaded = run(store.load_worksheet(worksheet.id))
    assert loaded.worksheet == worksheet
    assert [(c.text, c.index, c.version) for c in loaded.cells] == [("", 0, 0)]


def test_create_with_given_cells(db):
    """Cells given at creation come back in that order; an empty list gives no cells."""
    store, run = db.store, db.run
    worksheet = run(store.create_worksheet("Import", ["a", "b", "c"]))
    cells = run(store.load_worksheet(worksheet.id)).cells
    assert [(c.index, c.text) for c in cells] == [(0, "a"), (1, "b"), (2, "c")]
    empty = run(store.create_worksheet("Empty", []))
    assert run(store.load_worksheet(empty.id)).cells == ()


def test_bad_titles_are_refused(db):
    """Empty, blank, over-long or non-string titles fail with a sentence; nothing is created."""
    store, writer, run = db.store, db.writer, db.run
    for title in ("", "   ", "x" * 501):
        with pytest.raises(ValueError, match="between 1 and 500 characters"):
            run(store.create_worksheet(title))
    with pytest.raises(TypeError, match="must be a string"):
        run(store.create_worksheet(None))
    assert writer.pending == 0
    assert run(store.list_worksheets(include_trashed=True)) == []


def test_list_is_most_recently_modified_first(db):
    """Listing orders by last modification; editing a cell counts as modifying its worksheet."""
    store, run = db.store, db.run
    first = run(store.create_worksheet("First"))
    db.clock.advance(1)
    second = run(store.create_worksheet("Second"))
    assert [w.title for w in run(store.list_worksheets())] == ["Second", "First"]
    db.clock.advance(1)
    cell = run(store.load_worksheet(first.id)).cells[0]
    run(store.set_cell_text(cell.id, "1 + 1", 1))
    listed = run(store.list_worksheets())
    assert [w.id for w in listed] == [first.id, second.id]
    assert listed[0].modified == 1002.0


def test_rename(db):
    """Renaming changes the title and the modification time, not the creation time."""
    store, run = db.store, db.run
    worksheet = run(store.create_worksheet("Old"))
    db.clock.advance(5)
    renamed = run(store.rename_worksheet(worksheet.id, "New"))
    assert (renamed.title, renamed.created, renamed.modified) == ("New", 1000.0, 1005.0)
    assert run(store.get_worksheet(worksheet.id)) == renamed


def test_trash_and_restore(db):
    """A trashed worksheet leaves the default list but not the full one; restoring brings it
    back with its cells; trashing twice keeps the first time."""
    store, run = db.store, db.run
    keep = run(store.create_worksheet("Keep"))
    gone = run(store.create_worksheet("Gone", ["x = 1"]))
    db.clock.advance(10)
    trashed = run(store.trash_worksheet(gone.id))
    assert trashed.trashed_at == 1010.0 and trashed.trashed
    db.clock.advance(10)
    assert run(store.trash_worksheet(gone.id)).trashed_at == 1010.0
    assert [w.id for w in run(store.list_worksheets())] == [keep.id]
    assert {w.id for w in run(store.list_worksheets(include_trashed=True))} == {keep.id, gone.id}
    restored = run(store.restore_worksheet(gone.id))
    assert restored.trashed_at is None
    assert {w.id for w in run(store.list_worksheets())} == {keep.id, gone.id}
    assert run(store.load_worksheet(gone.id)).cells[0].text == "x = 1"


def test_delete_forever_needs_the_trash_and_removes_everything(db):
    """Deleting forever is refused outside the trash; in it, the worksheet and its cells,
    outputs, metadata and links are gone."""
    store, run = db.store, db.run
    worksheet = run(store.create_worksheet("Doomed"))
    cell = run(store.load_worksheet(worksheet.id)).cells[0]
    run(store.append_outputs(cell.id, [("stream", {"text": "hi"})]))
    run(store.set_metadata(worksheet.id, "system", "python"))
    link = run(store.create_share_link(worksheet.id, "viewer"))
    with pytest.raises(StoreError, match="not in the trash"):
        run(store.delete_worksheet_forever(worksheet.id))
    run(store.trash_worksheet(worksheet.id))
    assert run(store.delete_worksheet_forever(worksheet.id)) is None
    with pytest.raises(NotFoundError, match="does not exist"):
        run(store.load_worksheet(worksheet.id))
    with pytest.raises(NotFoundError):
        run(store.get_cell(cell.id))
    assert run(store.lookup_share_link(link.token)) is None
    assert run(store.list_worksheets(include_trashed=True)) == []


def test_unknown_worksheet_is_a_clear_error(db):
    """Every worksheet call names the missing id in a full sentence."""
    store, run = db.store, db.run
    for call in (
        lambda: store.get_worksheet("nope"),
        lambda: store.rename_worksheet("nope", "T"),
        lambda: store.trash_worksheet("nope"),
        lambda: store.restore_worksheet("nope"),
        lambda: store.insert_cell("nope", 0),
        lambda: store.set_metadata("nope", "k", 1),
        lambda: store.clear_worksheet_outputs("nope"),
    ):
        with pytest.raises(NotFoundError, match=r"^Worksheet 'nope' does not exist; .*\.$"):
            run(call())


def test_metadata(db):
    """Metadata holds JSON values per key; setting again replaces, deleting reports presence."""
    store, run = db.store, db.run
    worksheet = run(store.create_worksheet("Meta"))
    db.clock.advance(3)
    run(store.set_metadata(worksheet.id, "system", "sage"))
    run(store.set_metadata(worksheet.id, "view", {"wrap": True, "width": [1, 2.5]}))
    run(store.set_metadata(worksheet.id, "system", "python"))
    loaded = run(store.load_worksheet(worksheet.id))
    assert loaded.metadata == {"system": "python", "view": {"wrap": True, "width": [1, 2.5]}}
    assert loaded.worksheet.modified == 1003.0
    assert run(store.delete_metadata(worksheet.id, "view")) is True
    assert run(store.delete_metadata(worksheet.id, "view")) is False
    assert run(store.load_worksheet(worksheet.id)).metadata == {"system": "python"}
    with pytest.raises(ValueError, match="cannot be stored as JSON"):
        run(store.set_metadata(worksheet.id, "bad", float("nan")))
    with pytest.raises(ValueError, match="metadata key"):
        run(store.set_metadata(worksheet.id, "", 1))
