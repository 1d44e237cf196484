"""The hub registry: one hub per open worksheet, made on demand, closed when idle."""

import os

import pytest

from athena_nb.hubs import WorksheetUnavailable
from tests.support.notebook import NotebookEnv
from tests.unit.test_hub import RecordingViewer


@pytest.fixture
def env():
    return NotebookEnv(lingerSeconds=10.0)


def test_opening_twice_at_once_makes_one_hub_in_the_worksheets_directory(env):
    sheet = env.worksheet()
    first, second = env.hubs.open(sheet.id), env.hubs.open(sheet.id)
    hub = env.run(first)
    assert env.run(second) is hub and env.hubs.get(sheet.id) is hub
    assert hub.directory == os.path.join(env.dataDir, "worksheets", sheet.id)
    assert os.path.isdir(hub.directory)
    assert env.kernels == [] and env.workers.made == [], "a kernel starts only when a cell runs"


def test_unknown_and_trashed_worksheets_are_unavailable_with_a_reason(env):
    failure = env.settle(env.hubs.open("0123456789abcdef"))
    assert failure.check(WorksheetUnavailable) and "no worksheet" in failure.getErrorMessage()
    sheet = env.worksheet("Old")
    env.run(env.store.trash_worksheet(sheet.id))
    failure = env.settle(env.hubs.open(sheet.id))
    assert failure.check(WorksheetUnavailable) and "trash" in failure.getErrorMessage()
    failure = env.settle(env.hubs.open("../etc"))
    assert failure.check(WorksheetUnavailable)


def test_an_unwatched_idle_hub_closes_after_the_linger_time_and_a_viewer_keeps_it(env):
    sheet = env.worksheet()
    hub = env.run(env.hubs.open(sheet.id))
    viewer = RecordingViewer("v")
    hub.addViewer(viewer, "Ann", "owner")
    env.later(30)
    assert env.hubs.get(sheet.id) is hub, "a viewer keeps the hub open"
    hub.removeViewer(viewer)
    env.later(9)
    assert env.hubs.get(sheet.id) is hub, "a reload within the linger time finds it"
    env.later(2)
    assert env.hubs.get(sheet.id) is None


def test_opening_while_the_old_hub_closes_waits_for_it_then_makes_a_new_one(env):
    sheet = env.worksheet(cells=("x",))
    hub = env.run(env.hubs.open(sheet.id))
    hub.run(hub.cells[0].id, "Ann")
    env.settle()
    kernel = env.kernel
    closing = env.hubs.closeHub(sheet.id, "Closing.")
    again = env.hubs.open(sheet.id)
    fresh = env.run(again)
    assert fresh is not hub and env.shutDown(kernel)
    assert env.run(closing) is None


def test_close_sessions_closes_only_those_viewers(env):
    sheet = env.worksheet()
    hub = env.run(env.hubs.open(sheet.id))
    ann, bob = RecordingViewer("a"), RecordingViewer("b")
    hub.addViewer(ann, "Ann", "owner")
    hub.addViewer(bob, "Bob", "viewer")
    assert env.hubs.closeSessions({"s-b"}, "Revoked.") == 1
    assert bob.closed == "Revoked." and ann.closed is None
    assert bob.final, "their access ended: the page offers no Reload"


def test_renamed_elsewhere_reaches_the_viewers(env):
    sheet = env.worksheet("Before")
    hub = env.run(env.hubs.open(sheet.id))
    viewer = RecordingViewer("v")
    hub.addViewer(viewer, "Ann", "owner")
    env.hubs.renamed(sheet.id, "After")
    env.hubs.renamed("not-open", "Whatever")
    assert hub.title == "After" and viewer.of("title") == [("title", "After")]


def test_shutdown_closes_every_hub_and_refuses_new_ones(env):
    sheets = [env.worksheet(cells=("x",)) for _ in range(2)]
    hubs = [env.run(env.hubs.open(s.id)) for s in sheets]
    for hub in hubs:
        hub.run(hub.cells[0].id, "Ann")
    env.settle()
    env.run(env.hubs.shutdown())
    assert all(env.shutDown(k) for k in env.kernels) and len(env.kernels) == 2
    assert env.settle(env.hubs.open(sheets[0].id)).check(WorksheetUnavailable)
