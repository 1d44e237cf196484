"""livefragments.client's transport: client timeout, backoff with jitter, expiry, refusal."""

from twisted.internet.defer import Deferred

from livefragments import Settings
from livefragments.client import ClientState, backoffDelay
from tests.support.pages import Harness


class Blackhole:
    """Swallows POSTs while ``on`` (no answer, no error), else passes them through."""

    def __init__(self, inner):
        self.inner, self.on, self.swallowed, self.cancelled = inner, False, 0, 0

    def request(self, method, url, headers, body):
        if method == b"POST" and self.on:
            self.swallowed += 1

            def cancel(d):
                self.cancelled += 1

            return Deferred(cancel)
        return self.inner.request(method, url, headers, body)


def test_a_request_without_answer_is_given_up_after_client_timeout_and_resent():
    h = Harness(Settings(clientTimeout=40, idleTimeout=30))
    hole = Blackhole(h.http)
    client = h.openClient(http=hole)
    hole.on = True
    h.clock.advance(30)  # the parked poll is answered empty; the re-poll is swallowed
    result = []
    client.widgets[1].callRemote("increment").addBoth(result.append)
    h.settle()
    assert hole.swallowed >= 1 and result == []
    hole.on = False
    h.clock.advance(39)
    assert hole.cancelled == 0
    h.clock.advance(2)
    assert hole.cancelled >= 1, "the client gave up on the silent request"
    assert client.state is ClientState.RECONNECTING
    h.clock.advance(16)  # at most the largest backoff
    assert result == [1] and client.state is ClientState.LIVE
    assert client.stats["resends"] >= 1


def test_backoff_doubles_to_fifteen_seconds_with_full_jitter():
    assert [backoffDelay(n, lambda: 1.0) for n in range(8)] == [
        0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0, 15.0]
    assert backoffDelay(0, lambda: 0.25) == 0.125
    assert backoffDelay(10_000, lambda: 1.0) == 15.0


def test_each_failure_in_a_row_waits_the_next_backoff_delay_before_retrying():
    h = Harness(Settings(disconnectTimeout=1000))
    hole = Blackhole(h.http)
    client = h.openClient(http=hole, random=lambda: 1.0)
    hole.on = True
    h.clock.advance(30)  # the parked poll is answered empty; the re-poll is swallowed
    retries = []
    for attempt in range(4):
        swallowed = hole.swallowed
        h.clock.advance(40)  # the client gives up on the silent request...
        assert client.state is ClientState.RECONNECTING
        h.clock.advance(backoffDelay(attempt, lambda: 1.0) - 0.01)
        assert hole.swallowed == swallowed, "...and waits out the backoff..."
        h.clock.advance(0.01)
        retries.append(hole.swallowed - swallowed)
    assert retries == [1, 1, 1, 1], "...before each retry"
    hole.on = False
    for seconds in (40, 8, 30):  # the last one times out, waits 8 s, parks and is answered
        h.clock.advance(seconds)
    assert client.state is ClientState.LIVE


def test_an_expired_page_ends_the_client_and_fails_pending_calls():
    h = Harness(Settings(disconnectTimeout=90))
    hole = Blackhole(h.http)
    client = h.openClient(http=hole)
    hole.on = True
    h.clock.advance(30)
    failures = []
    client.widgets[1].callRemote("increment").addErrback(failures.append)
    h.clock.advance(200)  # the server forgets the page meanwhile
    hole.on = False
    h.clock.advance(60)
    assert client.state is ClientState.EXPIRED
    assert client.closeReason.type == "NoSuchPage"
    assert failures and failures[0].value.type == "ConnectionLost"


def test_a_refused_request_closes_the_client_instead_of_retrying_forever():
    h = Harness()
    client = h.openClient()
    client.transport.csrf = "wrong"
    client.widgets[1].callRemote("increment").addErrback(lambda f: None)
    h.clock.advance(31)
    assert client.state is ClientState.CLOSED
    assert client.closeReason.type == "Forbidden"
