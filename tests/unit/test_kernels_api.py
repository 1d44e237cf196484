"""The owner's list of running kernels and stopping one (``/api/kernels``), through the real
site with live worksheet pages and real kernels whose workers are scripted
(tests/support/notebook.py)."""

import json

import pytest

from athena_nb.kernel.memory import Memory
from athena_nb.web import home
from tests.support.notebook import NotebookEnv, runPython


@pytest.fixture
def env(monkeypatch):
    # The scripted workers' pids are made up: their memory is made up too, 1 kB per pid.
    monkeypatch.setattr(home, "eachTreeMemory",
                        lambda pids: [Memory(rss=pid * 2000, pss=pid * 1000, processes=1)
                                      for pid in pids])
    return NotebookEnv(autoRun=runPython)


def kernels(browser):
    return browser.getJSON("/api/kernels")["kernels"]


def test_the_owner_sees_the_running_kernels_and_stops_one(env):
    owner = env.owner()
    sheet = env.worksheet("Algebra", ["x = 1"])
    client, page = env.open(sheet.id, owner)
    hub = env.hubs.get(sheet.id)
    assert kernels(owner) == [], "open, but no kernel until a cell runs"
    env.call(page.cells[0].callRemote("run"))
    env.settle()
    [listed] = kernels(owner)
    assert listed == {"worksheet": sheet.id, "title": "Algebra", "system": "python",
                      "state": "idle", "reason": listed["reason"], "people": ["you"],
                      "memory": hub.kernelProcess() * 1000}
    answer = owner.post(f"/api/kernels/{sheet.id}/stop", {})
    assert answer.code == 200, answer.body
    env.settle()
    assert kernels(owner) == []
    assert hub.kernelInfo()["state"] == "dead", "the page says Kernel: stopped"
    env.call(page.cells[0].callRemote("run"))  # the next run starts a new kernel
    env.settle()
    assert [k["state"] for k in kernels(owner)] == ["idle"]
    assert hub.cells[0].count == 1, "which counts its cells from 1, as after a restart"


def test_who_has_it_open_is_you_then_the_others_by_name(env):
    owner = env.owner()
    sheet = env.worksheet("Algebra", ["x = 1"])
    guest, _ = env.guest(owner, sheet.id, "collaborator", "Zoe")
    other, _ = env.guest(owner, sheet.id, "viewer", "Ann")
    pages = [env.open(sheet.id, b)[1] for b in (guest, other, owner, owner)]
    env.call(pages[0].cells[0].callRemote("run"))
    env.settle()
    assert [k["people"] for k in kernels(owner)] == [["you", "Ann", "Zoe"]]


def test_stopping_a_kernel_that_is_not_running_is_a_404_with_a_sentence(env):
    owner = env.owner()
    answer = owner.post("/api/kernels/no-such-sheet/stop", {})
    assert answer.code == 404
    assert "not running" in json.loads(answer.body)["error"]["message"]


def test_only_the_owner_sees_or_stops_kernels(env):
    owner = env.owner()
    sheet = env.worksheet("Algebra", ["x = 1"])
    guest, _ = env.guest(owner, sheet.id, "collaborator", "Gus")
    assert guest.get("/api/kernels").code == 403
    assert guest.post(f"/api/kernels/{sheet.id}/stop", {}).code == 403
