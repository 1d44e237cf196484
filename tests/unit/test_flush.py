"""The Flusher: one delayed call per turn; interactive pages first, watchers in batches and
paced, their connections held, latest values settling.

Each policy's test uses the default of its setting, so switching the policy off in
``livefragments.Settings`` fails it (docs/livefragments.md lists the switches)."""

import gc
import weakref

from twisted.internet.task import Clock

from livefragments import Settings
from livefragments._flush import BURST, Flusher


class FakePage:
    def __init__(self, name, log, interactive=False):
        self.name, self.log, self.interactive = name, log, interactive
        self.isLive = True
        self.broadcasts = {}

    def _flush(self):
        self.log.append(self.name)

    def __repr__(self):
        return self.name


def turn(clock):
    """One reactor turn: run the first delayed call only (``Clock.advance`` runs them all)."""
    call = clock.calls.pop(0)
    call.func(*call.args, **call.kw)


def pages(names, log, interactive=False):
    return [FakePage(n, log, interactive) for n in names]


def test_a_turns_pages_flush_from_one_delayed_call_each_once():
    clock, log = Clock(), []
    flusher = Flusher(clock, batch=10)
    a, b = pages("ab", log)
    for page in (a, b, a, b):
        flusher.wake(page)
    assert len(clock.getDelayedCalls()) == 1
    clock.advance(0)
    assert log == ["a", "b"]
    assert not clock.getDelayedCalls()


def test_interactive_pages_go_first_and_watchers_go_a_batch_per_turn():
    """Policy "interactive first" (in LivePage.interactive: Settings.interactiveSeconds; off:
    0, which makes no page interactive; tests/unit/test_rpc.py checks the page's side)."""
    clock, log = Clock(), []
    flusher = Flusher(clock, batch=2)
    watchers = pages("12345", log)
    writer = FakePage("writer", log, interactive=True)
    for page in watchers:
        flusher.wake(page)
    flusher.wake(writer)
    turn(clock)
    assert log == ["writer", "1", "2"], "the writer first, then one batch"
    flusher.wake(writer)  # the writer is sent more while the watchers wait
    turn(clock)
    assert log[3:] == ["writer", "3", "4"], "it does not wait behind the watchers"
    turn(clock)
    assert log[6:] == ["5"] and flusher.pending == 0
    assert not clock.getDelayedCalls()


def test_a_waiting_watcher_keeps_its_place_and_moves_up_once_interactive():
    clock, log = Clock(), []
    flusher = Flusher(clock, batch=1)
    first, second, third = pages(["first", "second", "third"], log)
    for page in (first, second, third, first):
        flusher.wake(page)
    turn(clock)
    assert log == ["first"]
    third.interactive = True
    flusher.wake(third)
    turn(clock)
    assert log == ["first", "third", "second"]


def test_a_page_whose_flush_fails_does_not_stop_the_others():
    clock, log = Clock(), []
    flusher = Flusher(clock)
    broken, fine = pages(["broken", "fine"], log)
    broken._flush = lambda: 1 / 0
    flusher.wake(broken)
    flusher.wake(fine)
    clock.advance(0)
    assert log == ["fine"]


def crowd(flusher, clock, log, count, sends=BURST):
    """``count`` watching pages, each woken and sent ``sends`` times (their burst)."""
    watchers = pages([f"w{n}" for n in range(count)], log)
    for _ in range(sends):
        for page in watchers:
            flusher.wake(page)
        clock.advance(0)
    assert len(log) == count * sends
    log.clear()
    return watchers


def test_a_crowd_of_watchers_is_sent_a_stream_of_changes_at_its_pace_but_one_change_at_once():
    """Policy "watchers paced" (Settings.watchPace; off: 0)."""
    clock, log = Clock(), []
    flusher = Flusher(clock, batch=1000)
    count = round(0.1 / Settings().watchPace)  # 200 watchers: 0.1 s between sends
    watchers = crowd(flusher, clock, log, count)  # sent BURST times in a row: the burst is spent
    writer = FakePage("writer", log, interactive=True)
    clock.advance(0.03)
    for page in watchers + [writer]:
        flusher.wake(page)  # a third change, 0.03 s after the second
    clock.advance(0)
    assert log == ["writer"], "the person at the keyboard is not paced"
    clock.advance(0.069)
    assert log == ["writer"]
    clock.advance(0.001)
    assert log[1:] == [p.name for p in watchers], "0.1 s after their last send, all at once"
    log.clear()
    clock.advance(5)  # a quiet while: the next two changes reach everyone at once
    for _ in range(BURST):
        for page in watchers:
            flusher.wake(page)
        clock.advance(0)
    assert len(log) == BURST * count


def test_a_waiting_watcher_that_becomes_interactive_or_closes_goes_at_once():
    clock, log = Clock(), []
    flusher = Flusher(clock, pace=0.001)
    watchers = crowd(flusher, clock, log, 20)
    for page in watchers[:2]:
        flusher.wake(page)
    clock.advance(0)
    assert log == [] and flusher.pending == 2
    watchers[0].interactive = True
    watchers[1].isLive = False  # closing: its last messages go out at once
    for page in watchers[:2]:
        flusher.wake(page)
    clock.advance(0)
    assert log == ["w0", "w1"] and flusher.pending == 0
    clock.advance(1)
    assert log == ["w0", "w1"], "not sent again when their old turn comes"
    assert not clock.getDelayedCalls()


def test_a_few_watchers_are_never_paced():
    clock, log = Clock(), []
    flusher = Flusher(clock, pace=0.0003)  # 16 watchers: 4.8 ms, not worth a pause
    watchers = crowd(flusher, clock, log, 16)
    for page in watchers:
        flusher.wake(page)
    clock.advance(0)
    assert len(log) == 16


class FakeConnection:
    def __init__(self):
        self.reading = True

    def pauseProducing(self):
        self.reading = False

    def resumeProducing(self):
        self.reading = True


def test_a_sent_watchers_connection_is_not_read_until_the_watchers_due_are_all_sent():
    """Policy "watchers' connections held" (Settings.holdSeconds; off: 0)."""
    clock, log = Clock(), []
    flusher = Flusher(clock, batch=2)
    connections = {}

    class Answering(FakePage):
        def _flush(self):
            super()._flush()
            connections[self.name] = FakeConnection()
            flusher.answered(self, connections[self.name])

    watchers = [Answering(str(n), log) for n in range(5)]
    for page in watchers:
        flusher.wake(page)
    turn(clock)
    assert log == ["0", "1"] and not connections["0"].reading
    turn(clock)
    assert not connections["0"].reading and not connections["3"].reading
    turn(clock)
    assert log == ["0", "1", "2", "3", "4"]
    assert all(c.reading for c in connections.values()), "read again once all were sent"


def test_a_held_connection_is_read_again_after_a_while_even_if_watchers_keep_coming():
    clock, log = Clock(), []
    flusher = Flusher(clock, batch=1)
    held = FakeConnection()
    first = FakePage("first", log)
    flusher.wake(first)
    flusher.wake(FakePage("second", log))
    flusher.answered(first, held)
    assert not held.reading
    typing = FakeConnection()
    flusher.answered(FakePage("writer", log, interactive=True), typing)
    assert typing.reading, "the person at the keyboard is never held"
    for n in range(20):
        flusher.wake(FakePage(str(n), log))
        clock.advance(0.01)
    assert held.reading


def test_a_page_that_is_gone_is_forgotten_whatever_it_was_waiting_for():
    clock, log = Clock(), []
    flusher = Flusher(clock, pace=0.001)
    watchers = crowd(flusher, clock, log, 20)
    for page in watchers:
        flusher.wake(page)  # all waiting for their pace now
    for page in watchers:
        flusher.forget(page)
    assert flusher.pending == 0
    clock.advance(1)
    assert log == []


def test_the_flusher_keeps_nothing_of_a_page_that_is_gone():
    clock, log = Clock(), []
    flusher = Flusher(clock, pace=0.001)
    watchers = crowd(flusher, clock, log, 20)  # sent lately: they count towards the pace
    gone = weakref.ref(watchers[0])
    flusher.forget(watchers[0])
    del watchers
    gc.collect()
    assert gone() is None


def test_watchers_go_out_a_batch_per_turn_by_default():
    """Policy "watchers in batches" (Settings.flushBatch; off: a very large number)."""
    clock, log = Clock(), []
    flusher = Flusher(clock)
    for page in pages([str(n) for n in range(100)], log):
        flusher.wake(page)
    turn(clock)
    assert len(log) == Settings().flushBatch < 100, "one batch, not everyone at once"


def test_a_settling_page_goes_after_the_settle_time_and_the_input_read_then():
    """Policy "latest values settle" (Settings.settleSeconds; off: 0): a page is flushed once
    the input the reactor read in the turn its time came has been handed on, a turn later (a
    kernel's WorkerProcess hands over what it read with callLater(0)), so that a quick cell's
    end read then goes out with it, for the person who ran it as for the watchers. (Flushed
    the turn before, the end came a poll later to the one who ran it: their poll was on its
    way back.)"""
    clock, log = Clock(), []
    flusher = Flusher(clock)
    settle = Settings().settleSeconds
    writer = FakePage("writer", log, interactive=True)
    watcher = FakePage("watcher", log)
    for page in (writer, watcher):
        flusher.wake(page, settle=True)
    clock.advance(0)
    assert log == []
    clock.rightNow += settle
    turn(clock)  # the time comes; then the reactor reads its input (a cell's end) ...
    assert log == []
    clock.callLater(0, log.append, "the end handed over")  # ... and hands it on next turn
    while clock.calls:
        turn(clock)
    assert log == ["the end handed over", "writer", "watcher"]


def test_a_page_woken_at_once_while_it_settles_goes_at_once_and_not_again():
    clock, log = Clock(), []
    flusher = Flusher(clock)
    page = FakePage("page", log)
    flusher.wake(page, settle=True)
    flusher.wake(page)
    clock.advance(0)
    assert log == ["page"]
    clock.advance(1)
    assert log == ["page"] and flusher.pending == 0
