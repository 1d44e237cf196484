"""Exactly-once, in-order delivery through a network that drops, duplicates and delays.

The real ``LivePage`` and the real ``LiveClient`` talk over in-memory HTTP (``FaultyHTTP``)
while hypothesis picks interleavings of calls both ways, clock ticks, and faults.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livefragments import Channel
from tests.support.memoryhttp import FaultyHTTP
from tests.support.pages import Harness

FAULTY = st.sampled_from(["dropRequest", "dropResponse", "duplicate", "delay"])
FAULT = st.one_of(FAULTY, st.none())
#: Fault plans start with a fault, so the first request (the client's first poll) is hit.
PLAN = st.tuples(FAULTY, st.lists(FAULT, max_size=30)).map(lambda t: [t[0], *t[1]])
OP = st.one_of(
    st.tuples(st.just("client"), st.integers(1, 3)),
    st.tuples(st.just("server"), st.integers(1, 3)),
    st.tuples(st.just("tick"), st.sampled_from([0, 0.1, 0.5, 2.0, 20.0])),
)


def runScenario(ops, faults):
    """Run ``ops`` with ``faults`` injected into the first requests; check delivery."""
    h = Harness()
    plan = list(faults)
    faulty = FaultyHTTP(h.http, h.clock, decide=lambda: plan.pop(0) if plan else None)
    client = h.openClient(http=faulty)
    page, widget = h.pages[-1], client.widgets[1]
    fromClient, fromServer = [], []
    clientResults, serverResults = [], []
    for step, (kind, arg) in enumerate(ops):
        if kind == "client":
            for k in range(arg):
                fromClient.append(f"c{step}.{k}")
                widget.callRemote("record", fromClient[-1]).addBoth(clientResults.append)
        elif kind == "server":
            for k in range(arg):
                fromServer.append(f"s{step}.{k}")
                page.counter.callRemote("show", fromServer[-1]).addBoth(serverResults.append)
        h.clock.advance(arg if kind == "tick" else 0)
    plan.clear()  # the network heals; everything must now arrive
    for _ in range(200):
        if len(clientResults) == len(fromClient) and len(serverResults) == len(fromServer) \
                and client.state.value == "live":
            break
        h.clock.advance(1)
    assert page.counter.log == fromClient, "each client call ran once, in order"
    assert widget.shown == fromServer, "each server call ran once, in order"
    assert clientResults == list(range(1, len(fromClient) + 1))
    assert serverResults == [f"shown {item}" for item in fromServer]
    return faulty.counts, client


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(OP, min_size=1, max_size=25), faults=PLAN)
def test_every_call_is_delivered_exactly_once_in_order_despite_faults(ops, faults):
    counts, client = runScenario(ops, faults)
    assert sum(counts.values()) >= 1, "faults were really injected"
    assert client.state.value == "live"


@pytest.mark.parametrize("fault", ["dropRequest", "dropResponse", "duplicate", "delay"])
def test_each_kind_of_fault_is_injected_and_survived(fault):
    counts, client = runScenario([("server", 2), ("client", 2), ("tick", 0.5)] * 3, [fault] * 4)
    assert counts[fault] >= 2
    if fault in ("dropRequest", "dropResponse"):
        assert client.stats["resends"] >= 1


def test_the_same_faults_lose_messages_when_retransmission_is_switched_off(monkeypatch):
    """The mechanism under test is what saves the messages: without it they are lost."""
    monkeypatch.setattr(Channel, "unacked", lambda self: [])
    original = Channel.encodedEnvelope
    monkeypatch.setattr(Channel, "encodedEnvelope", lambda self, resend=False: original(self))
    for fault in ("dropRequest", "dropResponse"):
        with pytest.raises(AssertionError):
            runScenario([("server", 2), ("client", 2), ("tick", 0.5)] * 3, [fault] * 4)
