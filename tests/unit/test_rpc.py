"""Remote calls both ways between a LivePage and livefragments.client, deterministically.

Covers ``@expose`` dispatch, errors crossing the wire, widgets made after load, detaching,
coalescing and the shutdown races Athena had (nevow #84, #86, #12).
"""

import re

import pytest
from twisted.internet.defer import Deferred
from twisted.logger import LogLevel, formatEvent

from livefragments import (
    ConnectionLost,
    LiveFragment,
    PageState,
    RemoteError,
    Settings,
    Shared,
    expose,
)
from livefragments._mistakes import BURST, INTERVAL
from tests.support.logs import capturedLogs
from tests.support.pages import ClientCounter, Counter, Harness, RawPage


def resolve(h, d):
    results = []
    d.addBoth(results.append)
    h.settle(10)
    assert results, "the call never finished"
    return results[0]


def remoteError(h, d) -> RemoteError:
    failure = resolve(h, d)
    assert hasattr(failure, "value"), f"expected an error, got {failure!r}"
    assert isinstance(failure.value, RemoteError), failure
    return failure.value


def setup(settings=None):
    h = Harness(settings)
    client = h.openClient()
    return h, client, h.pages[-1], client.widgets[1]


def test_client_calls_an_exposed_method_and_gets_its_result():
    h, client, page, counter = setup()
    assert resolve(h, counter.callRemote("increment", 2)) == 2
    assert resolve(h, counter.callRemote("increment", by=3)) == 5
    assert page.counter.value == 5


def test_async_def_methods_are_exposed_too():
    h, client, page, counter = setup()
    assert resolve(h, counter.callRemote("later", None)) == "async ok"


def test_instance_attributes_are_never_exposed():
    h, client, page, counter = setup()
    page.counter.sneaky = expose(lambda: "ran")
    assert remoteError(h, counter.callRemote("sneaky")).type == "NoSuchMethod"


def test_a_method_returning_a_deferred_answers_when_it_fires():
    gate = Deferred()

    class Gated(Counter):
        @expose
        def waitFor(self):
            return gate

    h2 = Harness(pageClass=lambda: _pageWith(Gated()))
    c2 = h2.openClient()
    results = []
    c2.widgets[1].callRemote("waitFor").addBoth(results.append)
    h2.settle()
    assert results == []
    gate.callback("opened")
    h2.settle()
    assert results == ["opened"]


def _pageWith(fragment):
    from livefragments import LivePage

    page = LivePage()
    page.counter = page.addChild(fragment)
    return page


def test_unexposed_methods_are_refused_and_never_run():
    h, client, page, counter = setup()
    for name in ("notExposed", "_pageLost", "__init__", "callRemote", "render", "nothing"):
        err = remoteError(h, counter.callRemote(name))
        assert err.type == "NoSuchMethod", name
        assert f"has no exposed method {name!r}" in err.message


def test_unknown_widget_id_is_refused():
    h, client, page, counter = setup()
    err = remoteError(h, client.callRemote(99, "increment"))
    assert err.type == "NoSuchWidget" and "99" in err.message


def test_wrong_arguments_are_refused_before_running():
    h, client, page, counter = setup()
    err = remoteError(h, counter.callRemote("record"))
    assert err.type == "BadArguments" and "item" in err.message
    err = remoteError(h, counter.callRemote("increment", 1, 2, 3))
    assert err.type == "BadArguments"
    assert page.counter.log == [] and page.counter.value == 0


def test_a_refusal_in_an_exposed_method_reaches_the_caller_as_type_and_message():
    h, client, page, counter = setup()
    err = remoteError(h, counter.callRemote("fail", "no good"))
    assert (err.type, err.message, err.traceback) == ("Declined", "no good", None)
    assert resolve(h, counter.callRemote("increment")) == 1, "the page keeps working"


def test_a_bug_in_an_exposed_method_is_logged_with_an_id_the_caller_is_told():
    """The caller gets an InternalError, not the bug's KeyError; the log has the traceback
    once, under the id the caller was told."""
    h, client, page, counter = setup()
    with capturedLogs("livefragments") as events:
        err = remoteError(h, counter.callRemote("crash"))
    assert err.type == "InternalError" and err.traceback is None
    errorId = re.search(r"error id ([0-9a-f]{8}) in the server log", err.message).group(1)
    assert "Counter.crash" in err.message and "missing" not in err.message
    bugs = [e for e in events if "log_failure" in e]
    assert len(bugs) == 1 and errorId in formatEvent(bugs[0])
    assert bugs[0]["log_failure"].check(KeyError)
    assert resolve(h, counter.callRemote("increment")) == 1, "the page keeps working"


def test_tracebacks_are_sent_only_in_debug():
    h, client, page, counter = setup(Settings(debug=True))
    with capturedLogs("livefragments"):
        err = remoteError(h, counter.callRemote("crash"))
    assert err.type == "InternalError"
    assert "Traceback" in err.traceback and 'return {}["missing"]' in err.traceback


def test_a_result_that_is_not_json_is_an_internal_error_not_a_crash():
    class Odd(Counter):
        @expose
        def odd(self):
            return {1, 2}

    h2 = Harness(pageClass=lambda: _pageWith(Odd()))
    c2 = h2.openClient()
    with capturedLogs("livefragments") as events:
        err = remoteError(h2, c2.widgets[1].callRemote("odd"))
    assert err.type == "InternalError" and "Odd.odd" in err.message
    assert "not JSON" in [e for e in events if "log_failure" in e][0]["log_failure"].getErrorMessage()
    assert resolve(h2, c2.widgets[1].callRemote("increment")) == 1, "the page keeps working"


def test_a_clients_mistakes_are_logged_in_one_line_each_without_traceback():
    h, client, page, counter = setup()
    with capturedLogs("livefragments") as events:
        assert remoteError(h, counter.callRemote("nothing")).type == "NoSuchMethod"
        assert remoteError(h, counter.callRemote("fail", "no")).type == "Declined"
    warned = [formatEvent(e) for e in events if e["log_level"] is LogLevel.warn]
    assert len(warned) == 1 and "Counter.nothing" in warned[0] and "NoSuchMethod" in warned[0]
    assert not [e for e in events if "log_failure" in e], "no traceback for a mistake"
    assert all(e["log_level"] < LogLevel.error for e in events)


def test_one_envelope_of_refused_notifications_writes_a_few_lines_then_one_count():
    """A client's mistakes are rate-limited per page: the first few are logged, then one line
    at the end of the interval says how many more there were."""
    h = Harness()
    raw = RawPage(h)
    notifications = [[seq, ["call", [None, 1, "nothing", ["x" * 60], {}]]] for seq in range(500)]
    with capturedLogs("livefragments._mistakes") as events:
        raw.post([-1, notifications])
        h.settle()
        assert raw.page.isLive and len(events) == BURST
        h.clock.advance(INTERVAL)
    assert len(events) == BURST + 1
    assert "495 more mistakes" in formatEvent(events[-1])
    assert sum(len(formatEvent(e)) for e in events) < 3000, "a few lines, not 500 tracebacks"


def test_values_round_trip_including_objects_that_look_tagged():
    h, client, page, counter = setup()
    value = {"__lf__": "widget", "nested": [1, "two", None, True, {"__lf__": 3}], "é": "✓"}
    assert resolve(h, counter.callRemote("echo", value)) == value


def test_server_calls_the_client_and_gets_its_result():
    h, client, page, counter = setup()
    assert resolve(h, page.counter.callRemote("show", 7)) == "shown 7"
    assert counter.shown == [7]


def test_client_errors_reach_the_server_and_unknown_client_methods_are_refused():
    h, client, page, counter = setup()
    with capturedLogs("livefragments") as events:
        err = remoteError(h, page.counter.callRemote("boom"))
    assert err.type == "InternalError" and "in the client's log" in err.message
    assert [e["log_failure"].type for e in events if "log_failure" in e] == [KeyError]
    err = remoteError(h, page.counter.callRemote("nothing"))
    assert err.type == "NoSuchMethod"


def test_a_fragment_returned_from_a_call_arrives_as_a_new_widget_the_client_can_call():
    h, client, page, counter = setup()
    widget = resolve(h, counter.callRemote("spawn", 40))
    assert isinstance(widget, ClientCounter) and widget.args == [40]
    assert widget.parentId == 1 and 'data-lf-id="2"' in widget.markup
    assert resolve(h, widget.callRemote("increment")) == 41
    assert page.getWidget(2).parent is page.counter


def test_a_fragment_passed_as_an_argument_arrives_as_a_widget_and_then_as_a_ref():
    h, client, page, counter = setup()
    child = page.counter.addChild(Counter(5))
    assert child.id == 2
    got = []

    class Receiver(ClientCounter):
        @expose
        def take(self, widget):
            got.append(widget)
            return widget.id

    counter.__class__ = Receiver
    assert resolve(h, page.counter.callRemote("take", child)) == 2
    assert resolve(h, page.counter.callRemote("take", child)) == 2
    assert got[0] is got[1] and got[0].args == [5]


def test_detaching_on_the_server_detaches_all_children_on_both_sides():
    h, client, page, counter = setup()
    parent = page.counter
    kids = [parent.addChild(Counter(n)) for n in range(4)]
    for kid in kids:
        resolve(h, parent.callRemote("show", kid))
    assert set(client.widgets) == {0, 1, 2, 3, 4, 5}
    parent.detach()
    h.settle()
    assert set(page._widgets) == {0}
    assert all(k.page is None for k in kids), "every child, not every other one (nevow #12)"
    assert set(client.widgets) == {0}


def test_detaching_on_the_client_detaches_on_the_server():
    h, client, page, counter = setup()
    resolve(h, counter.detach())
    assert page.getWidget(1) is None and page.counter.page is None


def test_a_notification_runs_in_the_client_and_no_respond_comes_back():
    h, client, page, counter = setup()
    h.settle()
    received = page.channel.ack
    assert page.counter.notifyRemote("show", "hi") is True
    h.settle()
    assert counter.shown == ["hi"]
    assert page.channel.ack == received, "the client sent no message back, not even a respond"
    assert page.rpc.pendingCount == 0


def test_a_notification_to_a_closed_page_is_not_sent():
    h, client, page, counter = setup()
    fragment = page.counter
    page.close()
    assert fragment.notifyRemote("show", 1) is False


def test_a_shared_value_is_encoded_once_for_every_page_that_sends_it():
    h = Harness()
    clients = [h.openClient(), h.openClient()]
    h.settle()
    shared = Shared({"__lf__": "not a tag", "items": [1, "two"]})
    for page in h.pages:
        page.counter.notifyRemote("show", shared)
    encoded = shared.encoded
    for page in h.pages:
        page.counter.notifyRemote("show", shared)
    assert shared.encoded is encoded, "encoded once, then reused"
    h.settle()
    value = {"__lf__": "not a tag", "items": [1, "two"]}
    for client in clients:
        assert client.widgets[1].shown == [value, value], "arrives as the value, tags and all"


def test_the_pages_of_one_resource_flush_from_one_delayed_call_per_turn():
    h = Harness()
    clients = [h.openClient() for _ in range(3)]
    h.settle()
    before = len(h.clock.getDelayedCalls())
    for page in h.pages:
        page.counter.notifyRemote("show", "all")
    assert len(h.clock.getDelayedCalls()) == before + 1, "one call for the three pages"
    h.settle()
    assert [c.widgets[1].shown for c in clients] == [["all"]] * 3


def test_a_page_is_interactive_for_a_while_after_its_client_sends_a_message():
    h, client, page, counter = setup()
    h.settle()
    assert not page.interactive, "polling alone is watching"
    resolve(h, counter.callRemote("increment", 1))
    assert page.interactive
    h.clock.advance(page.settings.interactiveSeconds)
    assert not page.interactive


def test_a_shared_value_holding_a_widget_is_refused():
    h, client, page, counter = setup()
    with pytest.raises(TypeError, match="only JSON"):
        page.counter.notifyRemote("show", Shared([Counter()]))


def test_closing_fails_pending_calls_and_a_late_answer_is_not_sent():
    gate = Deferred()

    class Slow(Counter):
        @expose
        def slow(self):
            return gate

    h = Harness(pageClass=lambda: _pageWith(Slow()))
    client = h.openClient()
    page = h.pages[-1]
    clientSide = []
    client.widgets[1].callRemote("slow").addBoth(clientSide.append)
    h.settle()
    serverSide = []
    page.counter.callRemote("show", 1).addBoth(serverSide.append)
    page.close()
    assert serverSide[0].value.type == "ConnectionLost", "failed at once, not left hanging"
    waiting = page.channel.waitingCount
    gate.callback("too late")  # the shutdown race of nevow #84/#86: must be a no-op
    assert page.channel.waitingCount == waiting, "no respond is queued after the close"
    h.settle()
    assert page.state in (PageState.CLOSING, PageState.GONE)
    assert clientSide and isinstance(clientSide[0].value, ConnectionLost)


def test_a_call_that_overflows_the_queue_fails_at_once_like_the_ones_before_it():
    h, client, page, counter = setup(Settings(maxOutboundMessages=3))
    h.settle()
    calls = [page.counter.callRemote("show", n) for n in range(4)]
    assert not page.isLive, "the overflow closed the page"
    assert all(d.called for d in calls), "none waits for the page to be freed"
    failures = [resolve(h, d) for d in calls]
    assert [f.value.type for f in failures] == ["ConnectionLost"] * 4, "none is left hanging"


@pytest.mark.parametrize("answer", [[0, "yes", 1], [0], [0, False, {"type": 1}], "respond",
                                    [7, True, 1]])
def test_the_client_checks_the_shape_of_answers_and_a_malformed_one_ends_the_page(answer):
    h, client, page, counter = setup()
    h.settle()
    pending = counter.callRemote("later", None)
    page._send("respond", answer)  # the client's call 0 is not answered yet: the page's is
    failure = resolve(h, pending)
    assert client.state.value == "closed" and client.closeReason.type == "ProtocolError"
    assert failure.value.type in ("ConnectionLost", "ProtocolError")


def test_notify_on_disconnect_fires_with_the_reason_and_connection_hooks_run():
    h, client, page, counter = setup()
    assert page.counter.made == 1
    fired = []
    page.counter.notifyOnDisconnect().addCallback(fired.append)
    resolve(h, client.close())
    assert page.state is PageState.GONE
    assert fired and fired[0].message == "The client closed."
    assert page.counter.lostWith is fired[0]


def test_a_fragment_added_to_a_connected_page_gets_connection_made():
    h, client, page, counter = setup()
    late = page.counter.addChild(Counter())
    assert late.made == 1


def test_call_remote_on_a_fragment_without_a_page_fails_clearly():
    lonely = LiveFragment()
    failure = []
    lonely.callRemote("x").addErrback(failure.append)
    assert failure[0].value.type == "ConnectionLost"


def test_detaching_a_widget_twice_is_harmless_but_the_page_cannot_be_detached():
    h, client, page, counter = setup()
    resolve(h, counter.detach())
    assert resolve(h, client.callRemote(0, "detachWidget", 1)) is None
    assert remoteError(h, client.callRemote(0, "detachWidget", 0)).type == "BadArguments"
