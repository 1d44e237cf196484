"""The worksheet hub without the web: text, structure, title and presence, told to every viewer.

Deterministic: a Clock and a store whose commits run when the test settles.
"""

import pytest

from athena_nb import ot
from athena_nb.audience import PRESENCE_DELAY
from athena_nb.hub import BadRequest, NoSuchCell
from athena_nb.store import RunState, VersionConflictError
from tests.support.notebook import NotebookEnv


class RecordingViewer:
    """A viewer that writes down what the hub tells it."""

    def __init__(self, viewerId, name="Ann", role="owner"):
        self.viewerId = viewerId
        self.identity = type("Identity", (), {"sessionId": "s-" + viewerId, "name": name})()
        self.events = []
        self.people = {}
        self.closed = None
        self.hub = None  # set to read the kernel's state when told it changed

    def cellInserted(self, index, cell):
        self.events.append(("inserted", index, cell.id, cell.text))

    def cellRemoved(self, cellId):
        self.events.append(("removed", cellId))

    def cellMoved(self, cellId, index):
        self.events.append(("moved", cellId, index))

    def cellText(self, cell, op, version, siteId):
        self.events.append(("text", cell.id, op.toJSON(), version, siteId))

    def cellCursor(self, cell, siteId, name, anchor, head, version):
        self.events.append(("cursor", cell.id, siteId, name, anchor, head, version))

    def cellChanged(self, cell):
        self.events.append(("changed", cell.id, cell.state.value, len(cell.outputs)))

    def cellKindChanged(self, cell):
        self.events.append(("kind", cell.id, cell.kind.value))

    def typesetChanged(self):
        self.events.append(("typeset", self.hub.typeset if self.hub else None))

    def titleChanged(self, title):
        self.events.append(("title", title))

    def filesChanged(self):
        self.events.append(("files",))

    def presenceChanged(self, changes):
        self.events.append(("presence", [(c["id"], "gone") if c.get("gone") else (c["name"], c["cell"])
                                         for c in changes]))
        for change in changes:
            if change.get("gone"):
                self.people.pop(change["id"], None)
            else:
                self.people[change["id"]] = change

    def seen(self):
        """Who this viewer believes is here, and where, from the changes it was told."""
        return sorted((p["name"], p["cell"]) for p in self.people.values())

    def kernelChanged(self):
        self.events.append(("kernel", self.hub.kernelInfo()["state"] if self.hub else None))

    def interactChanged(self, cell, iid):
        self.events.append(("interact", cell.id, iid))

    def hubClosed(self, reason):
        self.closed = reason

    def closeView(self, reason, final=False):
        self.closed = reason
        self.final = final

    def of(self, kind):
        return [e for e in self.events if e[0] == kind]


@pytest.fixture
def env():
    return NotebookEnv()


def openHub(env, cells=("a = 1", "b = 2", "c = 3"), title="Sheet"):
    sheet = env.worksheet(title, cells)
    hub = env.run(env.hubs.open(sheet.id))
    return sheet, hub


def viewers(hub, *names):
    made = []
    for name in names:
        v = RecordingViewer(name.lower(), name)
        hub.addViewer(v, name, "owner")
        made.append(v)
    return made


def stored(env, sheet):
    return env.run(env.store.load_worksheet(sheet.id))


# -- text -------------------------------------------------------------------------------------


def test_a_selection_is_told_to_everyone_moved_past_the_edits_it_missed(env):
    sheet, hub = openHub(env, cells=("hello",))
    ann, bob = viewers(hub, "Ann", "Bob")
    cell = hub.cells[0]
    env.run(hub.edit(cell.id, ot.Operation.insert(0, "oh, "), 0, "ann"))
    # Bob's selection of "ell" was made on version 0, before Ann's edit reached him.
    hub.cursor(cell.id, 1, 4, 0, "bob")
    told = ("cursor", cell.id, "bob", "Bob", 5, 8, 1)
    assert ann.of("cursor") == [told] and bob.of("cursor") == [told]
    with pytest.raises(ot.UnknownVersion):
        hub.cursor(cell.id, 0, 0, 7, "bob")
    with pytest.raises(ot.OperationOutOfRange):
        hub.cursor(cell.id, 0, 99, 1, "bob")
    assert len(ann.of("cursor")) == 1, "a refused selection is told to nobody"
    # A caret in a cell puts its person there, whether or not their "focus" came first.
    assert hub.audience.presenceOf("bob")["cell"] == cell.id


def test_an_edit_is_sequenced_broadcast_at_once_and_answers_after_the_commit(env):
    """Every viewer hears of the op at once; the call's Deferred fires with the version only
    once the store has committed it, and the store then holds that text and version."""
    sheet, hub = openHub(env)
    ann, bob = viewers(hub, "Ann", "Bob")
    cell = hub.cells[0]
    d = hub.edit(cell.id, [{"at": 4, "delete": 1}, {"at": 4, "insert": "42"}], 0, "ann")
    assert ann.of("text") == bob.of("text") == [
        ("text", cell.id, [{"at": 4, "delete": 1}, {"at": 4, "insert": "42"}], 1, "ann")]
    answered = []
    d.addBoth(answered.append)
    assert answered == [], "answered before the commit"
    env.writer.flush()
    assert answered == [1]
    saved = stored(env, sheet).cells[0]
    assert (saved.text, saved.version) == ("a = 42", 1)


def test_concurrent_edits_are_transformed_and_converge(env):
    """Two sites edit version 0 at the same time; the later one is transformed, both
    insertions survive, and the store ends with the hub's text."""
    sheet, hub = openHub(env, cells=("hello",))
    cell = hub.cells[0]
    env.run(hub.edit(cell.id, ot.Operation.insert(5, " world"), 0, "ann"))
    env.run(hub.edit(cell.id, ot.Operation.insert(0, "oh, "), 0, "bob"))
    assert cell.text == "oh, hello world" and cell.version == 2
    assert stored(env, sheet).cells[0].text == "oh, hello world"


def test_bad_edits_are_refused_and_change_nothing(env):
    sheet, hub = openHub(env, cells=("abc",))
    (ann,) = viewers(hub, "Ann")
    cell = hub.cells[0]
    with pytest.raises(ot.OperationOutOfRange):
        hub.edit(cell.id, ot.Operation.delete(2, 5), 0, "ann")
    with pytest.raises(ot.UnknownVersion):
        hub.edit(cell.id, ot.Operation.insert(0, "x"), 7, "ann")
    with pytest.raises(ot.MalformedOperation):
        hub.edit(cell.id, [{"at": 0, "insert": ""}], 0, "ann")
    with pytest.raises(NoSuchCell):
        hub.edit(999, ot.Operation.insert(0, "x"), 0, "ann")
    with pytest.raises(BadRequest, match="at most"):
        hub.edit(cell.id, ot.Operation.insert(0, "x" * 1_000_001), 0, "ann")
    assert (cell.text, cell.version) == ("abc", 0) and ann.of("text") == []


def test_a_site_that_sends_two_ops_without_waiting_gets_a_sync_error(env):
    sheet, hub = openHub(env, cells=("abc",))
    cell = hub.cells[0]
    hub.edit(cell.id, ot.Operation.insert(0, "x"), 0, "ann")
    with pytest.raises(ot.SyncError):
        hub.edit(cell.id, ot.Operation.insert(0, "y"), 0, "ann")


# -- structure --------------------------------------------------------------------------------


def test_insert_delete_and_move_are_stored_then_broadcast_in_order(env):
    sheet, hub = openHub(env)
    (ann,) = viewers(hub, "Ann")
    a, b, c = (cell.id for cell in hub.cells)
    new = env.run(hub.insertCell(1, text="x = 0"))
    end = env.run(hub.insertCell())
    above = env.run(hub.insertCell(above=a))
    below = env.run(hub.insertCell(below=c, text="tail"))
    assert [cell.id for cell in hub.cells] == [above, a, new, b, c, below, end]
    assert env.run(hub.moveCell(new, by=1)) == 3
    assert env.run(hub.moveCell(above, index=6)) == 6
    env.run(hub.deleteCell(b))
    order = [cell.id for cell in hub.cells]
    assert order == [a, new, c, below, end, above]
    assert [cell.id for cell in stored(env, sheet).cells] == order
    assert [e[0] for e in ann.events if e[0] != "presence"] == [
        "inserted", "inserted", "inserted", "inserted", "moved", "moved", "removed"]
    assert [e for e in ann.events if e[0] != "presence"][0] == ("inserted", 1, new, "x = 0")


def test_a_cell_dragged_beside_another_lands_there_whatever_moved_meanwhile(env):
    """A drag names the cell it is dropped on, not an index: a move by someone else between
    the drag's start and its drop does not send the cell elsewhere."""
    sheet, hub = openHub(env, cells=("a", "b", "c", "d"))
    a, b, c, d = (cell.id for cell in hub.cells)
    assert env.run(hub.moveCell(a, beside=(c, True))) == 2
    assert [cell.text for cell in hub.cells] == ["b", "c", "a", "d"]
    env.run(hub.moveCell(d, index=0))  # someone else's move, before the next drop
    assert env.run(hub.moveCell(a, beside=(b, False))) == 1
    assert [cell.text for cell in hub.cells] == ["d", "a", "b", "c"]
    assert env.run(hub.moveCell(a, beside=(a, True))) == 1, "onto itself: it stays"
    assert [cell.text for cell in stored(env, sheet).cells] == ["d", "a", "b", "c"]
    with pytest.raises(NoSuchCell):
        env.run(hub.moveCell(a, beside=(999, True)))


def test_structure_changes_made_at_once_are_applied_one_after_the_other(env):
    """Three inserts asked for in one turn are stored and broadcast in the order asked."""
    sheet, hub = openHub(env, cells=("",))
    (ann,) = viewers(hub, "Ann")
    ds = [hub.insertCell(0, text=t) for t in ("one", "two", "three")]
    ids = [env.run(d) for d in ds]
    assert [c.text for c in hub.cells] == ["three", "two", "one", ""]
    assert [(e[1], e[2]) for e in ann.of("inserted")] == [(0, ids[0]), (0, ids[1]), (0, ids[2])]


def test_split_and_join_keep_text_versions_in_step_with_the_store(env):
    """A split is an op on the cell (sequenced and broadcast) plus a new cell; a join is an op
    plus a deletion; the store agrees on every text and version."""
    sheet, hub = openHub(env, cells=("first\nsecond", "third"))
    (ann,) = viewers(hub, "Ann")
    top, other = hub.cells[0].id, hub.cells[1].id
    new = env.run(hub.splitCell(top, 6, 0))
    assert [c.text for c in hub.cells] == ["first", "second", "third"]
    assert ann.of("text")[-1] == ("text", top, [{"at": 5, "delete": 7}], 1, "hub")
    env.run(hub.joinWithNext(new))
    assert [c.text for c in hub.cells] == ["first", "second\nthird"]
    env.run(hub.joinWithNext(top))
    assert [c.text for c in hub.cells] == ["first\nsecond\nthird"]
    snapshot = stored(env, sheet)
    assert [(c.text, c.version) for c in snapshot.cells] == [(c.text, c.version) for c in hub.cells]
    assert ("removed", other) in ann.events
    with pytest.raises(BadRequest, match="last cell"):
        env.run(hub.joinWithNext(top))


def test_an_edit_on_its_way_to_a_cell_joined_into_the_one_above_lands_there(env):
    """Bob types in the second cell while Ann joins it with the first, and Carla edits the
    joined cell: Bob's late edit is not refused, it goes where his text now is (past Dan's
    edit, which Bob had not seen, and Carla's)."""
    sheet, hub = openHub(env, cells=("top", "bottom"))
    (ann,) = viewers(hub, "Ann")
    top, bottom = hub.cells[0].id, hub.cells[1].id
    env.run(hub.edit(bottom, ot.Operation.insert(6, "!"), 0, "dan"))
    joining = hub.joinWithNext(top)
    env.run(hub.edit(top, ot.Operation.insert(0, ">"), 1, "carla"))
    env.run(hub.edit(bottom, ot.Operation.insert(0, "very "), 0, "bob"))  # sent before the join
    env.run(joining)
    assert [c.text for c in hub.cells] == [">top\nvery bottom!"]
    assert [(c.text, c.version) for c in stored(env, sheet).cells] == [(">top\nvery bottom!", 3)]
    late = ann.of("text")[-1]
    assert late[1:4] == (top, [{"at": 5, "insert": "very "}], 3)
    assert late[4].startswith("join-"), "everyone, Bob too, gets it as another site's op"
    with pytest.raises(ot.UnknownVersion):
        hub.edit(bottom, ot.Operation.insert(0, "x"), 5, "bob")  # no version 5 ever existed


def test_a_join_is_undone_with_the_text_as_everyone_edited_it_and_the_cells_kind(env):
    """Ann joins three cells (the last a text cell) into the first; Bob edits the joined text
    and the cell's start meanwhile. Undoing the joins, the last first, gives three cells again,
    with Bob's edits where he made them, the text cell a text cell; the store agrees."""
    sheet, hub = openHub(env, cells=("a = 1", "b = 2", "# Notes"))
    (ann,) = viewers(hub, "Ann")
    top, second, third = (c.id for c in hub.cells)
    env.run(hub.setKind(third, "text"))
    assert env.run(hub.joinWithNext(top)) == second, "the answer names what to separate"
    assert env.run(hub.joinWithNext(top)) == third
    assert [c.text for c in hub.cells] == ["a = 1\nb = 2\n# Notes"]
    version = hub.cells[0].doc.version
    env.run(hub.edit(top, ot.Operation.insert(0, "# setup\n"), version, "bob"))
    env.run(hub.edit(top, ot.Operation.insert(len("# setup\na = 1\nb = 2"), "0"), version + 1,
                     "bob"))
    back = env.run(hub.unjoinCell(third))
    assert [c.text for c in hub.cells] == ["# setup\na = 1\nb = 20", "# Notes"]
    assert hub.cell(back).kind == "text" and ("kind", back, "text") in ann.events
    again = env.run(hub.unjoinCell(second))
    assert [c.text for c in hub.cells] == ["# setup\na = 1", "b = 20", "# Notes"]
    assert [c.id for c in hub.cells][1:] == [again, back] and hub.cell(again).kind == "code"
    assert [(c.text, c.version, c.kind.value) for c in stored(env, sheet).cells] == [
        (c.text, c.version, c.kind.value) for c in hub.cells]
    with pytest.raises(BadRequest, match="can no longer be undone"):
        env.run(hub.unjoinCell(second))  # done already
    with pytest.raises(BadRequest, match="can no longer be undone"):
        env.run(hub.unjoinCell(12345))


def test_a_split_point_from_an_older_version_moves_past_later_edits(env):
    sheet, hub = openHub(env, cells=("abcdef",))
    cell = hub.cells[0]
    env.run(hub.edit(cell.id, ot.Operation.insert(0, "XY"), 0, "bob"))
    env.run(hub.splitCell(cell.id, 3, 0))  # "abc|def" as Ann saw it at version 0
    assert [c.text for c in hub.cells] == ["XYabc", "def"]


def test_edits_to_a_cell_being_deleted_are_refused(env):
    sheet, hub = openHub(env)
    cell = hub.cells[0]
    d = hub.deleteCell(cell.id)
    with pytest.raises(NoSuchCell):
        hub.edit(cell.id, ot.Operation.insert(0, "x"), 0, "ann")
    env.run(d)
    assert cell not in hub.cells


def test_bad_structure_requests_fail_and_change_nothing(env):
    sheet, hub = openHub(env)
    before = [c.id for c in hub.cells]
    for d in (hub.insertCell(17), hub.moveCell(before[0], index=3), hub.deleteCell(12345),
              hub.insertCell(above=12345)):
        failure = env.settle(d)
        assert failure.check(BadRequest, NoSuchCell, LookupError), failure
    assert [c.id for c in hub.cells] == before
    assert [c.id for c in stored(env, sheet).cells] == before


# -- title and presence ----------------------------------------------------------------------


def test_the_title_is_saved_then_broadcast_and_a_bad_one_is_refused(env):
    sheet, hub = openHub(env)
    ann, bob = viewers(hub, "Ann", "Bob")
    assert env.run(hub.setTitle("  Algebra ")) == "Algebra"
    assert ann.of("title") == bob.of("title") == [("title", "Algebra")]
    failure = env.settle(hub.setTitle("   "))
    assert failure.check(ValueError) and "title" in failure.getErrorMessage()
    assert hub.title == "Algebra" and stored(env, sheet).worksheet.title == "Algebra"


def test_presence_lists_viewers_and_their_cells(env):
    sheet, hub = openHub(env)
    ann, bob = viewers(hub, "Ann", "Bob")
    hub.setFocus("bob", hub.cells[1].id)
    env.clock.advance(PRESENCE_DELAY)
    assert ann.seen() == [("Ann", None), ("Bob", hub.cells[1].id)]
    hub.removeViewer(bob)
    env.clock.advance(PRESENCE_DELAY)
    assert ann.of("presence")[-1] == ("presence", [("bob", "gone")]), "only the change is sent"
    assert ann.seen() == [("Ann", None)]
    with pytest.raises(NoSuchCell):
        hub.setFocus("ann", 4242)


def test_a_burst_of_presence_changes_goes_out_as_one_update(env):
    """Forty people opening a share link at once cost each viewer one update, not forty."""
    sheet, hub = openHub(env)
    crowd = viewers(hub, *[f"P{n}" for n in range(40)])
    assert crowd[0].of("presence") == []
    env.clock.advance(PRESENCE_DELAY)
    assert all(len(v.of("presence")) == 1 for v in crowd)
    assert len(crowd[0].seen()) == 40
    hub.setFocus(crowd[3].viewerId, hub.cells[0].id)
    env.clock.advance(PRESENCE_DELAY)
    assert crowd[0].of("presence")[-1] == ("presence", [("P3", hub.cells[0].id)]), \
        "a later change sends that one entry, not the whole list"


def test_deleting_a_cell_clears_presence_in_it(env):
    sheet, hub = openHub(env)
    (ann,) = viewers(hub, "Ann")
    doomed = hub.cells[2].id
    hub.setFocus("ann", doomed)
    env.run(hub.deleteCell(doomed))
    assert hub.presence()[0]["cell"] is None
    env.clock.advance(PRESENCE_DELAY)
    assert ann.seen() == [("Ann", None)], "the viewers are told too"


def test_closing_the_hub_tells_every_viewer_and_refuses_later_changes(env):
    sheet, hub = openHub(env)
    ann, bob = viewers(hub, "Ann", "Bob")
    env.run(env.hubs.closeHub(sheet.id, "Closed for the test."))
    assert ann.closed == bob.closed == "Closed for the test."
    with pytest.raises(Exception, match="closing"):
        hub.edit(hub.cells[0].id, ot.Operation.insert(0, "x"), 0, "ann")


def test_the_store_refusing_a_version_fails_the_edit_call(env):
    """The store is the judge of durability: a refused write is an error for the sender."""
    sheet, hub = openHub(env, cells=("abc",))
    cell = hub.cells[0]
    env.run(env.store.set_cell_text(cell.id, "elsewhere", 5))  # behind the hub's back
    failure = env.settle(hub.edit(cell.id, ot.Operation.insert(0, "x"), 0, "ann"))
    assert failure.check(VersionConflictError)


def test_run_state_is_loaded_from_the_store(env):
    sheet = env.worksheet("S", ["1"])
    cellId = stored(env, sheet).cells[0].id
    env.run(env.store.set_run_state(cellId, "running"))
    env.run(env.store.mark_running_cells_interrupted())
    hub = env.run(env.hubs.open(sheet.id))
    cell = hub.cells[0]
    assert cell.state is RunState.INTERRUPTED
    assert cell.outputs == [{"type": "notice", "text": "interrupted: server restarted"}]


# -- kinds ------------------------------------------------------------------------------------


def test_a_kind_change_is_stored_then_told_and_a_split_text_cell_stays_text(env):
    sheet, hub = openHub(env, cells=("# one\ntwo",))
    (ann,) = viewers(hub, "Ann")
    cell = hub.cells[0]
    d = hub.setKind(cell.id, "text")
    assert ann.of("kind") == [], "told before the commit"
    assert env.run(d) == "text"
    assert ann.of("kind") == [("kind", cell.id, "text")]
    assert stored(env, sheet).cells[0].kind == "text"
    assert "<h1>one</h1>" in cell.rendered()
    assert env.run(hub.setKind(cell.id, "text")) == "text" and len(ann.of("kind")) == 1
    newId = env.run(hub.splitCell(cell.id, 6, cell.version))
    assert hub.cell(newId).kind == "text" and hub.cell(newId).rendered() == "<p>two</p>\n"
