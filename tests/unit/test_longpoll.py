"""The long-poll transport of a live page: parking, batching, timeouts, resumption.

Driven with hand-made HTTP requests through the real Site on a Clock (docs/protocol.md 5).
"""

from livefragments import PageState, Settings
from livefragments._json import loads
from tests.support.pages import Harness, RawPage, call


def body(answers):
    assert len(answers) == 1, answers
    assert answers[0].code == 200, answers[0].body
    envelope = loads(answers[0].body)
    assert len(envelope) == 3 and set(envelope[2]) == {"last"}
    return envelope[:2]


def test_a_plain_poll_is_parked_until_the_server_has_something_to_say():
    h = Harness()
    raw = RawPage(h)
    poll = raw.post([-1, []])
    h.settle()
    assert poll == []
    raw.page.counter.callRemote("show", 1)
    assert poll == [], "messages go out at the end of the reactor turn, not at once"
    h.clock.advance(0)
    assert body(poll) == [-1, [[0, ["call", [0, 1, "show", [1], {}]]]]]


def test_while_watchers_are_answered_the_connections_of_those_answered_are_not_read():
    """A broadcast to watching pages goes out a batch per turn; the connection of each page
    answered meanwhile is paused (its next poll waits in the socket) until all are sent."""
    h = Harness(Settings(flushBatch=1))
    raws = [RawPage(h) for _ in range(3)]
    polls = [raw.post([-1, []]) for raw in raws]
    connections = h.http.transports[-3:]
    h.settle()
    for raw in raws:
        raw.page.counter.notifyRemote("show", 1)
    h.clock.calls.pop(0).func()  # one reactor turn: one page answered
    assert [len(p) for p in polls] == [1, 0, 0]
    assert [c.producerState for c in connections] == ["paused", "producing", "producing"]
    h.settle()
    assert [len(p) for p in polls] == [1, 1, 1]
    assert [c.producerState for c in connections] == ["producing"] * 3


def test_messages_produced_in_one_reactor_turn_go_out_in_one_answer():
    h = Harness()
    raw = RawPage(h)
    poll = raw.post([-1, []])
    for n in range(3):
        raw.page.counter.callRemote("show", n)
    h.clock.advance(0)
    assert [m[0] for m in body(poll)[1]] == [0, 1, 2]


def test_a_request_carrying_messages_is_answered_at_once_when_nothing_is_parked():
    h = Harness()
    raw = RawPage(h)
    answer = raw.post([-1, [call(0, 0, "increment", 2)]])
    h.settle()
    assert body(answer) == [0, [[0, ["respond", [0, True, 2]]]]]


def test_a_new_request_makes_the_server_answer_the_parked_one_and_park_the_new_one():
    h = Harness()
    raw = RawPage(h)
    poll = raw.post([-1, []])
    sender = raw.post([-1, [call(0, 0, "increment", 1)]])
    h.settle()
    assert body(poll) == [0, [[0, ["respond", [0, True, 1]]]]]
    assert sender == [], "the new request is parked, so the page keeps one connection waiting"
    raw.page.counter.callRemote("show", 9)
    h.clock.advance(0)
    assert body(sender)[1][0][0] == 1


def test_idle_timeout_answers_a_parked_request_with_an_empty_batch():
    h = Harness(Settings(idleTimeout=30))
    raw = RawPage(h)
    poll = raw.post([-1, []])
    h.clock.advance(29.9)
    assert poll == []
    h.clock.advance(0.2)
    assert body(poll) == [-1, []]


def test_a_page_never_polled_holds_little_and_a_polled_one_the_full_queue():
    """A page rendered and never polled held up to 10,000 messages for 90 s: until its first
    request it holds ``maxUnpolledMessages``, past which it ends and its poll is told why."""
    h = Harness(Settings(maxUnpolledMessages=20, maxOutboundMessages=100))
    idle = RawPage(h)
    for n in range(21):
        idle.page.counter.notifyRemote("show", n)
    assert idle.page.state is PageState.GONE or idle.page.end is not None
    answer = idle.post([-1, []])
    assert answer[0].code == 410
    assert "more than the limit of 20" in loads(answer[0].body)["error"]["message"]
    live = RawPage(h)
    live.post([-1, []])
    for n in range(50):
        live.page.counter.notifyRemote("show", n)
    assert live.page.end is None, "once polled, the page holds the full queue"


def test_disconnect_timeout_frees_a_page_without_requests():
    h = Harness(Settings(disconnectTimeout=90, idleTimeout=30))
    raw = RawPage(h)
    pending = raw.page.counter.callRemote("show", 1)
    failures = []
    pending.addErrback(failures.append)
    h.clock.advance(89)
    assert raw.page.state is PageState.NEW
    h.clock.advance(2)
    assert raw.page.state is PageState.GONE
    assert raw.page.clientId not in h.resource.pages
    assert failures and failures[0].value.type == "ConnectionLost"
    assert raw.page.counter.lostWith.type == "ConnectionLost"
    late = raw.post([-1, []])
    assert late[0].code == 404
    assert loads(late[0].body)["error"] == {
        "type": "NoSuchPage", "reload": True,
        "message": "No live page has this id: it expired, was closed, or never existed. "
                   "Reload to get a new page."}


def test_a_page_without_a_connection_is_away_then_back_when_it_polls_again():
    """One timer: away after ``awaySeconds`` without a connection, gone at
    ``disconnectTimeout``; a poll in between brings it back (and the page hears of both)."""
    h = Harness(Settings(disconnectTimeout=90, awaySeconds=10, idleTimeout=30))
    raw = RawPage(h)
    heard = []
    raw.page.connectionChanged = heard.append
    raw.post([-1, []])
    h.http.dropAll()  # the laptop closes: its parked poll is gone
    h.clock.advance(9)
    assert heard == []
    h.clock.advance(2)
    assert heard == [False] and raw.page.state is PageState.CONNECTED
    poll = raw.post([-1, [], {"resend": True}])  # it opens again
    assert heard == [False, True]
    h.clock.advance(30)
    assert body(poll) == [-1, []]
    h.http.dropAll()
    h.clock.advance(89.9)  # away again at 10 s; gone only at 90 s from the loss
    assert heard == [False, True, False] and raw.page.state is PageState.CONNECTED
    h.clock.advance(0.2)
    assert raw.page.state is PageState.GONE


def test_with_away_off_a_page_is_only_ever_gone():
    h = Harness(Settings(disconnectTimeout=90, awaySeconds=0))
    raw = RawPage(h)
    heard = []
    raw.page.connectionChanged = heard.append
    h.clock.advance(91)
    assert heard == [] and raw.page.state is PageState.GONE


def test_a_parked_request_keeps_the_page_alive_past_the_disconnect_timeout():
    h = Harness(Settings(disconnectTimeout=90, idleTimeout=30))
    raw = RawPage(h)
    for _ in range(10):  # 300 s of polling, re-polling after each idle answer
        poll = raw.post([-1, []])
        h.clock.advance(30)
        assert body(poll) == [-1, []]
    assert raw.page.state is PageState.CONNECTED


def test_a_lost_response_is_sent_again_when_the_client_asks_for_resend():
    h = Harness()
    raw = RawPage(h)
    poll = raw.post([-1, []])
    raw.page.counter.callRemote("show", "a")
    raw.page.counter.callRemote("show", "b")
    h.clock.advance(0)
    assert len(body(poll)[1]) == 2  # ...but suppose this answer never reached the client
    retry = raw.post([-1, [], {"resend": True}])
    h.settle()
    assert [m[0] for m in body(retry)[1]] == [0, 1]


def test_without_resend_nothing_is_sent_twice():
    h = Harness()
    raw = RawPage(h)
    poll = raw.post([-1, []])
    raw.page.counter.callRemote("show", "a")
    h.clock.advance(0)
    assert len(body(poll)[1]) == 1
    again = raw.post([0, []])
    raw.page.counter.callRemote("show", "b")
    h.clock.advance(0)
    assert [m[0] for m in body(again)[1]] == [1], "acked messages are never resent"


def test_a_duplicated_request_is_processed_once():
    h = Harness()
    raw = RawPage(h)
    first = raw.post([-1, [call(0, 0, "record", "x")]])
    second = raw.post([-1, [call(0, 0, "record", "x")]])
    h.settle()
    assert raw.page.counter.log == ["x"]
    assert body(first) == [0, [[0, ["respond", [0, True, 1]]]]]
    assert body(second) == [0, []]


def test_a_gap_is_held_until_it_fills_and_then_processed_in_order():
    h = Harness()
    raw = RawPage(h)
    later = raw.post([-1, [call(1, 1, "record", "second")]])
    h.settle()
    assert raw.page.counter.log == []
    assert raw.page.channel.held == [1]
    earlier = raw.post([-1, [call(0, 0, "record", "first")]])
    h.settle()
    assert raw.page.counter.log == ["first", "second"]
    responses = body(later)[1] + body(earlier)[1]
    assert [r[1][1][0] for r in responses] == [0, 1]


def test_resumption_within_the_grace_period_delivers_everything_missed_once_in_order():
    h = Harness(Settings(disconnectTimeout=90))
    raw = RawPage(h)
    poll = raw.post([-1, []])
    h.http.dropAll()  # the network goes away with the poll parked
    for n in range(5):
        raw.page.counter.callRemote("show", n)
    h.clock.advance(60)
    assert raw.page.state is PageState.CONNECTED
    resumed = raw.post([-1, [], {"resend": True}])
    h.settle()
    assert poll == []
    assert [m[1][1][3] for m in body(resumed)[1]] == [[0], [1], [2], [3], [4]]


def test_resumption_after_the_grace_period_is_told_to_reload():
    h = Harness(Settings(disconnectTimeout=90))
    raw = RawPage(h)
    raw.post([-1, []])
    h.http.dropAll()
    h.clock.advance(91)
    late = raw.post([-1, [], {"resend": True}])
    assert late[0].code == 404
    assert loads(late[0].body)["error"]["reload"] is True


def test_queue_overflow_closes_the_page_with_a_clear_reason():
    h = Harness(Settings(maxOutboundMessages=5))
    raw = RawPage(h)
    other = RawPage(h)
    for n in range(6):
        raw.page.counter.callRemote("show", n).addErrback(lambda f: None)
    assert raw.page.end.type == "QueueOverflow" and not raw.page.end.inBand
    answer = raw.post([-1, []])
    h.settle()
    assert answer[0].code == 410
    error = loads(answer[0].body)["error"]
    assert error["type"] == "QueueOverflow" and "limit of 5" in error["message"]
    assert raw.page.state is PageState.GONE
    assert raw.page.counter.lostWith.type == "QueueOverflow"
    served = other.post([-1, [call(0, 0, "increment")]])
    h.settle()
    assert body(served) == [0, [[0, ["respond", [0, True, 1]]]]], "other pages keep working"


def test_queue_overflow_answers_a_parked_request_at_once():
    h = Harness(Settings(maxOutboundBytes=2000))
    raw = RawPage(h)
    poll = raw.post([-1, []])
    raw.page.counter.callRemote("show", "x" * 3000).addErrback(lambda f: None)
    h.settle()
    assert poll[0].code == 410
    assert loads(poll[0].body)["error"]["type"] == "QueueOverflow"


def test_an_in_band_close_delivers_queued_messages_then_close_then_frees_the_page():
    h = Harness()
    raw = RawPage(h)
    raw.post([-1, []])
    poll = raw.post([-1, []])
    h.settle()
    raw.page.counter.callRemote("show", 1).addErrback(lambda f: None)
    raw.page.close()
    h.settle()
    messages = body(poll)[1]
    assert [m[1][0] for m in messages] == ["call", "close"]
    assert messages[1][1][1][0]["type"] == "Closed"
    assert raw.page.state is PageState.CLOSING
    last = raw.post([1, []])
    h.settle()
    assert raw.page.state is PageState.GONE
    assert body(last) == [-1, []]


def test_the_client_closing_the_page_frees_it():
    h = Harness()
    raw = RawPage(h)
    answer = raw.post([-1, [[0, ["close", [{"type": "Closed", "message": "tab closed"}]]]], {"csrf": raw.boot["csrf"]}], csrf=False)
    h.settle()
    assert raw.page.state is PageState.GONE
    assert raw.page.counter.lostWith.message == "tab closed"
    assert body(answer) == [0, []]
