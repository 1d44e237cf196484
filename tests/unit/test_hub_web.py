"""Several viewers on one worksheet through the real site: the page, text, structure, presence, title.

Each viewer is a ``livefragments.client`` page (athena_nb.web.client) over in-memory HTTP on a
Clock, logged in through the service's real gate (the owner with the token, others through
share links). Running cells: tests/unit/test_hub_web_run.py; roles and files:
tests/unit/test_hub_web_access.py.
"""

import pytest

from athena_nb import ot
from athena_nb.audience import PRESENCE_DELAY
from tests.support.notebook import NotebookEnv


@pytest.fixture
def env():
    return NotebookEnv()


def together(env, cells=("x = 1", "x + 1")):
    """Owner, a collaborator and a read-only viewer on one worksheet."""
    owner = env.owner()
    sheet = env.worksheet("Together", cells)
    collab, _ = env.guest(owner, sheet.id, "collaborator", "Carla")
    viewer, _ = env.guest(owner, sheet.id, "viewer", "Vic")
    pages = [env.open(sheet.id, b)[1] for b in (owner, collab, viewer)]
    return sheet, pages, env.hubs.get(sheet.id)


def assertSame(hub, *sheets):
    want = [c.text for c in hub.cells]
    for sheet in sheets:
        assert sheet.texts() == want, (sheet.viewerId, sheet.texts(), want)

# -- the page --------------------------------------------------------------------------------


def test_the_page_carries_the_accessibility_contract(env):
    owner = env.owner()
    sheet = env.worksheet("A <b> title", ["2+2", ""])
    page = owner.get(f"/worksheets/{sheet.id}/")
    assert page.code == 200
    html = page.body.decode()
    for needle in ('role="group" aria-label="Cell 1"', 'aria-label="Cell 2"',
                   'aria-label="Cell input"', 'role="region" aria-label="Cell output"',
                   '>Run</button>', '>Delete cell</button>', '>Run all</button>',
                   '>Interrupt</button>', '>Restart</button>', '>Add cell</button>',
                   'aria-label="Worksheet title"', 'value="A &lt;b&gt; title"',
                   "athena_nb/worksheet.css", "athena_nb/notebook.css", ">\n2+2</pre>",
                   'role="textbox" aria-multiline="true"'):
        assert needle in html, needle
    assert "content-security-policy" in page.headers


def test_without_a_session_the_page_is_refused_and_a_trashed_worksheet_is_not_found(env):
    owner = env.owner()
    sheet = env.worksheet()
    assert env.browser().get(f"/worksheets/{sheet.id}/").code == 403
    env.run(env.store.trash_worksheet(sheet.id))
    answer = owner.get(f"/worksheets/{sheet.id}/")
    assert answer.code == 404 and b"trash" in answer.body
    assert owner.get("/worksheets/nosuchsheet/").code == 404


# -- text ------------------------------------------------------------------------------------


def test_typing_reaches_every_viewer_and_the_call_answers_after_the_commit(env):
    sheet, (ann, carla, vic), hub = together(env)
    cell = ann.cells[0]
    cell.type(5, "0")
    env.clock.advance(0)  # the op reaches the hub, but the store has not committed yet
    env.settle()
    assert cell.saves and env.call(cell.saves[0]) == 1
    assert env.run(env.store.load_worksheet(sheet.id)).cells[0].text == "x = 10"
    assertSame(hub, ann, carla, vic)


def test_a_keystroke_is_encoded_once_for_all_the_other_viewers(env, monkeypatch):
    """Fan-out of typing: the op goes to every other viewer as one shared encoding."""
    from athena_nb.web.fragments import CellFragment
    from livefragments import Shared

    sheet, (ann, carla, vic), hub = together(env)
    env.settle()
    sent = []
    original = CellFragment.notifyRemote

    def spy(self, method, *args):
        if method == "remoteOp":
            sent.append(args[0])
        return original(self, method, *args)

    monkeypatch.setattr(CellFragment, "notifyRemote", spy)
    ann.cells[0].type(5, "0")
    env.settle()
    assert len(sent) == 2 and sent[0] is sent[1] and isinstance(sent[0], Shared)
    assertSame(hub, ann, carla, vic)


def test_concurrent_typing_in_one_cell_converges_with_every_keystroke(env):
    sheet, (ann, carla, vic), hub = together(env, cells=("ab",))
    a, c = ann.cells[0], carla.cells[0]
    for n in range(5):
        a.type(0, f"A{n}")
        c.type(len(c.text), f"C{n}")
        env.clock.advance(0)
    env.settle()
    text = hub.cells[0].text
    for n in range(5):
        assert f"A{n}" in text and f"C{n}" in text
    assertSame(hub, ann, carla, vic)


def test_a_selection_reaches_the_others_not_its_owner_in_their_own_text(env):
    sheet, (ann, carla, vic), hub = together(env, cells=("abc",))
    env.settle()
    carla.cells[0].moveCursor(1, 3)
    env.settle()
    assert ann.cells[0].cursors == {carla.viewerId: ("Carla", 1, 3)}
    assert vic.cells[0].cursors == {carla.viewerId: ("Carla", 1, 3)}
    assert carla.cells[0].cursors == {}
    refused = []
    carla.cells[0].callRemote("cursor", 0, True, 0).addErrback(refused.append)
    env.settle()
    assert "integers from 0" in str(refused[0].value)


def test_a_stale_client_resyncs_from_the_text_call(env):
    """After StaleVersion a client fetches the text and resends its edit; nothing is lost."""
    sheet, (ann, carla, vic), hub = together(env, cells=("abc",))
    hub.cells[0].doc.historyLimit = 1
    a, c = ann.cells[0], carla.cells[0]
    a.type(0, "1")
    c.type(3, "2")  # both against version 0; Carla's arrives second...
    env.clock.advance(0)
    env.run(hub.edit(hub.cells[0].id, ot.Operation.insert(0, "_"), 1, "someone"))
    env.settle()
    failures = [e for e in c.errors]
    if failures:  # ...and is refused as stale once the history is this short
        assert failures[0].type == "StaleVersion"
        answer = env.call(c.callRemote("text"))
        c.sync.resync(answer["text"], answer["version"])
        env.settle()
    assert "1" in hub.cells[0].text and "2" in hub.cells[0].text
    assertSame(hub, ann, carla, vic)


# -- structure -------------------------------------------------------------------------------


def test_structure_changes_reach_every_viewer_in_the_same_order(env):
    sheet, (ann, carla, vic), hub = together(env, cells=("one\ntwo", "three"))
    first = ann.cells[0]
    new = env.call(ann.callRemote("addCell"))
    above = env.call(first.callRemote("insert", "above"))
    env.call(carla.cell(new).callRemote("move", -1))
    tail = env.call(first.callRemote("split", 4, first.sync.version))
    assert [c.text for c in hub.cells] == ["", "one", "two", "", "three"]
    env.call(carla.cell(tail).callRemote("joinNext"))
    env.call(ann.cell(above).callRemote("delete"))
    env.call(vic.client.widgets[carla.cell(tail).id].callRemote("text"))
    env.call(ann.cell(tail).callRemote("joinNext"))
    env.settle()
    assert [c.text for c in hub.cells] == ["one", "two\nthree"]
    assertSame(hub, ann, carla, vic)
    ids = [c.id for c in hub.cells]
    for page in (ann, carla, vic):
        assert [c.cellId for c in page.cells] == ids

# -- presence and title ------------------------------------------------------------------------


def test_presence_shows_who_is_here_and_in_which_cell(env):
    sheet, (ann, carla, vic), hub = together(env)
    env.clock.advance(PRESENCE_DELAY)
    env.settle()
    assert sorted(p["name"] for p in ann.presence) == ["Carla", "Owner", "Vic"]
    env.call(vic.callRemote("focus", vic.cells[1].cellId))
    env.clock.advance(PRESENCE_DELAY)
    env.settle()
    where = {p["name"]: p["cell"] for p in carla.presence}
    assert where["Vic"] == vic.cells[1].cellId and where["Owner"] is None
    client = vic.client
    env.run(client.close())
    env.clock.advance(PRESENCE_DELAY)
    env.settle()
    assert sorted(p["name"] for p in ann.presence) == ["Carla", "Owner"]


def test_a_viewer_whose_page_lost_its_connection_is_shown_away_until_it_is_back(env):
    sheet, (ann, carla, vic), hub = together(env)
    page = hub.audience.viewers[vic.viewerId].page  # the server's WorksheetPage of Vic's tab
    page.connectionChanged(False)  # what its transport says after Settings.awaySeconds
    env.clock.advance(PRESENCE_DELAY)
    env.settle()
    assert {p["name"]: p["away"] for p in ann.presence} == {
        "Owner": False, "Carla": False, "Vic": True}
    page.connectionChanged(True)
    env.clock.advance(PRESENCE_DELAY)
    env.settle()
    assert not any(p["away"] for p in carla.presence)


def test_title_changes_reach_every_viewer_also_from_the_home_page(env):
    sheet, (ann, carla, vic), hub = together(env)
    assert env.call(carla.callRemote("setTitle", "Renamed")) == "Renamed"
    env.settle()
    assert ann.title == vic.title == "Renamed"
    owner = env.owner()
    answer = owner.post(f"/api/worksheets/{sheet.id}/rename", {"title": "From home"})
    assert answer.code == 200, answer.body
    env.settle()
    assert ann.title == carla.title == vic.title == "From home"
