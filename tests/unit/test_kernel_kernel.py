"""The Kernel's queue, state machine, limits and escalation, driven by scripted workers
(tests/support/workers.py) and a Clock (athena_nb.kernel.kernel)."""

import signal

import pytest
from twisted.internet.task import Clock

from athena_nb.kernel import (
    ExecuteResult,
    IllegalTransition,
    Kernel,
    KernelBusyError,
    KernelLimits,
    KernelNotRunningError,
    KernelStartError,
    KernelState,
    KernelTimeoutError,
)
from athena_nb.kernel.endings import ExitStatus
from tests.support.workers import Workers

S = KernelState


class Harness:
    def __init__(self, **limits):
        self.clock = Clock()
        self.workers = Workers(self.clock)  # they do nothing unless the test says so
        self.changes = []
        self.kernel = Kernel(self.clock, cwd="/tmp", limits=KernelLimits(**limits),
                             processFactory=self.workers)
        self.kernel.addStateListener(self.changes.append)

    @property
    def processes(self):
        return self.workers.made

    @property
    def process(self):
        return self.workers.last

    def started(self):
        d = self.kernel.start()
        self.process.ready()
        assert d.called
        return self

    def run(self, code):
        events = []
        request = self.kernel.execute(code, events.append)
        return request, events


def result(request):
    assert request.deferred.called, "the request has not finished"
    return request.result


def test_start_goes_through_starting_to_idle_and_tells_listeners():
    """start() spawns the worker; its ready message makes the kernel IDLE and fires start."""
    h = Harness()
    d = h.kernel.start()
    assert h.kernel.state == S.STARTING and not d.called
    assert h.process.config["cwd"] == "/tmp" and h.process.config["system"] == "python"
    h.process.ready(pid=42)
    assert d.called and h.kernel.state == S.IDLE and h.kernel.info["pid"] == 42
    assert [(c.old, c.new) for c in h.changes] == [(S.DEAD, S.STARTING), (S.STARTING, S.IDLE)]
    assert h.kernel.start().called  # already running: at once


def test_illegal_transitions_are_refused():
    """The state machine refuses moves it does not allow, with a sentence."""
    h = Harness()
    with pytest.raises(IllegalTransition, match="cannot go from DEAD to BUSY"):
        h.kernel._setState(S.BUSY, "no")
    h.started()
    with pytest.raises(IllegalTransition, match="IDLE to STARTING"):
        h.kernel._setState(S.STARTING, "no")


def test_requests_run_one_at_a_time_in_order():
    """Only one execute is sent to the worker at a time; the next goes when the first is done."""
    h = Harness().started()
    first, _ = h.run("a")
    second, _ = h.run("b")
    assert [m["code"] for m in h.process.sent] == ["a"]
    assert h.kernel.state == S.BUSY
    h.process.done()
    assert result(first) == ExecuteResult("ok", "")
    assert [m["code"] for m in h.process.sent] == ["a", "b"]
    h.process.done()
    assert result(second).ok and h.kernel.state == S.IDLE


def test_events_reach_the_running_request_and_done_carries_the_tail():
    """Sync events and the events bundled in "done" reach onOutput in order."""
    h = Harness().started()
    request, events = h.run("x")
    h.process.event({"type": "display", "data": {"text/plain": "shown"}})
    h.process.done(events=[{"type": "result", "data": {"text/plain": "2"}},
                           {"type": "file", "path": "a.txt", "change": "created"}])
    assert [e["type"] for e in events] == ["display", "result", "file"]
    assert h.process.finished == 1  # half-read characters were flushed before the end


def test_an_error_result_names_the_exception():
    """A cell that raised gets status "error" and a message naming the exception."""
    h = Harness().started()
    request, events = h.run("1/0")
    h.process.done("error", events=[{"type": "error", "ename": "ZeroDivisionError",
                                     "evalue": "division by zero", "traceback": "..."}])
    assert result(request) == ExecuteResult(
        "error", "The cell raised ZeroDivisionError: division by zero")


def test_a_queued_request_can_be_cancelled_without_touching_the_running_one():
    """cancel() on a queued request answers "cancelled" at once; on the running one it
    refuses; Deferred.cancel() on a queued request does the same as cancel()."""
    h = Harness().started()
    running, _ = h.run("a")
    queued, _ = h.run("b")
    other, _ = h.run("c")
    assert running.cancel() is False
    assert queued.cancel() is True
    assert result(queued).status == "cancelled"
    other.deferred.cancel()
    assert result(other).status == "cancelled"
    h.process.done()
    assert result(running).ok
    assert [m["code"] for m in h.process.sent] == ["a"]
    assert h.kernel.state == S.IDLE


def test_output_past_the_cap_is_cut_with_one_notice():
    """Stream text is cut exactly at the cap, one notice says so, later output is held back:
    its end comes before the late result and error, which still get through."""
    h = Harness(outputChars=10).started()
    request, events = h.run("spam")
    h.kernel.workerOutput("stdout", "123456")
    h.kernel.workerOutput("stdout", "789abc")
    h.kernel.workerOutput("stderr", "more")
    h.process.done("error", events=[{"type": "result", "data": {"text/plain": "x"}},
                                    {"type": "error", "ename": "E", "evalue": "v",
                                     "traceback": ""}])
    assert [e.get("text") for e in events if e["type"] == "stream"] == [
        "123456", "789a", "bc", "more"]
    notices = [e for e in events if e["type"] == "notice"]
    assert len(notices) == 1 and "limit of 10 characters" in notices[0]["text"]
    assert [e["type"] for e in events[-2:]] == ["result", "error"]
    assert result(request).status == "error"


def test_the_end_of_the_output_past_the_cap_comes_when_the_cell_ends():
    h = Harness(outputChars=10).started()
    request, events = h.run("spam")
    h.kernel.workerOutput("stdout", "123456789abc")
    h.kernel.workerOutput("stdout", "end\n")
    h.process.done("ok")
    assert [e.get("text") for e in events if e["type"] == "stream"] == [
        "123456789a", "bcend\n"]
    assert result(request).status == "ok"


def test_the_cap_bounds_what_a_cell_shows_updates_and_clears_do_not_use_it_up():
    """Display updates replace output, so they do not count (one larger than the whole cap is
    dropped with a notice); clear_output gives the cell its whole cap again."""
    h = Harness(outputChars=10).started()
    request, events = h.run("loop")
    for n in range(20):
        h.process.event({"type": "update", "displayId": "d", "data": {"text/plain": "%05d" % n}})
    h.process.event({"type": "update", "displayId": "d", "data": {"text/plain": "x" * 11}})
    assert [e["type"] for e in events] == ["update"] * 20 + ["notice"]
    assert "larger than the output limit of 10" in events[-1]["text"]
    for _ in range(5):
        h.process.event({"type": "clear", "wait": True})
        h.kernel.workerOutput("stdout", "12345678\n")
    h.process.done()
    assert [e["text"] for e in events if e["type"] == "stream"] == ["12345678\n"] * 5
    assert result(request).ok


def test_completion_while_busy_fails_at_once():
    """complete() and introspect() fail immediately with a busy error while a cell runs."""
    h = Harness().started()
    h.run("loop")
    d = h.kernel.complete("pri", 3)
    assert isinstance(d.result.value, KernelBusyError)
    assert "busy running a cell" in str(d.result.value)
    d.addErrback(lambda f: None)
    d = h.kernel.introspect("x")
    assert isinstance(d.result.value, KernelBusyError)
    d.addErrback(lambda f: None)


def test_completion_when_idle_is_answered_or_times_out():
    """An idle kernel's completion is answered by the worker's reply; no reply within
    replySeconds fails with a timeout."""
    h = Harness(replySeconds=2).started()
    d = h.kernel.complete("pri", 3)
    sent = h.process.sent[-1]
    assert sent == {"op": "complete", "id": sent["id"], "code": "pri", "cursor": 3}
    h.kernel.workerMessage({"op": "reply", "id": sent["id"], "ok": True,
                            "value": {"matches": ["print"], "start": 0, "end": 3}})
    assert d.result == {"matches": ["print"], "start": 0, "end": 3}
    d = h.kernel.introspect("x", 1)
    h.clock.advance(2)
    assert isinstance(d.result.value, KernelTimeoutError)
    d.addErrback(lambda f: None)


def test_a_worker_exit_fails_unanswered_questions_and_leaves_no_timer():
    """Questions the worker had not answered when it exited fail with a sentence, and none of
    the kernel's timers (reply, wall clock, grace) is left to fire on the dead kernel."""
    h = Harness(replySeconds=2, wallSeconds=10, interruptGraceSeconds=3).started()
    d = h.kernel.complete("pri", 3)
    request, _ = h.run("loop")
    h.kernel.interrupt()
    h.process.exit(sig=signal.SIGKILL)
    assert isinstance(d.result.value, KernelNotRunningError)
    assert "stopped before it answered" in str(d.result.value)
    d.addErrback(lambda f: None)
    assert result(request).status == "died"
    assert h.clock.getDelayedCalls() == []


def test_chdir_goes_out_at_once_and_cells_queue_right_behind_it():
    """chdir() does not hold back a cell until it is answered: the worker takes requests in
    order, so the cell runs in the new directory one round trip sooner. The kernel's cwd (where
    a restart starts) follows at once, and goes back if the worker could not change there."""
    h = Harness().started()
    d = h.kernel.chdir("/srv/sheet")
    request, _ = h.run("1")
    assert [m["op"] for m in h.process.sent] == ["chdir", "execute"]
    assert h.process.sent[0]["path"] == "/srv/sheet" and h.kernel.cwd == "/srv/sheet"
    h.kernel.workerMessage({"op": "reply", "id": h.process.sent[0]["id"], "ok": True,
                            "value": {"cwd": "/srv/sheet"}})
    assert d.called and h.kernel.cwd == "/srv/sheet"
    h.process.done()
    assert result(request).ok
    d = h.kernel.chdir("/nowhere")
    h.kernel.workerMessage({"op": "reply", "id": h.process.sent[-1]["id"], "ok": False,
                            "message": "Cannot change to directory '/nowhere'."})
    assert "Cannot change" in str(d.result.value) and h.kernel.cwd == "/srv/sheet"
    d.addErrback(lambda f: None)


def test_chdir_of_a_busy_kernel_fails_at_once_and_keeps_the_cwd():
    h = Harness().started()
    h.run("loop")
    d = h.kernel.chdir("/elsewhere")
    assert isinstance(d.result.value, KernelBusyError) and h.kernel.cwd == "/tmp"
    d.addErrback(lambda f: None)


def test_completion_on_a_stopped_kernel_fails_clearly():
    h = Harness()
    d = h.kernel.complete("x", 1)
    assert isinstance(d.result.value, KernelNotRunningError)
    d.addErrback(lambda f: None)


def test_interrupt_that_works_keeps_the_kernel():
    """interrupt() sends SIGINT through the process; a cell that stops makes it "interrupted"."""
    h = Harness(interruptGraceSeconds=5).started()
    request, _ = h.run("loop")
    d = h.kernel.interrupt()
    assert h.process.interrupts == 1 and not d.called
    h.process.done("interrupted", message="The cell was interrupted.")
    assert d.result == "interrupted"
    assert result(request).status == "interrupted"
    h.clock.advance(10)
    assert h.process.signals == [] and len(h.processes) == 1


def test_each_press_of_interrupt_sends_a_sigint_and_the_kernel_sends_none_by_itself():
    """A second press sends SIGINT again (libgap can miss the first for good), as Ctrl-C
    pressed again does; the server never repeats one by itself (a second SIGINT while Sage's
    pexpect interface waits for Maxima's prompt leaves it unusable). The grace period runs
    from the first press."""
    h = Harness(interruptGraceSeconds=30).started()
    request, _ = h.run("libgap loop")
    d = h.kernel.interrupt()
    h.clock.advance(20)
    assert h.process.interrupts == 1
    again = h.kernel.interrupt()
    assert h.process.interrupts == 2
    h.process.done("interrupted")
    assert d.result == again.result == "interrupted"
    assert result(request).status == "interrupted"
    h.clock.advance(60)
    assert h.process.interrupts == 2 and h.process.signals == [] and len(h.processes) == 1


def test_a_second_press_within_the_grace_sends_sigint_again_and_does_not_extend_it():
    h = Harness(interruptGraceSeconds=30).started()
    h.run("deaf")
    first = h.kernel.interrupt()
    h.clock.advance(20)
    second = h.kernel.interrupt()
    assert h.process.interrupts == 2
    h.clock.advance(10)
    assert h.process.signals == [] and first.result == second.result == "running"


def test_interrupt_of_an_idle_kernel_does_nothing():
    h = Harness().started()
    assert h.kernel.interrupt().result == "idle"
    assert h.process.interrupts == 0


def test_code_that_runs_on_past_the_grace_is_restarted_by_the_next_interrupt():
    """Code that ignores SIGINT for the grace period runs on, and the cell says that another
    interrupt restarts the kernel (its variables may be hours of work: never lost unasked).
    The next interrupt kills and restarts it; the cell is told, queued cells are cancelled,
    and that interrupt() fires with "restarted"."""
    h = Harness(interruptGraceSeconds=3).started()
    request, events = h.run("deaf")
    queued, _ = h.run("next")
    first = h.kernel.interrupt()
    h.clock.advance(3)
    assert h.process.signals == [] and first.result == "running"
    [notice] = [e for e in events if e["type"] == "notice"]
    assert "Interrupt again to stop it by restarting the kernel" in notice["text"]
    h.clock.advance(600)
    assert h.process.signals == [] and h.kernel.state == S.BUSY, "it runs on"
    d = h.kernel.interrupt()
    assert h.process.signals == [signal.SIGKILL]
    assert result(queued).status == "cancelled" and "after an interrupt" in result(queued).message
    h.process.exit(sig=signal.SIGKILL)
    assert result(request).status == "interrupted"
    assert "a second interrupt restarted the kernel" in result(request).message
    assert len([e for e in events if e["type"] == "notice"]) == 1, "the restart said once"
    assert len(h.processes) == 2 and h.kernel.state == S.STARTING and not d.called
    h.process.ready()
    assert d.result == "restarted" and h.kernel.state == S.IDLE


def test_a_cell_that_ends_after_the_grace_leaves_the_next_interrupt_a_plain_one():
    h = Harness(interruptGraceSeconds=3).started()
    request, _ = h.run("slow")
    h.kernel.interrupt()
    h.clock.advance(3)
    h.process.done("interrupted")
    assert result(request).status == "interrupted"
    h.run("deaf")
    h.kernel.interrupt()
    assert h.process.signals == [] and h.process.interrupts == 2


def test_wall_clock_limit_interrupts_and_reports_a_timeout():
    """Past wallSeconds the cell is interrupted; when it stops, its status is "timeout"."""
    h = Harness(wallSeconds=10).started()
    request, events = h.run("slow")
    h.clock.advance(9.9)
    assert h.process.interrupts == 0
    h.clock.advance(0.1)
    assert h.process.interrupts == 1
    assert "wall-clock limit of 10 s" in events[-1]["text"]
    h.process.done("interrupted")
    assert result(request).status == "timeout"


def test_a_dying_worker_fails_the_cell_and_the_queue_and_a_new_cell_restarts_it():
    """A worker death fails the running cell with "died" and what killed it, cancels the
    queue, leaves the kernel DEAD; the next execute starts a new worker with a notice."""
    h = Harness().started()
    running, _ = h.run("boom")
    queued, _ = h.run("after")
    h.process.exit(sig=signal.SIGSEGV)
    assert h.kernel.state == S.DEAD
    assert result(running).status == "died"
    assert "killed by SIGSEGV (a segmentation fault)" in result(running).message
    assert result(queued).status == "cancelled"
    again, events = h.run("1")
    assert len(h.processes) == 2 and h.kernel.state == S.STARTING
    assert events[0]["type"] == "notice" and "new kernel was started" in events[0]["text"]
    h.process.ready()
    assert h.process.sent[-1]["code"] == "1"


def test_idle_kernels_are_culled():
    """After idleSeconds without work the worker is asked to exit; the kernel becomes DEAD."""
    h = Harness(idleSeconds=30).started()
    request, _ = h.run("1")
    h.clock.advance(20)
    h.process.done()
    h.clock.advance(29)
    assert not h.process.channelClosed
    h.clock.advance(1)
    assert h.process.channelClosed
    h.process.exit(0)
    assert h.kernel.state == S.DEAD and "30 s idle" in h.kernel.stateReason


def test_a_worker_that_never_gets_ready_is_killed():
    """No ready message within startSeconds: the worker is killed and start() fails."""
    h = Harness(startSeconds=5)
    d = h.kernel.start()
    h.clock.advance(5)
    assert h.process.signals == [signal.SIGKILL]
    h.process.exit(sig=signal.SIGKILL)
    assert isinstance(d.result.value, KernelStartError)
    assert "did not become ready within 5 s" in str(d.result.value)
    d.addErrback(lambda f: None)
    assert h.kernel.state == S.DEAD


def test_a_worker_that_reports_a_fatal_error_fails_start_with_its_message():
    h = Harness(startSeconds=5)
    d = h.kernel.start()
    h.kernel.workerMessage({"op": "fatal", "message": "The kernel could not start: "
                                                      "ModuleNotFoundError: No module named 'sage'"})
    h.process.exit(3)
    assert "No module named 'sage'" in str(d.result.value)
    d.addErrback(lambda f: None)


def test_an_interpreter_that_cannot_run_fails_start():
    """An exception from spawning (no such interpreter) fails start() and queued cells."""
    h = Harness()
    h.workers.failStart = FileNotFoundError("no such file")
    request, _ = h.run("1")
    assert result(request).status == "died" and "no such file" in result(request).message
    assert h.kernel.state == S.DEAD


def test_restart_replaces_the_worker():
    """restart() of an idle kernel asks the worker to exit, starts a new one, fires when ready."""
    h = Harness().started()
    d = h.kernel.restart()
    assert h.process.channelClosed
    h.process.exit(0)
    assert len(h.processes) == 2 and not d.called
    h.process.ready(pid=2)
    assert d.called and h.kernel.state == S.IDLE


def test_a_cell_queued_during_a_restart_runs_on_the_new_worker():
    h = Harness().started()
    h.kernel.restart()
    request, _ = h.run("after restart")
    h.process.exit(0)
    h.process.ready()
    assert h.process.sent[-1]["code"] == "after restart"


def test_shutdown_of_a_busy_kernel_kills_it_and_ends_the_cell():
    h = Harness().started()
    request, _ = h.run("loop")
    d = h.kernel.shutdown()
    assert h.process.signals == [signal.SIGKILL] and not d.called
    h.process.exit(sig=signal.SIGKILL)
    assert d.called
    assert result(request) == ExecuteResult("interrupted", "The kernel was shut down while "
                                                           "this cell ran.")
    assert h.kernel.state == S.DEAD and h.kernel.stateReason == "The kernel was shut down."


def test_a_shutdown_idle_worker_that_lingers_is_killed():
    h = Harness(shutdownGraceSeconds=2).started()
    h.kernel.shutdown()
    assert h.process.channelClosed and h.process.signals == []
    h.clock.advance(2)
    assert h.process.signals == [signal.SIGKILL]


def test_late_output_goes_to_the_last_cell():
    """Text that arrives after a cell finished goes to that cell until the next one starts."""
    h = Harness().started()
    request, events = h.run("thread")
    h.process.done()
    h.kernel.workerOutput("stdout", "late\n")
    assert events[-1] == {"type": "stream", "name": "stdout", "text": "late\n"}


def test_events_for_a_cell_that_is_not_running_are_dropped():
    h = Harness().started()
    request, events = h.run("x")
    h.kernel.workerMessage({"op": "event", "id": 999, "event": {"type": "stream"}})
    h.kernel.workerMessage({"op": "event", "id": h.process.lastExecute()["id"],
                            "event": {"type": "bogus"}})
    assert events == []


def test_a_failing_listener_or_callback_does_not_break_the_kernel():
    h = Harness()
    h.kernel.addStateListener(lambda change: 1 / 0)
    h.started()

    def broken(event):
        raise RuntimeError("listener bug")

    request = h.kernel.execute("x", broken)
    h.kernel.workerOutput("stdout", "hi")
    h.process.done()
    assert result(request).ok and h.kernel.state == S.IDLE


def test_exit_status_descriptions():
    assert ExitStatus(1 << 8).describe() == "exited with status 1"
    assert "SIGKILL" in ExitStatus(signal.SIGKILL).describe()
    assert "CPU-time limit" in ExitStatus(signal.SIGXCPU).describe()


def test_unknown_system_is_refused():
    with pytest.raises(ValueError, match="'python' or 'sage'"):
        Kernel(Clock(), system="julia")
