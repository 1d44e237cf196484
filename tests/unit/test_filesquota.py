"""A worksheet's files held to --max-files-mb (athena_nb/filesquota.py): measured when a run ends,
when files change through the Files panel, when the hub opens and while a cell runs; past the
quota every viewer is told, the runs are stopped and new ones refused until files are deleted.

Deterministic: a Clock (a measurement runs at once, there being no thread pool), a manual store
and a real kernel whose worker the test plays (tests/support/notebook.py); the files are written
into the worksheet's directory by the test, as a cell would.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from twisted.internet.defer import Deferred

from athena_nb.filesquota import CHECK_SECONDS, MAX_ENTRIES, FilesQuota
from athena_nb.folder import Usage, WorksheetFolder
from athena_nb.quotas import QuotaExceeded, Quotas
from athena_nb.store import RunState
from tests.support.notebook import NotebookEnv
from tests.unit.test_hub import RecordingViewer
from tests.unit.test_interacts import interactEvent

LIMIT = 1000


class Viewer(RecordingViewer):
    def filesQuotaChanged(self):
        self.events.append(("filesQuota", self.hub.filesQuota.notice()))


@pytest.fixture
def env():
    env = NotebookEnv()
    env.hubs.quotas = Quotas(maxFilesBytes=LIMIT)
    return env


def opened(env, cells=("open('a', 'wb').write(...)", "x = 1", "y = 2")):
    sheet = env.worksheet("Files", cells)
    hub = env.run(env.hubs.open(sheet.id))
    viewer = Viewer("v")
    viewer.hub = hub
    hub.addViewer(viewer, "Ann", "owner")
    return sheet, hub, viewer


def write(hub, name: str, size: int) -> None:
    """What a cell does: write ``size`` bytes to ``name`` in the worksheet's directory."""
    path = os.path.join(hub.directory, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"0" * size)


def ranAndWrote(env, hub, files: dict[str, int]):
    """The first cell runs, writes ``files`` and ends."""
    cell = hub.cells[0]
    hub.run(cell.id, "Ann")
    env.settle()
    for name, size in files.items():
        write(hub, name, size)
    env.worker.done("ok")
    env.settle()
    return cell


def test_a_run_that_ends_past_the_quota_tells_every_viewer_and_new_runs_are_refused(env):
    sheet, hub, viewer = opened(env)
    ranAndWrote(env, hub, {"a.bin": 600, "b.bin": 600})
    notice = hub.filesQuota.notice()
    assert notice == ("This worksheet's files take 1.2 KiB, more than the 1,000 bytes they may "
                      "take together, so its cells cannot run: delete files in the Files panel "
                      "to run them again.")
    assert viewer.of("filesQuota") == [("filesQuota", notice)], "told once"
    second = hub.cells[1]
    for run in (lambda: hub.run(second.id, "Ann"), lambda: hub.runAll("Ann"),
                lambda: hub.runAbove(second.id, "Ann")):
        with pytest.raises(QuotaExceeded) as refused:
            run()
        assert str(refused.value) == (
            "Nothing was run: this worksheet's files are past their quota (1.2 KiB of 1,000 "
            "bytes); delete files to run cells again.")
    assert second.state is RunState.IDLE and len(env.worker.sent) == 1, "nothing reached the kernel"


def test_just_past_the_quota_the_sentence_gives_bytes(env):
    sheet, hub, viewer = opened(env)
    ranAndWrote(env, hub, {"a.bin": LIMIT + 1})
    assert hub.filesQuota.notice().startswith(
        "This worksheet's files take 1,001 bytes, more than the 1,000 bytes they may take")
    hub.filesQuota.limit = 1 << 20
    hub.filesQuota.usage = Usage((1 << 20) + 1000)
    assert "take 1,049,576 bytes, more than the 1,048,576 bytes" in hub.filesQuota.notice()


def test_within_the_quota_nothing_is_said_and_cells_run(env):
    sheet, hub, viewer = opened(env)
    ranAndWrote(env, hub, {"a.bin": 600, "b.bin": 400})  # exactly the limit
    assert hub.filesQuota.usage.bytes == LIMIT and hub.filesQuota.notice() is None
    assert viewer.of("filesQuota") == []
    assert hub.run(hub.cells[1].id, "Ann") is True


def test_deleting_a_file_in_the_files_panel_lets_the_cells_run_again(env):
    sheet, hub, viewer = opened(env)
    ranAndWrote(env, hub, {"a.bin": 600, "b.bin": 600})
    owner = env.owner()
    client, page = env.open(sheet.id, owner)
    assert page.filesQuota == hub.filesQuota.notice(), "a page opened meanwhile has it too"
    answer = owner.post(f"/worksheets/{sheet.id}/folder/b.bin", {"action": "delete"})
    assert answer.code == 200, answer.body
    env.settle()
    assert hub.filesQuota.notice() is None
    assert viewer.of("filesQuota")[-1] == ("filesQuota", None)
    assert page.filesQuota is None, "the page takes the sentence away"
    assert hub.run(hub.cells[1].id, "Ann") is True


def test_a_page_is_told_when_the_files_pass_the_quota_and_shows_it_from_the_start(env):
    sheet, hub, viewer = opened(env)
    owner = env.owner()
    client, page = env.open(sheet.id, owner)
    assert page.filesQuota is None
    ranAndWrote(env, hub, {"a.bin": 1500})
    assert page.filesQuota == hub.filesQuota.notice() and "1.5 KiB" in page.filesQuota
    html = owner.get(f"/worksheets/{sheet.id}/").body.decode()
    assert 'class="nb-files-over" role="alert">' in html, "shown, not hidden"
    assert "more than the 1,000 bytes they may take together" in html


def test_a_worksheet_already_past_its_quota_says_so_when_it_opens(env):
    sheet = env.worksheet("Full", ["x = 1"])
    os.makedirs(env.hubs.worksheetDir(sheet.id))
    with open(os.path.join(env.hubs.worksheetDir(sheet.id), "old.bin"), "wb") as f:
        f.write(b"0" * 2000)
    hub = env.run(env.hubs.open(sheet.id))
    assert hub.filesQuota.over
    with pytest.raises(QuotaExceeded, match=re.escape("(2 KiB of 1,000 bytes)")):
        hub.run(hub.cells[0].id, "Ann")


def test_while_a_cell_runs_its_files_are_measured_and_past_the_quota_it_is_stopped(env):
    """A loop writing files is stopped within CHECK_SECONDS: the running cell says why, the
    queued one does not run, and the kernel is interrupted once."""
    sheet, hub, viewer = opened(env)
    first, second = hub.cells[0], hub.cells[1]
    hub.runAll("Ann")
    env.settle()
    assert first.state is RunState.RUNNING and second.state is RunState.QUEUED
    env.later(CHECK_SECONDS)
    assert hub.filesQuota.usage is not None and not hub.filesQuota.over, "measured, within"
    write(hub, "loop/1.bin", 900)
    write(hub, "loop/2.bin", 900)
    env.later(CHECK_SECONDS)
    notice = hub.filesQuota.notice()
    assert "1.8 KiB" in notice
    assert env.worker.interrupts == 1
    assert first.state is RunState.INTERRUPTED
    assert {"type": "notice", "text": "This cell was stopped: " + notice} in first.outputs
    assert second.state is RunState.IDLE and second.count is None, "never ran: idle"
    assert second.outputs == [] and hub.filesQuota.over, "the banner says why"
    env.later(3 * CHECK_SECONDS)
    assert env.worker.interrupts == 1, "interrupted once, never again"
    assert not hub.busy


def test_no_measurement_on_a_timer_while_nothing_runs(env):
    calls = []
    sheet, hub, viewer = opened(env)
    hub.filesQuota._measure = lambda: calls.append(1) or Usage(0)
    hub.kernelChanged()  # as a kernel's state changes
    env.later(3 * CHECK_SECONDS)
    assert calls == [], "idle: the timer looked and did not measure"
    hub.run(hub.cells[1].id, "Ann")
    env.settle()
    env.later(2 * CHECK_SECONDS + 0.1)
    assert len(calls) == 2, "running: every CHECK_SECONDS"
    env.worker.done("ok")
    env.settle()
    assert len(calls) == 3, "and when the run ends"
    env.later(3 * CHECK_SECONDS)
    assert len(calls) == 3


def test_measurements_do_not_pile_up(env):
    """Asked while one is under way, one more follows it for all who asked meanwhile."""
    sheet, hub, viewer = opened(env)
    pending: list[Deferred] = []

    def measure():
        pending.append(Deferred())
        return pending[-1]

    check = FilesQuota(hub, measure=measure)
    answers = []
    for _ in range(4):
        check.measure().addCallback(answers.append)
    assert len(pending) == 1
    pending[0].callback(Usage(10))
    assert answers == [Usage(10)] and len(pending) == 2, "one more, for the three"
    pending[1].callback(Usage(20))
    assert answers == [Usage(10)] + [Usage(20)] * 3 and len(pending) == 2
    assert check.usage == Usage(20)


def test_a_measurement_that_fails_keeps_the_last_and_the_next_one_runs(env):
    sheet, hub, viewer = opened(env)
    outcomes = [Usage(2000), OSError("Permission denied"), Usage(0)]

    def measure():
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    check = FilesQuota(hub, measure=measure)
    check.measure()
    answers = []
    check.measure().addCallback(answers.append)
    assert answers == [None] and check.over, "the last measurement stands"
    check.measure()  # not stuck
    assert outcomes == [] and not check.over


def test_files_the_panel_does_not_list_count_and_the_sentence_says_how_much(env):
    sheet, hub, viewer = opened(env)
    ranAndWrote(env, hub, {".cache/big": 1200, "shown.txt": 100})
    notice = hub.filesQuota.notice()
    assert notice.endswith("1.2 KiB of it is in files whose names start with '.', which the "
                           "panel does not list; the server's owner can remove them.")


def test_a_directory_with_too_many_files_is_past_its_quota():
    hub = type("Hub", (), {"quotas": Quotas(maxFilesBytes=LIMIT), "directory": "/nowhere"})()
    check = FilesQuota(hub, measure=lambda: Usage(5, entries=MAX_ENTRIES + 1, complete=False))
    check.usage = check._measure()
    assert check.over
    assert check.notice() == (f"This worksheet's directory holds more than {MAX_ENTRIES:,} "
                              "files and folders, more than a worksheet may have, so its cells "
                              "cannot run: delete files in the Files panel to run them again.")


def test_without_a_limit_nothing_is_measured(env):
    env.hubs.quotas = Quotas(maxFilesBytes=None)
    sheet, hub, viewer = opened(env)
    hub.filesQuota._measure = lambda: pytest.fail("measured without a limit")
    ranAndWrote(env, hub, {"huge.bin": 10_000})
    hub.kernelChanged()
    env.later(2 * CHECK_SECONDS)
    assert hub.filesQuota.usage is None and hub.filesQuota.notice() is None


def test_past_the_quota_interacts_do_not_run(env):
    sheet, hub, viewer = opened(env, cells=("@interact ...", "x"))
    cell = hub.cells[0]
    hub.run(cell.id, "Ann")
    env.settle()
    env.worker.event(interactEvent(env.kernel.info["session"]))
    env.worker.done("ok")
    env.settle()
    write(hub, "big.bin", 2000)
    env.worker.done("ok")  # the interact's first run ends, and its end measures
    env.settle()
    assert hub.filesQuota.over
    sent = len(env.worker.sent)
    for change in (lambda: hub.interacts.update(cell.id, "i-1", "Ann"),
                   lambda: hub.interacts.change(cell.id, "i-1", {"n": 5}, "Ann")):
        with pytest.raises(QuotaExceeded, match="Nothing was run"):
            change()
    env.settle()
    assert len(env.worker.sent) == sent


def test_past_the_quota_auto_cells_do_not_run_when_a_kernel_starts(env):
    sheet = env.worksheet("Auto", ["x", "%auto\nsetup()"])
    os.makedirs(env.hubs.worksheetDir(sheet.id))
    with open(os.path.join(env.hubs.worksheetDir(sheet.id), "old.bin"), "wb") as f:
        f.write(b"0" * 2000)
    hub = env.run(env.hubs.open(sheet.id))
    env.run(hub.restart())
    env.settle()
    assert env.kernels and hub.cells[1].state is RunState.IDLE
    assert not [m for m in env.worker.sent if m["op"] == "execute"]


def test_the_folder_measures_hidden_files_and_stops_after_max_entries(tmp_path):
    folder = WorksheetFolder(str(tmp_path))
    for name, size in (("a", 10), (".h/b", 20), ("d/.c", 30), ("d/e", 40)):
        os.makedirs(os.path.dirname(tmp_path / name), exist_ok=True)
        (tmp_path / name).write_bytes(b"x" * size)
    os.symlink(tmp_path / "a", tmp_path / "link")
    assert folder.usage() == Usage(100, unlisted=50, entries=7)
    assert folder.used() == 100
    partial = folder.usage(maxEntries=3)
    assert not partial.complete and partial.bytes < 100


def test_every_change_through_the_files_panel_measures_again(env):
    sheet, hub, viewer = opened(env)
    calls = []
    hub.filesQuota._measure = lambda: calls.append(1) or WorksheetFolder(hub.directory).usage()
    owner = env.owner()
    url = f"/worksheets/{sheet.id}/folder/"
    answer = owner.post(url + "a.txt", b"0" * 800,
                        headers={b"content-type": b"application/octet-stream"})
    assert answer.code == 201, answer.body
    assert owner.post(url + "a.txt", {"action": "rename", "to": "b.txt"}).code == 200
    env.settle()
    assert len(calls) == 2 and not hub.filesQuota.over
    write(hub, "c.bin", 300)  # a cell's, say, left running
    assert owner.post(url + "b.txt", {"action": "rename", "to": "d.txt"}).code == 200
    env.settle()
    assert len(calls) == 3 and hub.filesQuota.over
    assert json.loads(owner.get(url).body)["used"] == 1100


def test_a_script_s_run_is_refused_through_the_api_with_the_sentence(env):
    from tests.unit.test_api import api

    sheet, hub, viewer = opened(env)
    ranAndWrote(env, hub, {"a.bin": 1500})
    code, answer, _ = api(env, b"POST", f"/worksheets/{sheet.id}/cells/{hub.cells[1].id}/run")
    assert code == 400 and answer["error"]["type"] == "QuotaExceeded"
    assert answer["error"]["message"] == (
        "Nothing was run: this worksheet's files are past their quota (1.5 KiB of 1,000 "
        "bytes); delete files to run cells again.")
