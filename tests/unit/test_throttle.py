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
