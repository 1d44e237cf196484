"""Login throttling: wrong guesses counted per client and in all over a window of time."""

from twisted.internet.task import Clock

from athena_nb.web.throttle import OVERALL, PER_CLIENT, WINDOW, LoginThrottle
from tests.support.webenv import TOKEN, Env


def test_a_client_that_guessed_too_often_waits_until_its_oldest_guess_leaves_the_window():
    clock = Clock()
    throttle = LoginThrottle(clock)
    for _ in range(PER_CLIENT):
        assert throttle.wait("10.0.0.1") == 0
        throttle.failed("10.0.0.1")
        clock.advance(1)
    assert throttle.wait("10.0.0.1") == WINDOW - PER_CLIENT
    assert throttle.wait("10.0.0.2") == 0, "another client is not held back by this one"
    clock.advance(WINDOW - PER_CLIENT)
    assert throttle.wait("10.0.0.1") == 0


def test_many_clients_together_are_held_back_by_the_overall_limit():
    clock = Clock()
    throttle = LoginThrottle(clock)
    for i in range(OVERALL):
        throttle.failed(f"10.0.{i // 250}.{i % 250}")
    assert throttle.wait("192.0.2.1") == WINDOW
    clock.advance(WINDOW)
    assert throttle.wait("192.0.2.1") == 0
    assert throttle._clients == {} and not throttle._all, "nothing is kept past the window"


def test_the_eleventh_wrong_token_is_refused_at_once_unchecked_even_if_it_is_right():
    env = Env()
    b = env.browser()
    for _ in range(PER_CLIENT):
        assert b.form("/login", secret="wrong-wrong-wrong").code == 403
    refused = b.form("/login", secret=TOKEN)
    assert refused.code == 429
    assert b"Too many wrong tokens or passwords were tried; try again in" in refused.body
    assert int(refused.headers["retry-after"][0]) > 0
    assert b.cookie is None
    link = b.get(f"/?token={TOKEN}")
    assert link.code == 429 and b.cookie is None, "the token URL counts too"
    env.clock.advance(WINDOW)
    assert b.form("/login", secret=TOKEN).code == 303 and b.cookie is not None


def test_guesses_sent_all_at_once_are_counted_before_their_slow_check():
    """A password is checked in a thread: guesses sent together all passed the throttle while
    the first ones were being checked. Each is counted as it comes, and a right one is not."""
    from twisted.internet.defer import Deferred

    from athena_nb.options import hashPassword

    env = Env(passwordHash=hashPassword("right horse battery"))
    pending = []

    def slowly(f, *args):
        d = Deferred()
        pending.append((d, f, args))
        return d

    env.auth._runInThread = slowly
    answers = [env.http.request(b"POST", "/login", {
        b"content-type": b"application/x-www-form-urlencoded",
        b"origin": b"http://127.0.0.1:8080"}, b"secret=guess%d" % n) for n in range(30)]
    env.writer.flush()
    assert len(pending) == PER_CLIENT, "only ten guesses reach the check"
    for d, f, args in pending:
        d.callback(f(*args))
    codes = sorted(env.settle(a).code for a in answers)
    assert codes == [403] * PER_CLIENT + [429] * (30 - PER_CLIENT)
    env.clock.advance(WINDOW)
    pending.clear()
    attempt = env.http.request(b"POST", "/login", {
        b"content-type": b"application/x-www-form-urlencoded",
        b"origin": b"http://127.0.0.1:8080"}, b"secret=right+horse+battery")
    env.writer.flush()
    (d, f, args), = pending
    d.callback(f(*args))
    assert env.settle(attempt).code == 303
    throttle = env.site.resource.places[b"login"].throttle
    assert not throttle._clients, "the right one does not count"
