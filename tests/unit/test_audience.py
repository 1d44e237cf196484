"""How changes reach a hub's viewers: in order now, or as snapshots, the urgent first."""

from twisted.internet.task import Clock

from athena_nb.audience import Audience


class Viewer:
    def __init__(self, viewerId, urgent=False):
        self.viewerId, self.urgent, self.seen = viewerId, urgent, []


def turn(clock):
    """One reactor turn: the first delayed call only (``Clock.advance`` runs them all)."""
    call = clock.calls.pop(0)
    call.func(*call.args, **call.kw)


def audience(*viewers, batch=2):
    clock = Clock()
    crowd = Audience(clock, batch=batch)
    for viewer in viewers:
        crowd.add(viewer)
    return clock, crowd


def test_tell_reaches_every_viewer_now_in_order_even_if_one_fails():
    a, b, c = Viewer("a"), Viewer("b"), Viewer("c")
    clock, crowd = audience(a, b, c)
    b.seen = None  # appending fails for b
    crowd.tell(lambda v: v.seen.append("x"))
    assert a.seen == ["x"] and c.seen == ["x"]


def test_snapshots_reach_the_urgent_now_and_the_others_a_batch_per_turn():
    watchers = [Viewer(str(n)) for n in range(5)]
    writer = Viewer("writer", urgent=True)
    clock, crowd = audience(*watchers, writer)
    crowd.tellSoon("cell 1", lambda v: v.seen.append("done"))
    assert writer.seen == ["done"] and all(not w.seen for w in watchers)
    turn(clock)
    assert [len(w.seen) for w in watchers] == [1, 1, 0, 0, 0]
    turn(clock)
    turn(clock)
    assert all(w.seen == ["done"] for w in watchers) and not clock.calls


def test_a_newer_snapshot_takes_the_waiting_ones_place_and_other_keys_stay():
    a, b = Viewer("a"), Viewer("b")
    clock, crowd = audience(a, b, batch=10)
    crowd.tellSoon("cell 1", lambda v: v.seen.append("running"))
    crowd.tellSoon("kernel", lambda v: v.seen.append("busy"))
    crowd.tellSoon("cell 1", lambda v: v.seen.append("done"))
    assert crowd.waiting == 4, "one per viewer and key"
    clock.advance(0)
    assert a.seen == b.seen == ["done", "busy"]


def test_a_viewer_that_left_before_its_turn_is_not_told():
    a, b = Viewer("a"), Viewer("b")
    clock, crowd = audience(a, b)
    crowd.tellSoon("k", lambda v: v.seen.append("x"))
    crowd.remove(b)
    clock.advance(0)
    assert a.seen == ["x"] and b.seen == []


def test_clearing_forgets_the_viewers_and_what_waits_for_them():
    a = Viewer("a")
    clock, crowd = audience(a)
    crowd.tellSoon("k", lambda v: v.seen.append("x"))
    assert crowd.clear() == [a]
    clock.advance(0)
    assert a.seen == [] and crowd.waiting == 0 and not crowd.viewers
