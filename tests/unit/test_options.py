"""The options both entry points share, the kernel limits they make, and password hashes."""

from __future__ import annotations

import io
import os
import re

import pytest
from twisted.python import usage

from athena_nb.kernel import KernelLimits
from athena_nb.options import (
    TOKEN_ENV,
    Options,
    checkPasswordHash,
    hashPassword,
    hashPasswordMain,
    verifyPassword,
)


def parse(*argv, environ=None):
    options = Options(environ={} if environ is None else environ)
    options.parseOptions(list(argv))
    return options


def test_defaults():
    """Port 8080 on 127.0.0.1, data in ~/.athena-nb, the Python kernel, WebSocket offered,
    a fresh random token."""
    options = parse()
    assert options["endpoint"] == "tcp:port=8080:interface=127.0.0.1"
    assert options["data-dir"] == os.path.expanduser("~/.athena-nb")
    assert options["system"] == "python"
    assert options["websocket"] is True and options["prefer-websocket"] is False
    assert len(options["token"]) >= 32
    assert parse()["token"] != options["token"]
    assert options["password-hash"] is None
    assert not options.secure()


def test_port_and_interface_make_the_endpoint_and_an_endpoint_overrides_them():
    assert parse("--port", "0")["endpoint"] == "tcp:port=0:interface=127.0.0.1"
    assert parse("-p", "9000", "-i", "::1")["endpoint"] == r"tcp:port=9000:interface=\:\:1"
    options = parse("--port", "1", "--endpoint", "ssl:8443:privateKey=k.pem")
    assert options["endpoint"] == "ssl:8443:privateKey=k.pem"
    assert options.secure()


@pytest.mark.parametrize("argv, words", [
    (["--port", "http"], "--port takes a TCP port number"),
    (["--port", "70000"], "between 0 (any free port) and 65535"),
    (["--system", "julia"], "--system must be one of auto, python, sage"),
    (["--cpu-seconds", "-1"], "0 (no limit) or more"),
    (["--memory-mb", "lots"], "--memory-mb takes a number of MiB"),
    (["--pool-size", "1000"], "between 0 and 64"),
    (["--token", "short"], "at least 16 characters"),
    (["--token", "has spaces in it, sadly"], "may only hold letters"),
    (["--password-hash", "plaintext"], "not in the form scrypt$"),
    (["--no-websocket", "--prefer-websocket"], "contradict"),
])
def test_bad_options_are_refused_with_a_sentence(argv, words):
    with pytest.raises(usage.UsageError, match=re.escape(words)):
        parse(*argv)


def test_the_data_dir_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert parse("--data-dir", "nb")["data-dir"] == str(tmp_path / "nb")


def test_a_fixed_token_comes_from_the_option_or_the_environment():
    token = "a-fixed-token-0123456789"
    assert parse("--token", token)["token"] == token
    assert parse(environ={TOKEN_ENV: token})["token"] == token
    assert parse("--token", token + "x", environ={TOKEN_ENV: token})["token"] == token + "x"


def test_limits_map_onto_the_kernel_limits_and_zero_turns_one_off():
    options = parse("--cpu-seconds", "30", "--memory-mb", "512", "--cell-timeout", "600",
                    "--output-cap", "5000")
    assert options.kernelLimits() == KernelLimits(
        cpuSeconds=30.0, memoryBytes=512 * 1024 * 1024, wallSeconds=600.0, outputChars=5000)
    off = parse("--memory-mb", "0", "--output-cap", "0").kernelLimits()
    assert (off.cpuSeconds, off.memoryBytes, off.wallSeconds, off.outputChars) == (
        None, None, None, None)
    assert parse().kernelLimits().memoryBytes == 4096 * 1024 * 1024


def test_websocket_flags():
    assert parse("--no-websocket")["websocket"] is False
    options = parse("--prefer-websocket")
    assert options["websocket"] is True and options["prefer-websocket"] is True


def test_password_hashes_verify_only_their_password():
    """A hash is salted (two hashes of one password differ) and self-describing."""
    first, second = hashPassword("s3cret"), hashPassword("s3cret")
    assert first != second and first.startswith("scrypt$16384$8$1$")
    assert checkPasswordHash(first) == first
    assert verifyPassword("s3cret", first) and verifyPassword("s3cret", second)
    assert not verifyPassword("s3cret ", first)
    assert not verifyPassword("s3cret", "not a hash")
    assert parse("--password-hash", first)["password-hash"] == first
    with pytest.raises(ValueError, match="must not be empty"):
        hashPassword("")


def test_the_hash_password_command_reads_stdin_and_prints_a_hash():
    out = io.StringIO()
    assert hashPasswordMain([], stdin=io.StringIO("hunter22\n"), stdout=out) == 0
    printed = out.getvalue().strip()
    assert verifyPassword("hunter22", printed)
    assert hashPasswordMain([], stdin=io.StringIO("\n"), stdout=io.StringIO()) == 1
