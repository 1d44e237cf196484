"""Caps on everything a kernel sends: the cell's output cap over every kind of event
(athena_nb.kernel.outputcap), sizes and shortening shared with the worker (outputlimits), the
worker's shaping of what it sends, and a kernel stopped for an oversize frame."""

import signal

from athena_nb.kernel import worker
from athena_nb.kernel.framing import encodeFrame
from athena_nb.kernel.outputcap import (
    ERROR_RESERVE,
    EVENT_COST,
    RESULT_RESERVE,
    TAIL_CHARS,
    OutputCap,
)
from athena_nb.kernel.outputlimits import (
    FRAME_CHARS,
    MAX_ERROR_CHARS,
    MAX_FRAME,
    eventSize,
    fitEvent,
    shorten,
    shortenError,
)
from tests.unit.test_kernel_kernel import Harness, result
from tests.unit.test_kernel_worker import FakeChannel


def bigError(n=15_000_000):
    value = "x" * n
    return {"type": "error", "ename": "ValueError", "evalue": value,
            "traceback": "Traceback (most recent call last):\n  File \"<cell 1>\", line 1\n"
                         f"ValueError: {value}\n"}


def display(text):
    return {"type": "display", "data": {"text/plain": text}}


def shownChars(events):
    return sum(eventSize(e) for e in events)


# -- sizes and shortening --------------------------------------------------------------------


def test_shorten_keeps_the_start_and_the_end_and_says_how_much_was_cut():
    text = "A" * 500 + "B" * 500
    short = shorten(text, 100)
    assert len(short) <= 100
    assert short.startswith("AAAA") and short.endswith("BBBB")
    assert "[1,000 characters cut]" in short
    assert shorten("short", 100) == "short"


def test_a_15_mb_error_is_shortened_to_a_bounded_size_keeping_its_last_line():
    error = shortenError(bigError(), 10**9)
    assert eventSize(error) <= MAX_ERROR_CHARS
    assert error["ename"] == "ValueError"
    assert error["traceback"].startswith("Traceback (most recent call last):")
    assert error["traceback"].endswith("xxx\n") and "characters cut" in error["traceback"]
    assert "characters cut" in error["evalue"]


def test_every_kind_of_event_has_a_size():
    assert eventSize({"type": "stream", "text": "abc"}) == 3
    assert eventSize(display("abcd")) == 4
    assert eventSize({"type": "display", "data": {"application/json": {"a": [1, 2]}},
                      "metadata": {"w": 1}}) == len('{"a": [1, 2]}') + len("1")
    assert eventSize({"type": "file", "path": "a/b.png"}) == 7
    assert eventSize({"type": "notice", "text": "n" * 9}) == 9
    assert eventSize({"type": "error", "ename": "E", "evalue": "vv", "traceback": "ttt"}) == 6
    assert eventSize({"type": "dropped", "what": "display", "size": 123}) == 123


# -- the cap on every kind -------------------------------------------------------------------


def test_a_flood_of_tiny_displays_is_capped_like_one_huge_output():
    """Each event costs its characters and EVENT_COST more, so 100,000 one-character displays
    cannot fill the server's memory under a cap of 1,000,000 characters."""
    cap = OutputCap(1_000_000)
    shown = [e for _ in range(100_000) for e in cap.admit(display("x"))]
    displays = [e for e in shown if e["type"] == "display"]
    assert len(displays) == 1_000_000 // (1 + EVENT_COST)
    assert [e["type"] for e in shown[len(displays):]] == ["notice"]
    assert "passed the limit of 1,000,000 characters" in shown[-1]["text"]


def test_files_and_the_kernels_own_notices_count_too():
    cap = OutputCap(1000)
    shown = []
    for n in range(50):
        shown += cap.admit({"type": "file", "path": f"f{n}.txt", "change": "created"})
        shown += cap.admit({"type": "notice", "text": "note"})
    assert sum(e["type"] == "file" for e in shown) < 10
    assert shown[-1]["type"] == "notice" and "passed the limit" in shown[-1]["text"]


def test_an_error_past_the_cap_is_shown_once_and_shortened_then_errors_are_dropped():
    cap = OutputCap(10_000)
    shown = cap.admit({"type": "stream", "name": "stdout", "text": "o" * 10_000})
    shown += cap.admit({"type": "stream", "name": "stdout", "text": "p" * 100})
    assert [e["type"] for e in shown] == ["stream", "notice"]
    late = cap.admit(bigError())
    assert [e["type"] for e in late] == ["stream", "error"], "the end of the output, then why"
    assert late[0]["text"] == "p" * 100
    assert eventSize(late[1]) <= ERROR_RESERVE and late[1]["traceback"].endswith("xxx\n")
    assert cap.admit(bigError(100)) == []
    assert cap.finish() == []


def test_the_last_of_the_output_past_the_cap_is_shown_when_the_cell_ends():
    """200,000 printed lines under a cap of 1,000,000 characters: the first ones, a notice,
    and at the end a notice of how much was dropped and the last TAIL_CHARS characters."""
    cap = OutputCap(1_000_000)
    shown = []
    for n in range(200_000):
        shown += cap.admit({"type": "stream", "name": "stdout", "text": f"line {n:6}\n"})
    shown += cap.admit({"type": "stream", "name": "stderr", "text": "done\n"})
    assert [e["type"] for e in shown] == ["stream"] * 83_333 + ["stream", "notice"]
    assert "last 10,000 characters, which come at the end of the cell's output" in shown[-1]["text"]
    end = cap.finish()
    assert [e["type"] for e in end] == ["notice", "stream", "stream"]
    assert end[0]["text"] == ("… 1,390,005 characters of output were dropped here; the last "
                              "10,000 follow.")
    assert end[1]["name"] == "stdout" and end[1]["text"].endswith("line 199999\n")
    assert end[2] == {"type": "stream", "name": "stderr", "text": "done\n"}
    assert sum(len(e["text"]) for e in end[1:]) == TAIL_CHARS
    assert cap.finish() == [], "once"
    # clear_output starts afresh: nothing of before is kept for the end.
    cap.admit({"type": "stream", "name": "stdout", "text": "x" * 2_000_000})
    cap.admit({"type": "clear", "wait": False})
    assert cap.finish() == []


def test_the_cells_result_past_the_cap_is_shown_once_its_plain_text_shortened_if_large():
    """``print(s); len(s)`` with s over the cap: the cell still shows 5000000."""
    cap = OutputCap(10_000)
    assert [e["type"] for e in cap.admit({"type": "stream", "name": "stdout",
                                          "text": "o" * 20_000})] == ["stream", "notice"]
    result = {"type": "result", "data": {"text/plain": "5000000"}}
    assert cap.admit(result)[-1] == result
    assert cap.admit(dict(result)) == [], "one result a run"
    cap = OutputCap(10_000)
    cap.admit({"type": "stream", "name": "stdout", "text": "o" * 20_000})
    big = {"type": "result", "data": {"text/plain": "r" * 50_000, "text/html": "<b>r</b>" * 9}}
    [tail, late] = cap.admit(big)
    assert tail == {"type": "stream", "name": "stdout", "text": "o" * 10_000}
    assert set(late["data"]) == {"text/plain"} and "characters cut" in late["data"]["text/plain"]
    assert eventSize(late) <= RESULT_RESERVE
    # A result larger than what is left within the cap: cut, and the notice.
    cap = OutputCap(10_000)
    assert [e["type"] for e in cap.admit(big)] == ["result", "notice"]


def test_a_huge_error_within_the_cap_is_still_shortened():
    cap = OutputCap(None)
    [error] = cap.admit(bigError())
    assert eventSize(error) <= MAX_ERROR_CHARS


def test_an_error_larger_than_what_is_left_is_cut_to_fit_with_the_notice():
    cap = OutputCap(30_000)
    cap.admit({"type": "stream", "name": "stdout", "text": "o" * 20_000})
    shown = cap.admit(bigError())
    assert [e["type"] for e in shown] == ["error", "notice"]
    assert eventSize(shown[0]) <= 10_000


def test_outputs_the_worker_could_not_send_count_as_if_they_had_come():
    """A "dropped" marker (the worker's stand-in for a 40 MB display) passes the cap with its
    notice; with a cap larger than a frame it is told as too large for one message."""
    cap = OutputCap(1_000_000)
    shown = cap.admit({"type": "dropped", "what": "display", "size": 40_000_000})
    assert [e["type"] for e in shown] == ["notice"] and "passed the limit" in shown[0]["text"]
    big = OutputCap(10**9)
    [notice] = big.admit({"type": "dropped", "what": "display", "size": 40_000_000})
    assert "A display of 40,000,000 characters was too large for one message" in notice["text"]
    assert "16 MiB" in notice["text"]
    [notice] = cap.admit({"type": "dropped", "what": "update", "size": 5_000_000})
    assert "display update of 5,000,000 characters is larger than the output limit" in notice["text"]


def test_the_servers_own_notices_reach_the_cell_after_the_cap():
    """A cell past its cap that then runs into its wall-clock limit still says so."""
    h = Harness(outputChars=10, wallSeconds=5).started()
    request, events = h.run("spam")
    h.kernel.workerOutput("stdout", "x" * 100)
    h.clock.advance(5)
    assert "wall-clock limit of 5 s" in events[-1]["text"]


# -- the worker's side -----------------------------------------------------------------------


def test_the_worker_replaces_an_output_too_large_to_show_by_a_small_marker():
    assert fitEvent(display("x" * 40_000_000), 1_000_000) == {
        "type": "dropped", "what": "display", "size": 40_000_000}
    update = {"type": "update", "displayId": "d", "data": {"text/plain": "y" * 10}}
    assert fitEvent(update, 5) == {"type": "dropped", "what": "update", "size": 10,
                                   "displayId": "d"}
    assert fitEvent(display("ok"), 5) == display("ok")
    assert eventSize(fitEvent(bigError(), 1_000_000)) <= MAX_ERROR_CHARS


def test_whatever_the_worker_fits_makes_a_frame_below_the_limit():
    """Six bytes of JSON a character at worst (control characters), and still under 16 MiB."""
    for event in (display("\x01" * (FRAME_CHARS + 10)), bigError(FRAME_CHARS + 10),
                  {"type": "stream", "name": "stdout", "text": "\x01" * (FRAME_CHARS * 2)}):
        fitted = fitEvent(event, FRAME_CHARS)
        frame = encodeFrame({"op": "event", "id": 1, "event": fitted, "sync": True})
        assert len(frame) < MAX_FRAME


def test_a_worker_sends_a_40_mb_display_as_a_marker_and_a_15_mb_error_shortened():
    channel = FakeChannel()
    w = worker.Worker(channel, "python", "/tmp", {"outputChars": 1_000_000})
    w.requestId = 1
    w.inCell = True
    w.emit(display("x" * 40_000_000))
    w.inCell = False
    w.emit(bigError())
    [frame] = channel.sent
    assert frame["event"] == {"type": "dropped", "what": "display", "size": 40_000_000}
    assert eventSize(w.tail[0]) <= MAX_ERROR_CHARS


def test_a_large_tail_goes_ahead_of_the_done_frame_in_frames_of_its_own():
    channel = FakeChannel()
    w = worker.Worker(channel, "python", "/tmp", {"outputChars": None})
    w.requestId = 1
    for _ in range(5):
        w.emit(display("x" * (FRAME_CHARS // 4)))
    assert len(channel.sent) == 3 and len(w.tail) == 2
    assert all(len(encodeFrame(f)) < MAX_FRAME for f in channel.sent)


# -- a frame past the limit ------------------------------------------------------------------


def test_a_kernel_that_sends_an_oversize_frame_is_stopped_and_the_cell_says_why():
    h = Harness().started()
    request, events = h.run("hostile")
    h.kernel.workerMessage({"op": "oversize", "bytes": 40_000_000, "limit": MAX_FRAME})
    assert h.process.signals == [signal.SIGKILL]
    h.process.exit(sig=signal.SIGKILL)
    assert result(request).status == "died"
    assert "larger than the 16 MiB a message may have" in result(request).message
    assert "message larger than 16 MiB" in h.kernel.stateReason


def test_a_cells_end_message_from_the_kernel_is_cut():
    """The message of an interrupted cell becomes a notice the cap does not count, so a kernel
    cannot pass megabytes through it."""
    h = Harness().started()
    request, events = h.run("hostile")
    h.process.done("interrupted", message="m" * 15_000_000)
    assert len(result(request).message) <= 2000


def test_an_input_prompt_past_the_cap_still_reaches_the_cell_one_at_a_time():
    """The cell waits for its answer, so its prompt is never dropped; a kernel that asks again
    before the first is answered is not heard (an honest worker waits)."""
    h = Harness(outputChars=10).started()
    request, events = h.run("input()")
    h.kernel.workerOutput("stdout", "x" * 100)
    h.process.event({"type": "input", "prompt": "Name? ", "password": False})
    h.process.event({"type": "input", "prompt": "Again? ", "password": False})
    assert [e.get("prompt") for e in events if e["type"] == "input"] == ["Name? "]
    assert request.waitingInput
