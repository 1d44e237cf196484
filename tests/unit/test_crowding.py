"""Many tabs of one browser: parked requests of a crowded session rotate (protocol.md 5.2).

A browser opens about 6 HTTP/1.1 connections per host for all its tabs.  ``BrowserHTTP`` models
that: at most 6 requests in flight, the rest wait in a FIFO queue, as in Chromium.
"""

from http.cookies import SimpleCookie

from twisted.internet.defer import CancelledError, Deferred

from livefragments import Settings
from livefragments.client import LiveClient
from tests.support.pages import ClientCounter, Harness, RawPage

URL = "http://127.0.0.1:8080/demo/"


def tabs(h, n):
    first = RawPage(h)
    return [first] + [RawPage(h, cookie=first.cookie) for _ in range(n - 1)]


def test_up_to_the_limit_parked_requests_wait_the_full_idle_timeout():
    h = Harness(Settings(idleTimeout=30, crowdedSessionPages=4, crowdedParkTime=1))
    polls = [tab.post([-1, []]) for tab in tabs(h, 4)]
    h.clock.advance(29)
    assert polls == [[]] * 4
    h.clock.advance(1)
    assert [p[0].code for p in polls] == [200] * 4


def test_one_parked_page_over_the_limit_shortens_every_parked_request_of_the_session():
    h = Harness(Settings(idleTimeout=30, crowdedSessionPages=4, crowdedParkTime=1))
    pages = tabs(h, 5)
    polls = [tab.post([-1, []]) for tab in pages[:4]]
    h.clock.advance(10)
    assert polls == [[]] * 4
    polls.append(pages[4].post([-1, []]))
    assert h.resource.parking.crowded(pages[0].page.sessionId)
    h.clock.advance(0.9)
    assert polls == [[]] * 5
    h.clock.advance(0.2)
    assert [p[0].code for p in polls] == [200] * 5, "all five answered after crowdedParkTime"


def test_pages_of_different_sessions_do_not_crowd_each_other():
    h = Harness(Settings(idleTimeout=30, crowdedSessionPages=4, crowdedParkTime=1))
    polls = [RawPage(h).post([-1, []]) for _ in range(8)]
    h.clock.advance(29)
    assert polls == [[]] * 8


def test_when_the_crowd_thins_requests_park_for_the_idle_timeout_again():
    h = Harness(Settings(idleTimeout=30, crowdedSessionPages=4, crowdedParkTime=1))
    pages = tabs(h, 5)
    for tab in pages:
        tab.post([-1, []])
    h.clock.advance(1.1)
    again = [tab.post([-1, []]) for tab in pages[:4]]  # the fifth tab went away
    h.clock.advance(29)
    assert again == [[]] * 4
    assert not h.resource.parking.crowded(pages[0].page.sessionId)


def test_a_crowded_session_still_gets_its_messages_at_once():
    h = Harness(Settings(idleTimeout=30, crowdedSessionPages=4, crowdedParkTime=5))
    pages = tabs(h, 6)
    polls = [tab.post([-1, []]) for tab in pages]
    pages[3].page.counter.callRemote("show", 1)
    h.clock.advance(0)
    assert polls[3][0].code == 200 and polls[3][0].body.startswith(b'[-1,[[0,')
    assert all(p == [] for i, p in enumerate(polls) if i != 3)


class BrowserHTTP:
    """At most ``limit`` requests in flight for all tabs; the others queue, FIFO."""

    def __init__(self, inner, limit=6):
        self.inner, self.limit = inner, limit
        self.inflight = 0
        self.queue: list = []
        self.maxQueued = 0

    def request(self, method, url, headers, body):
        entry = {"args": (method, url, headers, body), "inner": None}

        def cancel(_):
            if entry in self.queue:
                self.queue.remove(entry)
            elif entry["inner"] is not None:
                entry["inner"].cancel()

        entry["d"] = Deferred(cancel)
        self.queue.append(entry)
        self.maxQueued = max(self.maxQueued, len(self.queue))
        self._pump()
        return entry["d"]

    def _pump(self):
        while self.inflight < self.limit and self.queue:
            entry = self.queue.pop(0)
            self.inflight += 1
            entry["inner"] = inner = self.inner.request(*entry["args"])
            inner.addBoth(self._done, entry)

    def _done(self, result, entry):
        self.inflight -= 1
        if not entry["d"].called:
            if isinstance(getattr(result, "value", None), CancelledError):
                entry["d"].errback(result)
            elif hasattr(result, "raiseException"):
                entry["d"].errback(result)
            else:
                entry["d"].callback(result)
        self._pump()


def eightTabs(settings):
    import random

    h = Harness(settings)
    browser = BrowserHTTP(h.http)
    got = []
    h.http.request(b"GET", "/demo/", {}, None).addBoth(got.append)
    cookie = SimpleCookie(got[0].headers["set-cookie"][0])["lf_session"].value
    h.pages.clear()
    clients, loads = [], []
    for n in range(8):
        d = Deferred.fromCoroutine(LiveClient.open(
            h.clock, URL, http=browser, cookies={"lf_session": cookie},
            widgetClasses={"demo/counter.js:Counter": ClientCounter},
            random=random.Random(n).random))
        opened = []
        d.addBoth(opened.append)
        loads.append(runUntil(h, lambda opened=opened: opened, 100))
        assert opened and isinstance(opened[0], LiveClient), opened
        clients.append(opened[0])
    return h, browser, clients, loads


def runUntil(h, done, limit):
    """Advance the clock in 0.1 s steps until ``done()``; the virtual seconds it took."""
    waited = 0.0
    while not done() and waited < limit:
        h.clock.advance(0.1)
        waited += 0.1
    return waited


def counterOf(client):
    return client.widgetsByClass("demo/counter.js:Counter")[0]


def callEverywhere(h, clients, limit):
    """Every tab calls the server; the virtual seconds until every call was answered."""
    answers = []
    for client in clients:
        counterOf(client).callRemote("increment").addBoth(answers.append)
    return runUntil(h, lambda: len(answers) == len(clients), limit), answers


def pushEverywhere(h, clients, limit, value):
    """The server calls every tab; the virtual seconds until every tab had it."""
    for page in h.pages:
        page.counter.callRemote("show", value)
    return runUntil(h, lambda: all(value in counterOf(c).shown for c in clients), limit)


def test_eight_tabs_over_six_connections_stay_live():
    h, browser, clients, loads = eightTabs(Settings(idleTimeout=30, crowdedParkTime=1))
    assert max(loads) < 3, f"every tab loaded quickly, but one took {max(loads):.1f} s"
    assert browser.maxQueued > 0, "the tabs really competed for connections"
    h.clock.advance(5)
    waited, answers = callEverywhere(h, clients, limit=60)
    assert waited < 5, f"every tab's call was answered, but only after {waited:.1f} s"
    assert answers == [1] * 8
    h.clock.advance(5)
    assert pushEverywhere(h, clients, 60, "hello") < 5
    h.clock.advance(5)
    counterOf(clients[7]).callRemote("increment")
    lone = h.pages[7].counter
    assert runUntil(h, lambda: lone.value == 2, 60) < 5, "a single tab's call is not starved"


def test_without_rotation_a_tab_waits_for_someone_s_idle_timeout():
    h, browser, clients, loads = eightTabs(Settings(idleTimeout=30, crowdedSessionPages=100))
    assert max(loads) > 20, "the control: six parked polls hold every connection"
    h.clock.advance(5)
    waited, answers = callEverywhere(h, clients, limit=60)
    assert waited > 20, "the control: tabs' calls wait for some poll's idle timeout"
