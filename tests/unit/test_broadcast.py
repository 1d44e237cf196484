"""Broadcast: a change of a latest value costs its maker O(1); the members in use are told at
once, the watching ones a batch a turn by the Flusher, each only of the newest change of a key.

Policy "changes spread in batches" uses ``Settings.flushBatch`` (off: a very large batch, and
the first test fails); "interactive first" uses ``Settings.interactiveSeconds`` (off: 0, no page
is interactive, and the second test fails)."""

from twisted.internet.task import Clock

from livefragments import Broadcast, Settings
from livefragments._flush import BURST, Flusher


class FakePage:
    def __init__(self, flusher, interactive=False):
        self._flusher, self.interactive = flusher, interactive
        self.isLive = True
        self.broadcasts = {}

    def _flush(self):
        pass


class Member:
    def __init__(self, name, page):
        self.name, self.page, self.told = name, page, []

    def __repr__(self):
        return self.name


def crowd(n, flusher, interactive=()):
    return [Member(str(i), FakePage(flusher, i in interactive)) for i in range(n)]


def turn(clock):
    """One reactor turn: the first delayed call only."""
    call = clock.calls.pop(0)
    call.func(*call.args, **call.kw)


def told(members):
    return [m.name for m in members if m.told]


def test_watchers_are_told_a_batch_a_turn_after_the_change_not_during_it():
    clock = Clock()
    flusher = Flusher(clock, Settings())
    members = crowd(51, flusher)
    broadcast = Broadcast()
    for member in members:
        broadcast.add(member)
    broadcast.tellLatest("cell", lambda m: m.told.append("changed"))
    assert told(members) == [], "the one who made the change does not pay for the watchers"
    turn(clock)
    assert 0 < len(told(members)) < len(members), "a batch a turn"
    clock.advance(0)
    assert len(told(members)) == len(members)
    assert not clock.getDelayedCalls()


def test_a_member_in_use_is_told_at_once_the_others_later():
    clock = Clock()
    settings = Settings()
    flusher = Flusher(clock, settings)
    writer = Member("writer", FakePage(flusher, interactive=settings.interactiveSeconds > 0))
    watcher = Member("watcher", FakePage(flusher))
    broadcast = Broadcast()
    broadcast.add(watcher)
    broadcast.add(writer)
    broadcast.tellLatest("cell", lambda m: m.told.append("changed"))
    assert (writer.told, watcher.told) == (["changed"], [])
    clock.advance(0)
    assert watcher.told == ["changed"]


def test_the_page_in_use_is_sent_before_any_watcher_is_told_in_that_turn():
    """The writer's own answer does not wait while a batch of watchers is told of the change
    (part of "interactive first": with Settings.interactiveSeconds 0 the writer is a watcher
    too, and this fails)."""
    clock, settings, events = Clock(), Settings(), []
    flusher = Flusher(clock, settings)

    class Logged(FakePage):
        def _flush(self):
            events.append("writer sent" if self.interactive else "watcher sent")

    writer = Member("writer", Logged(flusher, interactive=settings.interactiveSeconds > 0))
    watchers = [Member(str(i), Logged(flusher)) for i in range(60)]
    broadcast = Broadcast()
    for member in [*watchers, writer]:
        broadcast.add(member)

    def tell(member):
        events.append("told " + member.name)
        flusher.wake(member.page)  # as notifyLatest does

    broadcast.tellLatest("cell", tell)
    assert events == ["told writer"]
    turn(clock)
    assert events[1] == "writer sent", events[:3]
    assert events.count("watcher sent") == settings.flushBatch


def test_a_watcher_that_missed_changes_is_told_the_newest_of_each_key_in_order():
    clock = Clock()
    flusher = Flusher(clock, batch=10)
    (watcher,) = crowd(1, flusher)
    broadcast = Broadcast()
    broadcast.add(watcher)
    for state in ("queued", "running", "done"):
        broadcast.tellLatest("cell 1", lambda m, s=state: m.told.append(("cell 1", s)))
    broadcast.tellLatest("kernel", lambda m: m.told.append(("kernel", "idle")))
    broadcast.tellLatest("cell 2", lambda m: m.told.append(("cell 2", "queued")))
    clock.advance(0)
    assert watcher.told == [("cell 1", "done"), ("kernel", "idle"), ("cell 2", "queued")]


def test_a_change_while_the_watchers_are_told_reaches_those_already_told_too():
    clock = Clock()
    flusher = Flusher(clock, batch=2)
    members = crowd(4, flusher)
    broadcast = Broadcast()
    for member in members:
        broadcast.add(member)
    broadcast.tellLatest("cell", lambda m: m.told.append("first"))
    turn(clock)
    broadcast.tellLatest("cell", lambda m: m.told.append("second"))
    clock.advance(0)
    assert [m.told for m in members] == [["first", "second"], ["first", "second"],
                                         ["second"], ["second"]]
    assert broadcast._changes == {}, "once everyone has everything, nothing is kept"


def test_a_watcher_that_starts_using_its_page_is_told_at_once_from_then_on():
    clock = Clock()
    flusher = Flusher(clock, batch=10)
    (member,) = crowd(1, flusher)
    broadcast = Broadcast()
    broadcast.add(member)
    member.page.interactive = True
    broadcast.tellLatest("cell", lambda m: m.told.append(1))
    clock.advance(0)
    broadcast.tellLatest("cell", lambda m: m.told.append(2))
    assert member.told == [1, 2]


def test_a_member_that_left_is_not_told_and_one_failing_does_not_stop_the_others():
    clock = Clock()
    flusher = Flusher(clock, batch=10)
    gone, failing, fine = crowd(3, flusher)
    broadcast = Broadcast()
    for member in (gone, failing, fine):
        broadcast.add(member)

    def tell(member):
        if member is failing:
            raise RuntimeError("this one fails")
        member.told.append("changed")

    broadcast.tellLatest("cell", tell)
    broadcast.discard(gone)
    clock.advance(0)
    assert (gone.told, fine.told) == ([], ["changed"])
    assert len(broadcast) == 2


def test_members_without_a_page_are_told_at_once():
    broadcast = Broadcast()
    member = Member("no page", None)
    broadcast.add(member)
    broadcast.tellLatest("cell", lambda m: m.told.append("changed"))
    assert member.told == ["changed"]


def test_a_watcher_whose_client_speaks_is_told_what_it_missed_at_once_and_then_in_use():
    """The person who opens a page (or comes back after a while) and runs a cell must not wait
    behind a thousand watchers for its own cell's state: its page's next message makes it a
    member in use (``LivePage.receive`` calls ``use``)."""
    clock = Clock()
    flusher = Flusher(clock, batch=1)
    members = crowd(5, flusher)
    broadcast = Broadcast()
    for member in members:
        broadcast.add(member)
    writer = members[-1]
    assert writer.page.broadcasts == {broadcast: writer}
    broadcast.tellLatest("cell", lambda m: m.told.append("queued"))
    writer.page.interactive = True  # as LivePage.receive leaves it, before it calls use
    broadcast.use(writer)
    assert told(members) == ["4"], "told at once, not after the four before it"
    broadcast.tellLatest("cell", lambda m: m.told.append("done"))
    assert writer.told == ["queued", "done"]
    broadcast.discard(writer)
    assert writer.page.broadcasts == {}


def test_when_nobody_watches_no_change_is_kept_and_clear_forgets_everyone():
    clock = Clock()
    flusher = Flusher(clock, batch=10)
    writer = Member("writer", FakePage(flusher, interactive=True))
    broadcast = Broadcast()
    broadcast.add(writer)
    for n in range(100):
        broadcast.tellLatest(("cell", n), lambda m: None)
    assert broadcast._changes == {}
    (watcher,) = crowd(1, flusher)
    broadcast.add(watcher)
    broadcast.tellLatest("cell", lambda m: m.told.append(1))
    broadcast.clear()
    clock.advance(0)
    assert watcher.told == [] and len(broadcast) == 0 and watcher.page.broadcasts == {}


def test_a_watcher_whose_page_its_pace_holds_is_told_only_when_it_goes():
    """Under a stream of changes, a watcher whose page waits for its pace is passed over with
    a look, and told the newest of each key when its page's time comes."""
    clock = Clock()
    flusher = Flusher(clock, batch=10, pace=0.01)
    waiting, other = crowd(2, flusher)
    broadcast = Broadcast()
    for member in (waiting, other):
        broadcast.add(member)
    for _ in range(BURST + 1):  # its page sent its burst: the pace holds the next send
        flusher.wake(waiting.page)
        clock.advance(0)
    assert flusher.paced(waiting.page)
    for state in ("queued", "running", "done"):
        broadcast.tellLatest("cell", lambda m, s=state: m.told.append(s))
        clock.advance(0)  # the turns of this moment (not the page's, later)
    assert other.told == ["queued", "running", "done"]
    assert waiting.told == [], "passed over while its pace holds its page"
    assert broadcast.spread(10), "the spread is done: the page that waits is the Flusher's"
    clock.advance(0.1)
    assert waiting.told == ["done"]
    broadcast.tellLatest("cell", lambda m: m.told.append("again"))
    clock.advance(0)
    assert waiting.told == ["done", "again"] and other.told[-1] == "again"
