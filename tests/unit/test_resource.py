"""Rendering live pages and refusing bad transport requests with clear 4xx answers.

Every bad request leaves the other pages of the server working (``assertOthersServed``).
"""

import re

import pytest
from twisted.internet.defer import Deferred

from livefragments import CSP, PageState, Settings
from livefragments._json import loads
from tests.support.logs import capturedLogs, failures
from tests.support.pages import DemoPage, Harness, RawPage


def error(answers, code):
    assert len(answers) == 1
    assert answers[0].code == code, (answers[0].code, answers[0].body)
    assert answers[0].headers["content-type"] == ["application/json"]
    err = loads(answers[0].body)["error"]
    assert err["message"].endswith(".") and len(err["message"]) > 20, "a full sentence"
    return err


def assertOthersServed(h):
    other = RawPage(h)
    answer = other.post([-1, [[0, ["call", [0, 1, "increment", [], {}]]]]])
    h.settle()
    assert loads(answer[0].body)[:2] == [0, [[0, ["respond", [0, True, 1]]]]]


def test_every_get_renders_a_new_page_with_fresh_unguessable_ids():
    h = Harness()
    one, two = RawPage(h), RawPage(h)
    assert one.page is not two.page
    assert one.boot["clientId"] != two.boot["clientId"]
    assert len(one.boot["clientId"]) >= 32 and len(one.boot["csrf"]) >= 32
    assert one.boot["transport"] == f"/demo/{one.boot['clientId']}/transport"


def test_the_page_sets_a_strict_session_cookie_and_security_headers():
    """The page (in a plain twisted.web Site) carries the strict policy, forms posting only
    here, and is never framed, sniffed, cached or named in other sites' Referer."""
    h = Harness()
    raw = RawPage(h)
    headers = raw.response.headers
    cookie = headers["set-cookie"][0]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert headers["content-security-policy"] == [CSP]
    assert "script-src 'self'" in CSP and "form-action 'self'" in CSP
    assert "frame-ancestors 'none'" in CSP and headers["x-frame-options"] == ["DENY"]
    assert headers["x-content-type-options"] == ["nosniff"]
    assert headers["referrer-policy"] == ["same-origin"]
    assert headers["cache-control"] == ["no-store"]


def test_the_boot_block_lists_widgets_and_the_page_loads_the_runtime():
    h = Harness()
    raw = RawPage(h)
    widgets = raw.boot["widgets"]
    assert [(w["id"], w["parent"], w["jsClass"]) for w in widgets] == [
        (0, None, "livefragments/widget.js:Page"), (1, 0, "demo/counter.js:Counter")]
    assert widgets[1]["args"] == [0]
    html = raw.response.body.decode()
    assert '<body data-lf-id="0"><div data-lf-id="1"></div></body>' in html
    assert re.search(r'<script type="module" src="/static/[0-9a-f]{16}/livefragments/runtime.js">', html)


def test_a_boot_block_value_cannot_end_the_script_tag():
    nasty = "</script><script>alert(1)</script><!-- \u2028\u2029 &amp;"

    def page():
        made = DemoPage()
        made.counter.value = nasty
        return made

    raw = RawPage(Harness(pageClass=page))
    html = raw.response.body.decode()
    assert html.count("<script") == 2, "the boot block and the runtime, nothing injected"
    assert "<!--" not in html and "\u2028" not in html and "\u2029" not in html
    assert raw.boot["widgets"][1]["args"] == [nasty], "escaped, the value arrives unchanged"


def test_a_second_get_in_the_same_session_keeps_the_session():
    h = Harness()
    raw = RawPage(h)
    got = []
    h.http.request(b"GET", "/demo/", {b"cookie": raw.cookie.encode()}, None).addBoth(got.append)
    assert "set-cookie" not in got[0].headers
    assert h.pages[-1].sessionId == h.pages[0].sessionId


def test_unknown_page_id_is_404_with_reload():
    h = Harness()
    answers = []
    h.http.request(b"POST", "/demo/nonesuch/transport", {}, b"[-1,[]]").addBoth(answers.append)
    err = error(answers, 404)
    assert err["type"] == "NoSuchPage" and err["reload"] is True
    assertOthersServed(h)


def test_get_on_the_transport_is_405():
    h = Harness()
    raw = RawPage(h)
    answers = []
    h.http.request(b"GET", raw.boot["transport"], {}, None).addBoth(answers.append)
    assert error(answers, 405)["type"] == "MethodNotAllowed"
    assert answers[0].headers["allow"] == ["POST"]


def test_missing_csrf_token_is_403_and_nothing_is_processed():
    h = Harness()
    raw = RawPage(h)
    answers = raw.post([-1, [[0, ["call", [0, 1, "record", ["x"], {}]]]]], csrf=False)
    assert error(answers, 403)["type"] == "Forbidden"
    assert raw.page.counter.log == []
    assertOthersServed(h)


def test_wrong_csrf_token_is_403():
    h = Harness()
    raw = RawPage(h)
    answers = raw.post([-1, []], csrf=False, headers={b"x-lf-csrf": b"guess"})
    assert error(answers, 403)["type"] == "Forbidden"


def test_csrf_token_in_the_body_is_accepted_for_beacons():
    h = Harness()
    raw = RawPage(h)
    answers = raw.post([-1, [[0, ["call", [0, 1, "increment", [], {}]]]], {"csrf": raw.boot["csrf"]}],
                       csrf=False)
    h.settle()
    assert loads(answers[0].body)[0] == 0


def test_another_sessions_cookie_is_403():
    h = Harness()
    raw, other = RawPage(h), RawPage(h)
    answers = raw.post([-1, []], cookie=False, headers={b"cookie": other.cookie.encode()})
    assert error(answers, 403)["type"] == "Forbidden"


def test_wrong_origin_is_403_and_own_origin_is_fine():
    h = Harness()
    raw = RawPage(h)
    answers = raw.post([-1, []], origin="http://evil.example")
    err = error(answers, 403)
    assert "http://evil.example" in err["message"]
    ok = raw.post([-1, [[0, ["call", [0, 1, "increment", [], {}]]]]], origin="http://127.0.0.1:8080")
    h.settle()
    assert ok[0].code == 200


def test_allowed_origins_setting_admits_another_origin():
    h = Harness(Settings(allowedOrigins=("https://proxy.example",)))
    raw = RawPage(h)
    answer = raw.post([-1, [[0, ["call", [0, 1, "increment", [], {}]]]]], origin="https://proxy.example")
    h.settle()
    assert answer[0].code == 200


def test_malformed_json_is_400_and_the_page_lives_on():
    h = Harness()
    raw = RawPage(h)
    err = error(raw.post(b"[-1, [}"), 400)
    assert err["type"] == "ProtocolError" and "not strict JSON" in err["message"]
    assert raw.page.state is not PageState.GONE
    assertOthersServed(h)


@pytest.mark.parametrize("depth", [65, 1000, 100_000])
def test_json_nested_too_deeply_is_400_with_a_sentence(depth):
    """A fuzzer's envelope nested ~1,000 deep got a 500 (RecursionError); now any nesting past
    the limit is a protocol error, said in a sentence, and the page lives."""
    h = Harness()
    raw = RawPage(h)
    nested = b"[-1, [[0, [\"call\", [0, 1, \"record\", [" + b"[" * depth + b"]" * depth + b"], {}]]]]]"
    err = error(raw.post(nested), 400)
    assert err["type"] == "ProtocolError"
    assert err["message"].endswith("nests arrays and objects more than 64 deep.")
    assert raw.page.state is not PageState.GONE
    assertOthersServed(h)


def test_nan_is_not_json():
    h = Harness()
    raw = RawPage(h)
    assert "NaN" in error(raw.post(b"[NaN, []]"), 400)["message"]


def test_wrong_envelope_shapes_are_400():
    h = Harness()
    raw = RawPage(h)
    for bad in ({"ack": 1}, [-1], [-2, []], ["0", []], [-1, {}], [-1, [[0]]],
                [-1, [[0, ["call"]]]], [-1, [[-1, ["call", []]]]], [-1, [[0, [1, []]]]],
                [True, []], [-1, [], "options"]):
        err = error(raw.post(bad), 400)
        assert err["type"] == "ProtocolError", bad
    assert raw.page.state is not PageState.GONE
    assertOthersServed(h)


def test_an_impossible_ack_closes_the_page():
    h = Harness()
    raw = RawPage(h)
    err = error(raw.post([5, []]), 400)
    assert "only messages up to -1 were sent" in err["message"] and err["reload"] is True
    assert raw.page.state is PageState.GONE
    assertOthersServed(h)


def test_an_unknown_action_closes_the_page_with_400_as_any_protocol_fault():
    h = Harness()
    raw = RawPage(h)
    answers = raw.post([-1, [[0, ["explode", []]]]])
    h.settle()
    err = error(answers, 400)
    assert err["type"] == "ProtocolError" and "'explode'" in err["message"] and err["reload"]
    assert raw.page.state is PageState.GONE


def test_oversize_body_is_413_and_closes_the_page():
    h = Harness(Settings(maxMessageBytes=1000))
    raw = RawPage(h)
    big = [-1, [[0, ["call", [0, 1, "record", ["x" * 2000], {}]]]]]
    err = error(raw.post(big), 413)
    assert err["type"] == "MessageTooLarge" and "limit of 1000" in err["message"]
    assert raw.page.state is PageState.GONE and raw.page.counter.log == []
    assertOthersServed(h)


def test_too_many_held_messages_close_the_page():
    h = Harness(Settings(maxHeldMessages=3))
    raw = RawPage(h)
    gap = [[seq, ["call", [None, 1, "record", [seq], {}]]] for seq in range(1, 6)]
    err = error(raw.post([-1, gap]), 400)
    assert "held" in err["message"]
    assert raw.page.state is PageState.GONE


def test_a_session_keeps_at_most_max_pages_live():
    h = Harness(Settings(maxPagesPerSession=2))
    first = RawPage(h)
    for _ in range(2):
        got = []
        h.http.request(b"GET", "/demo/", {b"cookie": first.cookie.encode()}, None).addBoth(got.append)
    assert first.page.state is PageState.GONE
    assert len(h.resource.pages) == 2


def test_a_browser_that_leaves_before_its_page_is_made_gets_no_page():
    """The factory's Deferred is cancelled when the connection is lost: nothing registered,
    nothing written to the closed connection, nothing logged as a failure."""
    made = Deferred()
    first = [made]
    h = Harness(pageClass=lambda: first.pop() if first else DemoPage())
    h.http.request(b"GET", "http://127.0.0.1:8080/demo/", {}, None)
    with capturedLogs() as logged:
        assert h.http.dropAll() == 1
        made.callback(DemoPage())  # the factory finishes after all
        h.settle()
    assert h.resource.pages == {}
    assert failures(logged) == []
    assertOthersServed(h)
