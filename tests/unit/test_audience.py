"""How changes reach a hub's viewers: in order now, or as snapshots, the urgent ones now and
the watchers when their page next sends."""

from athena_nb.audience import Audience


class Viewer:
    """A viewer whose page sends when the test says (``send``)."""

    def __init__(self, viewerId, urgent=False):
        self.viewerId, self.urgent, self.seen = viewerId, urgent, []
        self.preparing = []

    def whenFlushing(self, prepare):
        self.preparing.append(prepare)

    def send(self):
        preparing, self.preparing = self.preparing, []
        for prepare in preparing:
            prepare()


def audience(*viewers):
    crowd = Audience()
    for viewer in viewers:
        crowd.add(viewer)
    return crowd


def test_tell_reaches_every_viewer_now_in_order_even_if_one_fails():
    a, b, c = Viewer("a"), Viewer("b"), Viewer("c")
    crowd = audience(a, b, c)
    b.seen = None  # appending fails for b
    crowd.tell(lambda v: v.seen.append("x"))
    assert a.seen == ["x"] and c.seen == ["x"]


def test_snapshots_reach_the_urgent_now_and_each_watcher_when_its_page_sends():
    watchers = [Viewer(str(n)) for n in range(3)]
    writer = Viewer("writer", urgent=True)
    crowd = audience(*watchers, writer)
    crowd.tellSoon("cell 1", lambda v: v.seen.append("done"))
    assert writer.seen == ["done"] and writer.preparing == []
    assert all(not w.seen for w in watchers)
    watchers[1].send()
    assert [w.seen for w in watchers] == [[], ["done"], []]
    for watcher in watchers:
        watcher.send()
    assert all(w.seen == ["done"] for w in watchers) and crowd.waiting == 0


def test_a_newer_snapshot_takes_the_waiting_ones_place_and_other_keys_stay():
    a, b = Viewer("a"), Viewer("b")
    crowd = audience(a, b)
    crowd.tellSoon("cell 1", lambda v: v.seen.append("running"))
    crowd.tellSoon("kernel", lambda v: v.seen.append("busy"))
    crowd.tellSoon("cell 1", lambda v: v.seen.append("done"))
    assert crowd.waiting == 4, "one per viewer and key"
    assert len(a.preparing) == 1, "one call when the page sends, however many changes wait"
    a.send()
    b.send()
    assert a.seen == b.seen == ["done", "busy"]


def test_a_watcher_that_becomes_urgent_is_told_now_and_not_again():
    a = Viewer("a")
    crowd = audience(a)
    crowd.tellSoon("cell 1", lambda v: v.seen.append("running"))
    a.urgent = True
    crowd.tellSoon("cell 1", lambda v: v.seen.append("done"))
    assert a.seen == ["done"]
    a.send()
    assert a.seen == ["done"]


def test_after_its_page_sent_a_watcher_waits_for_the_next_send_again():
    a = Viewer("a")
    crowd = audience(a)
    crowd.tellSoon("k", lambda v: v.seen.append(1))
    a.send()
    crowd.tellSoon("k", lambda v: v.seen.append(2))
    assert a.seen == [1] and len(a.preparing) == 1
    a.send()
    assert a.seen == [1, 2]


def test_a_viewer_that_left_before_its_page_sent_is_not_told():
    a, b = Viewer("a"), Viewer("b")
    crowd = audience(a, b)
    crowd.tellSoon("k", lambda v: v.seen.append("x"))
    crowd.remove(b)
    a.send()
    b.send()
    assert a.seen == ["x"] and b.seen == [] and crowd.waiting == 0


def test_clearing_forgets_the_viewers_and_what_waits_for_them():
    a = Viewer("a")
    crowd = audience(a)
    crowd.tellSoon("k", lambda v: v.seen.append("x"))
    assert crowd.clear() == [a]
    a.send()
    assert a.seen == [] and crowd.waiting == 0 and not crowd.viewers
