"""The History calls of the worksheet page, through the real site: reading the past, a diff,
restoring as a collaborator (told live to the others), and every bad call refused with a
sentence. Code: athena_nb/web/historycalls.py.
"""

import pytest

from athena_nb import ot
from tests.support.notebook import NotebookEnv
from tests.unit.test_hub_web import together


@pytest.fixture
def env():
    return NotebookEnv()


def test_a_collaborator_restores_and_everyone_sees_it(env):
    sheet, (ann, carla, vic), hub = together(env)
    first = hub.cells[0]
    env.run(hub.edit(first.id, ot.Operation.insert(5, "0"), 0, ann.viewerId))
    info = env.call(vic.callRemote("historyInfo"))
    assert info["last"] == 1
    past = env.call(vic.callRemote("historyAt", 0))
    assert [c["text"] for c in past["cells"]] == ["x = 1", "x + 1"]
    now = env.call(vic.callRemote("historyAt", 1))
    assert now["cells"][0]["by"] == "Owner" and now["who"] == "Owner"
    diff = env.call(vic.callRemote("historyDiff", 0, 1))
    assert diff[0]["lines"] == [["-", "x = 1"], ["+", "x = 10"]]
    assert env.call(carla.callRemote("historyRestore", 0)) == 2
    env.settle()
    assert [c.text for c in hub.cells] == ["x = 1", "x + 1"]
    assert vic.texts() == ann.texts() == ["x = 1", "x + 1"]
    seen = vic.historyChanges
    named = env.call(carla.callRemote("historyName", 1, "before the exam"))
    assert (named["name"], named["who"]) == ("before the exam", "Carla")
    env.settle()
    assert vic.historyChanges == seen + 1  # an open History lists the new name


def test_bad_history_calls_get_a_sentence(env):
    sheet, (ann, carla, vic), hub = together(env)
    for args, words in (
            (("historyAt", 5), "history has versions 0 to 0; there is no version 5"),
            (("historyAt", "1"), "A version is a whole number from 0"),
            (("historyAt", -1), "A version is a whole number from 0"),
            (("historyDiff", 0, 9), "there is no version 9"),
            (("historyRestoreCell", 0, "x"), "A cell is named by its id"),
            (("historyRestoreCell", 0, 999), "Cell 999 was not in this worksheet at version 0"),
            (("historyName", 0, ""), "A version's name is text of 1 to 200 characters"),
            (("historyOutputs", 1), "no snapshot with outputs numbered 1")):
        result = env.call(ann.callRemote(*args))
        assert words in getattr(result, "message", ""), (args, result)
    result = env.call(vic.callRemote("historyRestore", 0))
    assert result.type == "NotAllowed" and "read-only access" in result.message
    result = env.call(carla.callRemote("historySnapshot", "mine"))
    assert result.type == "NotAllowed" and "Only the worksheet's owner" in result.message
    named = env.call(ann.callRemote("historySnapshot", "graded"))
    assert named["outputs"] is True
