"""Latest values: one place per key in a page's queue, made when the page sends.

``LiveFragment.notifyLatest`` / ``LivePage.sendLatest`` are the one way a changing state (a
cell's output so far, the kernel's state) reaches a browser: however often it changes between
two sends, the page sends it once, made from the state at that moment, in its place among the
page's other messages.
"""

from twisted.logger import globalLogPublisher

from livefragments import Settings
from tests.support.pages import Harness


def setup(settings=None):
    h = Harness(settings)
    client = h.openClient()
    h.settle()
    return h, h.pages[-1], client.widgets[1]


def test_a_latest_value_is_made_once_when_the_page_sends_from_the_state_then():
    h, page, counter = setup()
    state, made = {"n": 1}, []

    def produce():
        made.append(state["n"])
        return [state["n"]]

    for n in range(1, 6):
        state["n"] = n
        page.counter.notifyLatest("n", "show", produce)
    assert made == [] and page.channel.waitingCount == 1, "nothing is made before the send"
    h.settle()
    assert made == [5] and counter.shown == [5]


def test_a_latest_value_keeps_its_place_among_the_pages_other_messages():
    h, page, counter = setup()
    value = ["first"]
    page.counter.notifyRemote("show", "before")
    page.counter.notifyLatest("v", "show", lambda: [value[0]])
    page.counter.notifyRemote("show", "after")
    value[0] = "second"
    page.counter.notifyLatest("v", "show", lambda: [value[0]])
    h.settle()
    assert counter.shown == ["before", "second", "after"]


def test_nothing_is_sent_when_the_value_says_so_and_a_sent_value_is_never_altered():
    h, page, counter = setup()
    page.counter.notifyLatest("v", "show", lambda: None)
    h.settle()
    assert counter.shown == []
    page.counter.notifyLatest("v", "show", lambda: [1])
    page.channel.takeBatch()  # numbered: on the wire now
    page.counter.notifyLatest("v", "show", lambda: [2])
    assert [m[1][1][3] for m in page.channel.unacked()] == [[1]]
    assert page.channel.waitingCount == 1, "the newer value is a message of its own"


def test_a_value_that_fails_to_be_made_is_logged_and_the_page_lives_on():
    h, page, counter = setup()
    events = []
    globalLogPublisher.addObserver(events.append)
    try:
        page.counter.notifyLatest("v", "show", lambda: 1 / 0)
        page.counter.notifyRemote("show", "still here")
        h.settle()
    finally:
        globalLogPublisher.removeObserver(events.append)
    assert counter.shown == ["still here"] and page.isLive
    assert any(e.get("log_failure") is not None for e in events)


def test_a_detached_widget_s_latest_value_is_not_sent():
    h, page, counter = setup()
    page.counter.notifyLatest("v", "show", lambda: [1])
    page.counter.detach()
    h.settle()
    assert counter.shown == []


def test_a_settling_value_waits_and_goes_out_as_it_is_then_but_anything_else_takes_it_along():
    """Policy "latest values settle" (Settings.settleSeconds; off: 0)."""
    settle = Settings().settleSeconds
    assert settle > 0, "the policy is on by default"
    h, page, counter = setup()
    state = ["queued"]
    page.counter.notifyLatest("cell", "show", lambda: [state[0]], settle=True)
    h.settle()
    assert counter.shown == [], "a value that will change again soon does not go alone"
    state[0] = "running"
    page.counter.notifyLatest("cell", "show", lambda: [state[0]], settle=True)
    state[0] = "done"
    h.clock.advance(settle)
    h.settle()
    assert counter.shown == ["done"], "one update, made from the state when it went"
    state[0] = "again"
    page.counter.notifyLatest("cell", "show", lambda: [state[0]], settle=True)
    page.counter.notifyRemote("show", "other")
    h.settle()
    assert counter.shown == ["done", "again", "other"], "another message takes it along"


def test_a_value_that_is_final_goes_at_once_even_if_a_settling_one_waits():
    h, page, counter = setup()
    state = ["running"]
    page.counter.notifyLatest("cell", "show", lambda: [state[0]], settle=True)
    state[0] = "done"
    page.counter.notifyLatest("cell", "show", lambda: [state[0]])
    h.settle()
    assert counter.shown == ["done"]


def test_a_poll_is_not_answered_for_a_settling_value_before_its_time():
    """Long-poll: a poll that finds only a settling value waiting is parked, and answered
    when the value's time comes (answering it at once would cost a watcher a request per
    change, which settling is there to save)."""
    from tests.support.pages import RawPage

    h = Harness()
    raw = RawPage(h)
    first = raw.post([-1, []])
    h.settle()
    assert first == [], "parked: nothing to send"
    raw.page.counter.notifyLatest("v", "show", lambda: ["late"], settle=True)
    h.settle()
    assert first == [], "the value settles"
    h.clock.advance(Settings().settleSeconds)
    h.settle()
    assert first and b"late" in first[0].body
    raw.page.counter.notifyLatest("v", "show", lambda: ["again"], settle=True)
    second = raw.post([0, []])
    h.settle()
    assert second == [], "a poll finding a settling value is parked too"
    h.clock.advance(Settings().settleSeconds)
    h.settle()
    assert second and b"again" in second[0].body
