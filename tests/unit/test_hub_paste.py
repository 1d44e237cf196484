"""Pasting copied cells (athena_nb/paste.py): in order, with their kinds, for every viewer; whole
or not at all; deterministic (tests/support/notebook.py: a Clock and a manual store)."""

import pytest

from athena_nb.hub import BadRequest, NoSuchCell
from athena_nb.quotas import QuotaExceeded, Quotas
from athena_nb.store import CellKind
from tests.support.notebook import NotebookEnv
from tests.unit.test_hub_undo import watched

COPIED = [{"kind": "text", "text": "# Notes"}, {"kind": "code", "text": "x = 1"},
          {"kind": "code", "text": "x + 1"}]


@pytest.fixture
def env():
    return NotebookEnv()


def opened(env):
    return watched(env, cells=("a", "b"))


def shown(hub):
    return [(c.kind.value, c.text) for c in hub.cells]


def test_pasted_cells_come_below_in_their_order_with_their_kinds_for_everyone(env):
    sheet, hub, ann, bob = opened(env)
    a, b = hub.cells
    ids = env.run(hub.pasteCells(a.id, True, COPIED, "Ann"))
    assert shown(hub) == [("code", "a"), ("text", "# Notes"), ("code", "x = 1"),
                          ("code", "x + 1"), ("code", "b")]
    assert ids == [c.id for c in hub.cells[1:4]]
    assert "<h1>Notes</h1>" in hub.cells[1].rendered(), "a text cell is rendered as one"
    for viewer in (ann, bob):
        assert [e[:3] for e in viewer.events if e[0] == "inserted"] == [
            ("inserted", 1, ids[0]), ("inserted", 2, ids[1]), ("inserted", 3, ids[2])]
    saved = env.run(env.store.load_worksheet(sheet.id)).cells
    assert [(c.kind, c.text) for c in saved] == [
        (CellKind.CODE, "a"), (CellKind.TEXT, "# Notes"), (CellKind.CODE, "x = 1"),
        (CellKind.CODE, "x + 1"), (CellKind.CODE, "b")]


def test_pasted_above_the_first_cell_they_come_first_in_their_order(env):
    sheet, hub, ann, bob = opened(env)
    env.run(hub.pasteCells(hub.cells[0].id, False, COPIED[1:], "Ann"))
    assert shown(hub) == [("code", "x = 1"), ("code", "x + 1"), ("code", "a"), ("code", "b")]


@pytest.mark.parametrize("cells, says", [
    ([], "at least one cell"),
    ("x = 1", "at least one cell"),
    ([{"kind": "code", "text": "ok"}, {"kind": "raw", "text": "no"}], "Pasted cell 2 is not"),
    ([{"kind": "code", "text": 7}], "Pasted cell 1 is not"),
    ([{"kind": "code", "text": ""}] * 1001, "at most 1,000 cells"),
])
def test_a_paste_that_is_not_cells_is_refused_with_nothing_changed(env, cells, says):
    sheet, hub, ann, bob = opened(env)
    with pytest.raises(BadRequest, match=says):
        hub.pasteCells(hub.cells[0].id, True, cells, "Ann")
    assert shown(hub) == [("code", "a"), ("code", "b")]


def test_a_paste_past_the_cell_quota_is_refused_whole(env):
    sheet, hub, ann, bob = opened(env)
    hub.quotas = Quotas(maxCells=4)
    with pytest.raises(QuotaExceeded):
        env.run(hub.pasteCells(hub.cells[0].id, True, COPIED, "Ann"))
    assert shown(hub) == [("code", "a"), ("code", "b")], "not the first two of three"
    env.run(hub.pasteCells(hub.cells[0].id, True, COPIED[:2], "Ann"))
    assert len(hub.cells) == 4


def test_a_paste_next_to_a_cell_that_is_gone_is_refused(env):
    sheet, hub, ann, bob = opened(env)
    gone = hub.cells[1].id
    env.run(hub.deleteCell(gone))
    with pytest.raises(NoSuchCell, match="may have been deleted"):
        env.run(hub.pasteCells(gone, True, COPIED, "Ann"))
    assert shown(hub) == [("code", "a")]
