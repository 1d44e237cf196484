"""The host names the server answers to (athena_nb/web/hosts.py): DNS rebinding is refused."""

import pytest

from athena_nb.options import Options
from athena_nb.web.hosts import HostCheck
from tests.support.webenv import TOKEN, Env


@pytest.mark.parametrize("host, allowed", [
    (b"127.0.0.1:8080", True),
    (b"localhost:8080", True),
    (b"LOCALHOST.", True),
    (b"[::1]:8080", True),
    (b"notebook.example:8080", True),
    (b"attacker.example:8080", False),
    (b"127.0.0.1.attacker.example", False),
    (b"[::1", False),
    (b"", False),
    (None, True),
])
def test_a_loopback_server_answers_to_loopback_names_and_the_allowed_ones(host, allowed):
    check = HostCheck.forServer("127.0.0.1", ["notebook.example"])
    assert check.allows(host) is allowed


def test_a_server_on_every_interface_checks_only_names_it_was_given():
    assert HostCheck.forServer("0.0.0.0", []) is None
    assert HostCheck.forServer(None, []) is None, "an --endpoint hides the address"
    check = HostCheck.forServer("0.0.0.0", ["lab.example"])
    assert check.allows(b"lab.example") and not check.allows(b"other.example")
    assert HostCheck.forServer("127.0.0.1", ["*"]) is None


def test_the_options_give_the_interface_unless_an_endpoint_hides_it():
    options = Options(environ={})
    options.parseOptions(["--allow-host", "a.example", "--allow-host", "b.example"])
    assert options["allow-host"] == ["a.example", "b.example"]
    assert options.listeningInterface() == "127.0.0.1"
    options = Options(environ={})
    options.parseOptions(["--endpoint", "tcp:8080"])
    assert options.listeningInterface() is None


def test_a_rebound_name_gets_a_403_saying_which_option_lets_it_in_and_no_login():
    env = Env(hosts=HostCheck.forServer("127.0.0.1", []))
    b = env.browser()
    assert b.form("/login", secret=TOKEN).code == 303, "our own name: in"
    evil = env.browser()
    answer = evil.request(b"POST", "/login", f"secret={TOKEN}".encode(),
                          headers={b"host": b"attacker.example:8080",
                                   b"origin": b"http://attacker.example:8080",
                                   b"content-type": b"application/x-www-form-urlencoded"})
    assert answer.code == 403 and evil.cookie is None
    assert b"does not answer to the name 'attacker.example'" in answer.body
    assert b"--allow-host attacker.example" in answer.body
