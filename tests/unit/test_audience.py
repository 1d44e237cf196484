"""The audience of a hub: every viewer is told every change at once, in order; presence is
batched (the batching itself is specified in tests/unit/test_hub.py)."""

from twisted.internet.task import Clock

from athena_nb.audience import PRESENCE_DELAY, Audience


class Viewer:
    def __init__(self, viewerId):
        self.viewerId, self.seen = viewerId, []

    def presenceChanged(self, changes):
        self.seen.append([c["id"] for c in changes])


def test_tell_reaches_every_viewer_now_in_order_even_if_one_fails():
    crowd = Audience(Clock())
    a, broken, b = Viewer("a"), Viewer("broken"), Viewer("b")
    for viewer in (a, broken, b):
        crowd.add(viewer, viewer.viewerId, "viewer")

    def tell(viewer):
        if viewer is broken:
            raise RuntimeError("this viewer's page is broken")
        viewer.seen.append("x")

    crowd.tell(tell)
    assert a.seen == ["x"] and b.seen == ["x"]


def test_a_viewer_that_left_is_not_told_and_leaving_twice_is_harmless():
    crowd = Audience(Clock())
    a = Viewer("a")
    crowd.add(a, "A", "viewer")
    assert crowd.remove(a) is True and crowd.remove(a) is False
    crowd.tell(lambda v: v.seen.append("x"))
    assert a.seen == []


def test_clearing_forgets_the_viewers_and_the_presence_waiting_to_be_told():
    clock = Clock()
    crowd = Audience(clock)
    a = Viewer("a")
    crowd.add(a, "A", "viewer")
    assert crowd.clear() == [a]
    assert crowd.presence() == [] and not clock.getDelayedCalls()
    clock.advance(PRESENCE_DELAY)
    assert a.seen == []


def test_a_viewer_away_and_back_is_told_to_all_once_each_way():
    clock = Clock()
    crowd = Audience(clock)
    a, b = Viewer("a"), Viewer("b")
    crowd.add(a, "A", "editor")
    crowd.add(b, "B", "editor")
    clock.advance(PRESENCE_DELAY)
    a.seen.clear()
    crowd.setAway("b", True)
    crowd.setAway("b", True)  # no change: nothing more to tell
    clock.advance(PRESENCE_DELAY)
    assert a.seen == [["b"]] and crowd.presenceOf("b")["away"] is True
    crowd.setAway("b", False)
    crowd.setAway("nobody", True)  # a viewer who left meanwhile: nothing
    clock.advance(PRESENCE_DELAY)
    assert a.seen == [["b"], ["b"]] and crowd.presenceOf("b")["away"] is False
