"""The server notices an answer the client lost without knowing (protocol.md 5.2).

Browsers retry a POST whose reused keep-alive connection broke before any answer came, and
tell the page nothing; the retried request then looks ordinary.  The server, which holds the
unacknowledged messages, answers such a request with all of them.
"""

from livefragments._json import loads
from tests.support.pages import Harness, RawPage, call


def envelope(answers):
    assert len(answers) == 1 and answers[0].code == 200, answers
    return loads(answers[0].body)[:2]


def lose(raw, request):
    """The server answered ``request`` but the answer never arrived."""
    raw.h.settle()
    assert request and request[0].code == 200
    return envelope(request)


def test_a_retried_request_whose_messages_were_all_processed_gets_everything_again():
    h = Harness()
    raw = RawPage(h)
    sent = [call(0, 0, "record", "a"), call(1, 1, "record", "b")]
    first = raw.post([-1, sent])
    lost = lose(raw, first)
    assert [m[0] for m in lost[1]] == [0, 1]
    retried = raw.post([-1, sent])  # the browser's silent retry of the same POST
    h.settle()
    assert envelope(retried) == lost, "answered at once with every unacknowledged message"
    assert raw.page.counter.log == ["a", "b"], "and nothing ran twice"


def test_a_poll_while_nothing_else_is_pending_and_messages_are_unacknowledged_gets_them():
    h = Harness()
    raw = RawPage(h)
    poll = raw.post([-1, []])
    raw.page.counter.callRemote("show", 1)
    lost = lose(raw, poll)
    retried = raw.post([-1, []])
    h.settle()
    assert envelope(retried) == lost


def test_a_poll_that_acknowledges_everything_is_parked_as_usual():
    h = Harness()
    raw = RawPage(h)
    poll = raw.post([-1, []])
    raw.page.counter.callRemote("show", 1)
    lose(raw, poll)
    nextPoll = raw.post([0, []])
    h.settle()
    assert nextPoll == [], "the client had the answer: nothing to resend, the poll parks"


def test_a_request_with_new_messages_crossing_an_answer_is_not_a_resend():
    h = Harness()
    raw = RawPage(h)
    poll = raw.post([-1, []])
    raw.page.counter.callRemote("show", 1)
    h.settle()
    assert envelope(poll)[1][0][0] == 0  # on its way to the client...
    sender = raw.post([-1, [call(0, 0, "record", "x")]])  # ...which sends before reading it
    h.settle()
    assert raw.page.counter.log == ["x"]
    assert [m[0] for m in envelope(sender)[1]] == [1], "only the new answer, nothing resent"
