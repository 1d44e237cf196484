"""A restore is one change: one store transaction, one version, told to every viewer after its
commit, with the edits of others that cross it transformed past it; or, when the store refuses,
no change at all. On a Clock with a manual store, so each commit happens where the test says.
Code: athena_nb/history.py, athena_nb/store/_restore.py.
"""

import sqlite3
from unittest import mock

import pytest

from athena_nb import history, ot
from athena_nb.hub import BadRequest
from athena_nb.quotas import QuotaExceeded, Quotas
from athena_nb.store import WriteFailedError, _cells
from tests.support.notebook import NotebookEnv
from tests.unit.test_hub import openHub, stored, viewers


@pytest.fixture
def env():
    return NotebookEnv()


def rows(env, sheet):
    """(version, who, kind of change) of every history row."""
    import json

    return [(v, who, json.loads(change)["t"]) for v, who, change in env.writer._conn.execute(
        "SELECT version, who, change FROM history WHERE worksheet_id = ? ORDER BY version",
        (sheet.id,))]


def test_an_edit_that_crosses_a_restore_lands_after_it_as_one_version_each(env):
    sheet, hub = openHub(env, cells=("x = 1", "y = 2"))
    ann, bob = viewers(hub, "Ann", "Bob")
    first, second = hub.cells
    env.run(hub.edit(first.id, ot.Operation.insert(5, "0"), 0, "ann"))  # 1: "x = 10"
    env.run(hub.deleteCell(second.id, "Ann"))  # 2
    z = env.run(hub.insertCell(1, text="z", who="Ann"))  # 3
    ann.events.clear()
    bob.events.clear()
    d = history.restoreVersion(hub, 0, "Ann")
    assert env.writer.flush() == 1 and env.writer.pending == 1  # read version 0, then stored
    # Bob, who sees "x = 10" (text version 1), types while the restore is being stored: his
    # edit waits for it, and nobody is told anything before the commit.
    typed = hub.edit(first.id, ot.Operation.insert(0, "# "), 1, "bob")
    assert not typed.called and ann.events == [] and bob.events == []
    assert env.writer.flush() == 1  # the restore commits, as one version
    assert d.called and d.result == 4
    # Told after the commit, in one turn: the cell that went, the hub's own operation (text
    # version 2), the cell that came back; then Bob's edit, transformed past the restore.
    back = hub.cells[1].id
    assert [e for e in bob.events if e[0] in ("text", "inserted", "removed")] == [
        ("removed", z), ("text", first.id, [{"at": 5, "delete": 1}], 2, "hub"),
        ("inserted", 1, back, "y = 2"), ("text", first.id, [{"at": 0, "insert": "# "}], 3, "bob")]
    assert env.run(typed) == 3
    # Carla's page was still at version 1 (before the restore) when she typed at its end.
    env.run(hub.edit(first.id, ot.Operation.insert(6, "!"), 1, "carla", who="Carla"))
    assert [c.text for c in hub.cells] == ["# x = 1!", "y = 2"]
    assert [c.text for c in stored(env, sheet).cells] == ["# x = 1!", "y = 2"]
    assert rows(env, sheet)[3:] == [(4, "Ann", "restore"), (5, "Bob", "text"),
                                    (6, "Carla", "text")]
    past = env.run(env.store.history_at(sheet.id, 4))
    assert [c["text"] for c in past["cells"]] == ["x = 1", "y = 2"] and past["who"] == "Ann"
    assert past["change"]["version"] == 0


def test_an_edit_made_before_the_restore_is_planned_is_replaced_by_it(env):
    sheet, hub = openHub(env, cells=("a",))
    cell = hub.cells[0]
    env.run(hub.edit(cell.id, ot.Operation.insert(1, "b"), 0, "ann"))  # 1: "ab"
    d = history.restoreVersion(hub, 0, "Ann")
    env.run(hub.edit(cell.id, ot.Operation.insert(2, "c"), 1, "bob"))  # 2: "abc", then the plan
    assert env.run(d) == 3
    assert cell.text == "a" and stored(env, sheet).cells[0].text == "a"


def test_a_store_failure_in_the_middle_of_a_restore_changes_nothing_anywhere(env):
    sheet, hub = openHub(env, cells=("a", "b"))
    ann, bob = viewers(hub, "Ann", "Bob")
    a, b = hub.cells
    env.run(hub.moveCell(b.id, index=0, who="Ann"))  # 1
    env.run(hub.edit(a.id, ot.Operation.insert(1, "!"), 0, "ann"))  # 2
    added = env.run(hub.insertCell(2, text="new", who="Ann"))  # 3
    env.run(hub.setKind(a.id, "text", "Ann"))  # 4
    env.run(hub.setTitle("Renamed", "Ann"))  # 5
    before = ([(c.id, c.text, c.version, c.kind) for c in hub.cells], hub.title)
    ann.events.clear()
    bob.events.clear()
    # The last steps of the plan (the moves) fail in the store, after the title, the
    # deletion, the text and the kind were written in its transaction.
    with mock.patch.object(_cells, "move_cell", side_effect=sqlite3.OperationalError("disk I/O error")):
        d = history.restoreVersion(hub, 0, "Ann")
        env.writer.flush()
        typed = hub.edit(b.id, ot.Operation.insert(1, "?"), 0, "bob")  # waits for the restore
        result = env.settle(d)
    assert isinstance(result.value, WriteFailedError)
    assert "nothing it asked for was saved" in str(result.value)
    # Nothing changed: not the hub, not the store, not its history, and nobody was told; only
    # the edit that waited went on, as if nothing had happened.
    assert ([(c.id, c.text, c.version, c.kind) for c in hub.cells], hub.title) == (
        [(b.id, "b?", 1, b.kind)] + before[0][1:], before[1])
    snapshot = stored(env, sheet)
    assert [(c.id, c.text) for c in snapshot.cells] == [(b.id, "b?"), (a.id, "a!"), (added, "new")]
    assert snapshot.worksheet.title == "Renamed"
    assert [r[2] for r in rows(env, sheet)] == ["move", "text", "insert", "kind", "title", "text"]
    assert [e for e in ann.events if e[0] != "text"] == []
    with pytest.raises(BadRequest, match="cannot be brought back"):
        hub.deletions.take(added)
    assert env.run(typed) == 1
    assert ann.of("text") == [("text", b.id, [{"at": 1, "insert": "?"}], 1, "bob")]
    # Tried again, it works, and the cell it deleted can be brought back as any deleted cell.
    assert env.run(history.restoreVersion(hub, 0, "Ann")) == 7
    assert [(c.text, c.kind.value) for c in hub.cells] == [("a", "code"), ("b", "code")]
    assert hub.title == "Sheet"
    back = env.run(hub.restoreCell(added, "Ann"))  # below the cell that was above it
    assert [c.text for c in hub.cells] == ["a", "new", "b"] and hub.cells[1].id == back


def test_a_refused_restore_asks_nothing_of_the_store(env):
    sheet, hub = openHub(env, cells=("a",))
    cell = hub.cells[0]
    env.run(hub.setKind(cell.id, "text", "Ann"))  # 1
    env.run(hub.setKind(cell.id, "code", "Ann"))  # 2
    hub.run(cell.id, "Ann")
    env.settle()
    assert cell.active
    with pytest.raises(BadRequest, match="queued or running, and restoring would change its kind"):
        env.run(history.restoreVersion(hub, 1, "Ann"))
    assert [r[0] for r in rows(env, sheet)] == [1, 2] and cell.kind.value == "code"
    assert hub._held is None  # edits go on


def test_a_restore_past_the_quotas_is_refused_whole(env):
    sheet, hub = openHub(env, cells=("a", "b", "c"))
    b, c = hub.cells[1:]
    env.run(hub.deleteCell(b.id, "Ann"))
    env.run(hub.deleteCell(c.id, "Ann"))
    hub.quotas = Quotas(maxCells=2)
    with pytest.raises(QuotaExceeded, match="at most 2 cells"):
        env.run(history.restoreVersion(hub, 0, "Ann"))
    assert [c.text for c in hub.cells] == ["a"] and len(rows(env, sheet)) == 2
    hub.quotas = Quotas(maxCells=3)
    assert env.run(history.restoreVersion(hub, 0, "Ann")) == 3
    assert [c.text for c in stored(env, sheet).cells] == ["a", "b", "c"]


def test_restoring_a_cell_is_one_version_too(env):
    sheet, hub = openHub(env, cells=("a", "b"))
    (bob,) = viewers(hub, "Bob")
    a, b = hub.cells
    env.run(hub.edit(b.id, ot.Operation.insert(1, "2"), 0, "bob"))  # 1
    env.run(hub.setKind(b.id, "text", "Bob"))  # 2: "b2", text
    env.run(hub.edit(b.id, ot.Operation.insert(2, "3"), 1, "bob"))  # 3: "b23"
    assert env.run(history.restoreCell(hub, 3, b.id, "Ann")) == b.id  # nothing to change
    assert len(rows(env, sheet)) == 3
    assert env.run(history.restoreCell(hub, 0, b.id, "Ann")) == b.id
    assert (b.text, b.kind.value) == ("b", "code") and rows(env, sheet)[-1] == (4, "Ann", "restore")
    env.run(hub.deleteCell(b.id, "Bob"))  # 5
    back = env.run(history.restoreCell(hub, 3, b.id, "Ann"))
    assert [(c.text, c.kind.value) for c in hub.cells] == [("a", "code"), ("b23", "text")]
    assert hub.cells[1].id == back != b.id
    assert rows(env, sheet)[-1] == (6, "Ann", "restore")
    assert ("inserted", 1, back, "b23") in bob.events
