"""Running cells through the hub: states, streamed output stored in batches, interrupt, restart,
clearing, files, and a hub that outlives its viewers while a cell runs.

Deterministic: a Clock, a manual store and a real kernel whose worker the test plays
(tests/support/notebook.py).
"""

import signal

import pytest
from twisted.internet.defer import fail

from athena_nb.kernel import KernelState
from athena_nb.store import RunState, WriteFailedError
from tests.support.notebook import NotebookEnv
from tests.unit.test_hub import RecordingViewer


@pytest.fixture
def env():
    return NotebookEnv(lingerSeconds=30.0, outputFlushSeconds=0.2)


def openHub(env, cells=("print('hi')", "x", "y")):
    sheet = env.worksheet("Run", cells)
    return sheet, env.run(env.hubs.open(sheet.id))


def stored(env, sheet):
    return env.run(env.store.load_worksheet(sheet.id)).cells


def states(hub):
    return [c.state.value for c in hub.cells]


def watched(env):
    """A hub with one viewer (Ann) on its worksheet; its first cell."""
    sheet, hub = openHub(env)
    viewer = RecordingViewer("v")
    viewer.hub = hub
    hub.addViewer(viewer, "Ann", "owner")
    return sheet, hub, viewer, hub.cells[0]


def test_a_cell_is_queued_runs_streams_and_ends_done_with_count_and_runner(env):
    sheet, hub, viewer, cell = watched(env)
    assert hub.run(cell.id, "Ann") is True
    env.settle()
    worker = env.worker
    assert worker.running["code"] == "print('hi')"
    assert cell.state is RunState.RUNNING and cell.count == 1 and cell.ranBy == "Ann"
    assert [e[2] for e in viewer.of("changed")] == ["queued", "running"], "told at once"
    assert viewer.of("kernel")[-1][1] == "busy"
    worker.print("h")
    worker.print("i\n")
    assert [e["text"] for e in cell.outputs] == ["h", "i\n"]
    worker.done("ok")
    env.settle()
    assert cell.state is RunState.DONE
    saved = stored(env, sheet)[0]
    assert (saved.state, saved.execution_count, saved.ran_by) == (RunState.DONE, 1, "Ann")
    assert [(o.kind, o.payload) for o in saved.outputs] == [
        ("stream", {"name": "stdout", "text": "hi\n"})], "pieces are stored merged"
    assert viewer.of("changed")[-1][2] == "done"
    assert viewer.of("kernel")[-1] == ("kernel", "idle")


def test_output_is_stored_in_batches_while_the_cell_runs(env):
    """Chunks are written once per flush interval, not one commit each, and before the end."""
    sheet, hub = openHub(env)
    cell = hub.cells[0]
    hub.run(cell.id, "Ann")
    env.settle()
    for n in range(50):
        env.worker.print(f"line {n}\n")
    env.settle()
    assert stored(env, sheet)[0].outputs == (), "nothing written before the interval"
    env.later(0.25)
    outputs = stored(env, sheet)[0].outputs
    assert len(outputs) == 1 and outputs[0].payload["text"].count("\n") == 50
    env.worker.print("more\n")
    env.worker.done("ok")
    env.settle()
    assert [o.payload["text"].count("\n") for o in stored(env, sheet)[0].outputs] == [50, 1]


def test_a_batch_the_store_refused_is_stored_with_the_next_one(env):
    """A refused write loses nothing still shown: the next batch stores the cell's log whole."""
    sheet, hub = openHub(env)
    cell = hub.cells[0]
    hub.run(cell.id, "Ann")
    env.settle()
    real = env.store.append_outputs
    env.store.append_outputs = lambda *a: fail(WriteFailedError("SQLite refused (disk full)."))
    env.worker.print("lost?\n")
    env.later(0.25)
    env.store.append_outputs = real
    assert stored(env, sheet)[0].outputs == ()
    env.worker.print("more\n")
    env.worker.done("ok")
    env.settle()
    assert [o.payload["text"] for o in stored(env, sheet)[0].outputs] == ["lost?\nmore\n"]


def test_run_all_queues_every_cell_in_order_and_the_kernel_runs_one_at_a_time(env):
    sheet, hub = openHub(env)
    assert hub.runAll("Ann", pastErrors=True) == 3
    env.settle()
    assert states(hub) == ["running", "queued", "queued"]
    assert hub.runAll("Ann") == 0, "queued and running cells are not queued again"
    assert hub.run(hub.cells[1].id, "Bob") is False
    env.worker.done("ok")
    env.settle()
    assert states(hub) == ["done", "running", "queued"]
    env.worker.done("error", [{"type": "error", "ename": "NameError", "evalue": "x",
                               "traceback": "NameError: x\n"}])
    env.worker.done("ok")
    env.settle()
    assert states(hub) == ["done", "error", "done"]
    assert [c.count for c in hub.cells] == [1, 2, 3]
    assert [c.state for c in stored(env, sheet)] == [RunState.DONE, RunState.ERROR, RunState.DONE]
    assert hub.cells[1].outputs == [{"type": "error", "ename": "NameError", "evalue": "x",
                                     "traceback": "NameError: x\n"}], "no extra notice for errors"


def test_run_above_runs_the_cells_above_only(env):
    sheet, hub = openHub(env)
    assert hub.runAbove(hub.cells[2].id, "Ann") == 2
    env.settle()
    assert states(hub) == ["running", "queued", "idle"]


def test_running_again_clears_the_old_output_first(env):
    sheet, hub = openHub(env)
    cell = hub.cells[0]
    hub.run(cell.id, "Ann")
    env.settle()
    env.worker.print("old\n")
    env.worker.done()
    env.settle()
    generation = cell.generation
    hub.run(cell.id, "Bob")
    env.settle()
    assert cell.outputs == [] and cell.generation > generation and cell.ranBy == "Bob"
    env.worker.print("new\n")
    env.worker.done()
    env.later(0.3)
    assert [o.payload["text"] for o in stored(env, sheet)[0].outputs] == ["new\n"]


def test_an_empty_cell_is_not_sent_to_the_kernel_and_gets_no_number(env):
    """As in Jupyter: running a cell of blanks clears it and leaves it [ ]; Run all goes on
    past it and the numbers go on without it."""
    sheet, hub = openHub(env, cells=("1", "  \n", "2"))
    hub.runAll("Ann")
    env.settle()
    ran = []
    while env.worker.running is not None:
        ran.append(env.worker.running["code"])
        env.worker.done()
        env.settle()
    assert ran == ["1", "2"]
    assert [c.count for c in hub.cells] == [1, None, 2]
    assert states(hub) == ["done", "idle", "done"]


def test_interrupt_drops_queued_cells_and_stops_the_running_one(env):
    sheet, hub = openHub(env)
    hub.runAll("Ann")
    env.settle()
    assert env.run(hub.interrupt()) == "interrupted"
    env.settle()
    # The queued cells never ran: they are as they were, as in Jupyter.
    assert states(hub) == ["interrupted", "idle", "idle"]
    assert env.worker.interrupts == 1
    assert hub.cells[1].outputs == [] and hub.cells[1].count is None
    assert [c.state for c in stored(env, sheet)] == [RunState.INTERRUPTED, RunState.IDLE,
                                                     RunState.IDLE]
    assert hub.cells[0].outputs[0]["ename"] == "KeyboardInterrupt"


def test_restart_empties_the_namespace_stops_cells_and_counts_from_one(env):
    sheet, hub = openHub(env)
    hub.runAll("Ann")
    env.settle()
    env.worker.namespace["x"] = 1
    first = env.worker
    env.run(hub.restart())
    env.settle()
    assert first.exited and first.signals == [signal.SIGKILL], "a busy worker is killed"
    assert env.worker is not first and env.worker.namespace == {}
    assert env.kernels == [env.kernel] and env.kernel.state is KernelState.IDLE
    assert states(hub) == ["interrupted", "idle", "idle"]  # the queued ones, as they were
    assert "restarted while this cell ran" in hub.cells[0].outputs[-1]["text"]
    hub.run(hub.cells[2].id, "Ann")
    env.settle()
    assert hub.cells[2].count == 1


def test_clear_outputs_of_one_cell_or_all_and_finished_cells_become_idle(env):
    """Cleared, a finished cell is idle and shows no count ([ ], as in Jupyter), here and in
    the store; a queued one keeps its place and gets its count when it runs."""
    sheet, hub = openHub(env)
    for cell in hub.cells[:2]:
        hub.run(cell.id, "Ann")
        env.settle()
        env.worker.print("out\n")
        env.worker.done()
        env.settle()
    env.later(0.3)
    assert [c.count for c in hub.cells[:2]] == [1, 2]
    env.run(hub.clearOutputs(hub.cells[0].id))
    assert hub.cells[0].outputs == [] and hub.cells[0].state is RunState.IDLE
    assert hub.cells[0].count is None and hub.cells[1].count == 2
    assert hub.cells[1].outputs != []
    hub.run(hub.cells[1].id, "Ann")  # running
    hub.run(hub.cells[2].id, "Ann")  # queued behind it
    env.settle()
    env.run(hub.clearOutputs())
    assert all(c.outputs == [] for c in hub.cells)
    assert all(c.outputs == () for c in stored(env, sheet))
    assert [c.state for c in hub.cells[1:3]] == [RunState.RUNNING, RunState.QUEUED]
    env.worker.done()
    env.settle()
    env.worker.done()
    env.settle()
    env.later(0.3)
    assert [c.count for c in hub.cells[:3]] == [None, 3, 4]
    assert [c.execution_count for c in stored(env, sheet)[:3]] == [None, 3, 4]


def test_files_a_cell_creates_are_recorded_once(env):
    sheet, hub = openHub(env)
    cell = hub.cells[0]
    hub.run(cell.id, "Ann")
    env.settle()
    env.worker.event({"type": "file", "path": "plot.png", "change": "created"})
    env.worker.event({"type": "file", "path": "plot.png", "change": "modified"})
    env.worker.done()
    env.settle()
    assert cell.files == ["plot.png"]
    assert stored(env, sheet)[0].files == ("plot.png",)


def test_unknown_event_types_and_mime_types_are_dropped(env):
    sheet, hub = openHub(env)
    cell = hub.cells[0]
    hub.run(cell.id, "Ann")
    env.settle()
    env.worker.event({"type": "bogus"})
    env.worker.event({"type": "display", "data": {"application/x-evil": "x"}})
    env.worker.event({"type": "display", "data": {"text/plain": "ok", "application/x": "y"}})
    assert cell.outputs == [{"type": "display", "data": {"text/plain": "ok"}}]


def test_a_cell_keeps_running_with_no_viewer_and_a_late_viewer_sees_its_output(env):
    """The hub stays open past the linger time while a cell runs; output made with nobody
    watching is stored; the hub closes (and its kernel shuts down) once idle and unwatched."""
    sheet, hub = openHub(env)
    viewer = RecordingViewer("v")
    hub.addViewer(viewer, "Ann", "owner")
    hub.run(hub.cells[0].id, "Ann")
    env.settle()
    hub.removeViewer(viewer)
    env.later(60)
    env.worker.print("while nobody watched\n")
    env.later(1)
    assert env.hubs.get(sheet.id) is hub, "a running cell keeps its hub"
    assert stored(env, sheet)[0].outputs[0].payload["text"] == "while nobody watched\n"
    assert env.run(env.hubs.open(sheet.id)) is hub
    assert hub.cells[0].state is RunState.RUNNING
    kernel = env.kernel
    env.worker.done()
    env.later(31)
    assert env.hubs.get(sheet.id) is None and env.shutDown(kernel)
    again = env.run(env.hubs.open(sheet.id))
    assert again is not hub and again.cells[0].state is RunState.DONE
    assert again.cells[0].outputs == [{"type": "stream", "name": "stdout",
                                       "text": "while nobody watched\n"}]


def test_deleting_a_running_cell_interrupts_it_and_drops_its_late_output(env):
    sheet, hub = openHub(env)
    cell = hub.cells[0]
    hub.run(cell.id, "Ann")
    env.settle()
    env.run(hub.deleteCell(cell.id))
    assert env.worker.interrupts == 1
    assert cell not in hub.cells and len(stored(env, sheet)) == 2


def test_a_kernel_that_cannot_start_interrupts_the_cells_with_the_reason(env):
    from twisted.internet.defer import fail

    from athena_nb.kernel import KernelStartError

    sheet, hub = openHub(env)
    hub.runner.kernelSource = lambda cwd, system: fail(KernelStartError("The kernel could not start: no python."))
    hub.runAll("Ann")
    env.settle()
    assert states(hub) == ["interrupted"] * 3
    assert "no python" in hub.cells[0].outputs[-1]["text"]
    assert hub.kernelInfo() == {"state": "dead", "reason": "The kernel could not start: no python.",
                                "queue": []}


def test_completion_and_introspection_go_to_the_kernel_and_busy_is_refused(env):
    from athena_nb.kernel import KernelBusyError

    sheet, hub = openHub(env)
    assert env.run(hub.complete("pri", 3)) == {"matches": [], "start": 0, "end": 0}
    assert {k: v for k, v in env.worker.sent[-1].items() if k != "id"} == {
        "op": "complete", "code": "pri", "cursor": 3}
    hub.run(hub.cells[0].id, "Ann")
    env.settle()
    assert env.settle(hub.complete("pri", 3)).check(KernelBusyError)
    env.worker.done()
    assert env.run(hub.introspect("x")) == {"found": False, "text": "x: help"}


def test_shutting_down_stores_pending_output_and_stops_the_kernel(env):
    sheet, hub = openHub(env)
    hub.run(hub.cells[0].id, "Ann")
    env.settle()
    env.worker.print("last words\n")
    kernel = env.kernel
    env.run(env.hubs.shutdown())
    assert env.shutDown(kernel)
    cell = stored(env, sheet)[0]
    assert cell.outputs[0].payload["text"] == "last words\n"
    assert cell.state is RunState.INTERRUPTED




def test_auto_cells_run_first_when_the_kernel_starts_and_after_a_restart(env):
    """%auto cells (the Sage Notebook's): run, in the worksheet's order, before the cell that
    started the kernel, and again whenever it restarts; shown as started by %auto."""
    sheet, hub = openHub(env, cells=("x = 1", "%auto\nimport math", "y", "%hide\n%auto\nz = 2"))
    hub.run(hub.cells[2].id, "Ann")
    env.settle()
    ran = []
    for _ in range(3):
        ran.append(env.worker.running["code"])
        env.worker.done("ok")
        env.settle()
    assert ran == ["%auto\nimport math", "%hide\n%auto\nz = 2", "y"]
    assert [c.ranBy for c in hub.cells] == [None, "%auto", "Ann", "%auto"]
    assert hub.cells[0].state is RunState.IDLE, "other cells do not run"
    env.run(hub.restart())
    env.settle()
    assert env.worker.running["code"] == "%auto\nimport math"
    assert [c.state.value for c in hub.cells] == ["idle", "running", "done", "queued"]


def test_auto_cells_run_first_on_every_new_worker(env):
    """Whenever the kernel starts a worker (a restart with a cell run at once behind it, a
    new one for the next cell after its worker died), the %auto cells run first."""
    sheet, hub = openHub(env, cells=("%auto\nimport math", "y"))

    def ranInOrder():
        ran = []
        while env.worker.running is not None:
            ran.append(env.worker.running["code"])
            env.worker.done("ok")
            env.settle()
        return ran

    hub.run(hub.cells[1].id, "Ann")
    env.settle()
    assert ranInOrder() == ["%auto\nimport math", "y"]
    restarted = hub.restart()
    hub.run(hub.cells[1].id, "Ann")
    env.run(restarted)
    env.settle()
    assert ranInOrder() == ["%auto\nimport math", "y"], "the restart's %auto cell goes first"
    env.worker.exit(sig=signal.SIGKILL)
    env.settle()
    hub.run(hub.cells[1].id, "Ann")
    env.settle()
    assert ranInOrder() == ["%auto\nimport math", "y"], "a new worker after a death"
    assert [c.ranBy for c in hub.cells] == ["%auto", "Ann"]


def test_an_auto_cell_that_times_out_and_stops_its_worker_is_not_run_again_by_itself(env):
    """An %auto cell stuck past the wall-clock limit gets its worker restarted; running it
    again on that new worker would restart it again, forever. It waits for someone to run it
    or restart the kernel."""
    from athena_nb.kernel import KernelLimits

    sheet, hub = openHub(env, cells=("%auto\nhang()", "y"))
    hub.run(hub.cells[1].id, "Ann")
    env.settle()
    env.kernel.limits = KernelLimits(wallSeconds=1.0, interruptGraceSeconds=1.0)
    env.workers.obeys = False  # stuck in C code: neither SIGINT nor the channel's end stop it
    env.worker.done("ok")  # the %auto cell of the first start
    env.settle()
    env.worker.done("ok")  # y
    env.settle()
    hub.restart()
    env.worker.exit(0)
    env.settle()
    assert env.worker.running["code"] == "%auto\nhang()"
    env.later(2.1)  # the wall-clock limit, then the interrupt's grace: the worker is killed
    assert env.worker.signals == [signal.SIGKILL]
    env.worker.exit(sig=signal.SIGKILL)
    env.settle()
    assert env.kernel.state is KernelState.IDLE and env.worker.running is None
    assert hub.cells[0].state is RunState.ERROR and "wall-clock limit" in hub.cells[0].outputs[-1]["text"]
    hub.run(hub.cells[1].id, "Ann")
    env.settle()
    assert env.worker.running["code"] == "y"
    env.worker.done("ok")
    env.settle()
    hub.restart()
    env.worker.exit(0)
    env.settle()
    assert env.worker.running["code"] == "%auto\nhang()", "a restart asked for runs it again"


def test_an_auto_cell_run_by_hand_to_start_the_kernel_runs_once(env):
    sheet, hub = openHub(env, cells=("%auto\na = 1", "b"))
    hub.run(hub.cells[0].id, "Ann")
    env.settle()
    assert env.worker.running["code"] == "%auto\na = 1"
    env.worker.done("ok")
    env.settle()
    assert hub.cells[0].ranBy == "Ann" and env.worker.running is None


def test_everyone_is_told_the_run_queue_in_order_with_who_started_each(env):
    sheet, hub, viewer, cell = watched(env)
    hub.run(hub.cells[2].id, "Ann")
    hub.run(hub.cells[0].id, "Bob")
    env.settle()
    ids = [c.id for c in hub.cells]
    assert hub.kernelInfo()["queue"] == [{"cell": ids[2], "state": "running", "by": "Ann"},
                                         {"cell": ids[0], "state": "queued", "by": "Bob"}]
    env.worker.done("ok")
    env.settle()
    assert hub.kernelInfo()["queue"] == [{"cell": ids[0], "state": "running", "by": "Bob"}]
    env.worker.done("ok")
    env.settle()
    assert hub.kernelInfo()["queue"] == []
    assert viewer.of("kernel"), "viewers were told"


def test_one_queued_cell_is_cancelled_and_never_runs_while_the_others_do(env):
    sheet, hub = openHub(env)
    hub.runAll("Ann", pastErrors=True)
    env.settle()
    assert hub.cancel(hub.cells[1].id) is True
    assert hub.cancel(hub.cells[0].id) is False, "running: Interrupt stops that"
    ran = []
    for _ in range(2):
        ran.append(env.worker.running["code"])
        env.worker.done("ok")
        env.settle()
    assert ran == ["print('hi')", "y"]
    assert states(hub) == ["done", "idle", "done"]  # idle, as before it was queued
    assert hub.cells[1].outputs == []
    assert hub.cancel(hub.cells[1].id) is False, "not queued any more"
    assert [c.state for c in stored(env, sheet)] == [
        RunState.DONE, RunState.IDLE, RunState.DONE]


def test_a_cell_queued_before_the_kernel_started_can_be_cancelled(env):
    sheet, hub = openHub(env)
    hub.runAll("Ann")
    assert hub.cells[2].state is RunState.QUEUED and hub.runner.kernel is None
    assert hub.cancel(hub.cells[2].id)
    env.settle()
    env.worker.done("ok")
    env.settle()
    env.worker.done("ok")
    env.settle()
    assert states(hub) == ["done", "done", "idle"]


def test_cells_run_all_did_not_reach_keep_their_outputs_as_in_jupyter(env):
    """A plot below an error is not wiped by a Run all that stops at the error: a cell's
    outputs go when it starts, not when it is queued."""
    sheet, hub = openHub(env, cells=("a", "b", "c"))
    hub.runAll("Ann")
    for text in ("A\n", "B\n", "C\n"):
        env.settle()
        env.worker.print(text)
        env.worker.done("ok")
    env.settle()
    assert [c.count for c in hub.cells] == [1, 2, 3]
    hub.runAll("Bob")
    env.settle()
    third = hub.cells[2]
    assert third.state is RunState.QUEUED and third.outputs[0]["text"] == "C\n", "kept queued"
    env.worker.done("ok")
    env.settle()
    assert hub.cells[1].outputs == [], "the second's went as it started"
    env.worker.done("error", [{"type": "error", "ename": "NameError", "evalue": "b",
                                "traceback": "NameError: b"}])
    env.settle()
    assert (third.state, third.count, third.ranBy) == (RunState.IDLE, 3, "Ann")
    assert [o.get("text") for o in third.outputs] == ["C\n"]
    saved = stored(env, sheet)[2]
    assert (saved.state, saved.execution_count, saved.ran_by) == (RunState.IDLE, 3, "Ann")
    assert len(saved.outputs) == 1


def test_run_all_stops_at_the_first_error_unless_asked_to_go_on(env):
    sheet, hub = openHub(env, cells=("a", "b", "c"))
    hub.runAll("Ann")
    env.settle()
    env.worker.done("ok")
    env.settle()
    env.worker.done("error", [{"type": "error", "ename": "NameError", "evalue": "b",
                                "traceback": "NameError: b"}])
    env.settle()
    assert states(hub) == ["done", "error", "idle"]  # the third never ran
    assert env.worker.running is None and hub.kernelInfo()["queue"] == []
    hub.runAll("Ann", pastErrors=True)
    env.settle()
    env.worker.done("error")
    env.settle()
    assert env.worker.running["code"] == "b", "goes on past the error"
