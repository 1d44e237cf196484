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
from athena_nb.quotas import Quotas


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
    assert options["websocket"] is True
    assert len(options["token"]) >= 32
    assert parse()["token"] != options["token"]
    assert options["password-hash"] is None
    assert not options.secure()
    assert options["pool-size"] == 2
    assert options["sage-pool-size"] is None  # the server decides: 1 with Sage, else 0
    assert parse("--sage-pool-size", "0")["sage-pool-size"] == 0


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
    (["--sage-pool-size", "-1"], "--sage-pool-size must be between 0 and 64"),
    (["--sage-pool-size", "one"], "--sage-pool-size takes a number of kernels"),
    (["--token", "short"], "at least 16 characters"),
    (["--token", "has spaces in it, sadly"], "may only hold letters"),
    (["--password-hash", "plaintext"], "not in the form scrypt$"),
    (["--token", "a-fixed-token-0123456789", "--token-file", "t"], "--token and --token-file"),
    (["--token-file", "/no/such/file"], "Cannot read the token file '/no/such/file'"),
    (["--max-cells", "many"], "--max-cells takes a number of cells"),
    (["--max-worksheet-mb", "-5"], "0 (no limit) or more"),
    (["--max-link-sessions", "x"], "--max-link-sessions takes a number of sessions"),
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
        cpuSeconds=30.0, memoryBytes=512 * 1024 * 1024, wallSeconds=600.0, outputChars=5000,
        fileBytes=1 << 30)
    off = parse("--memory-mb", "0", "--output-cap", "0").kernelLimits()
    assert (off.cpuSeconds, off.memoryBytes, off.wallSeconds, off.outputChars) == (
        None, None, None, None)
    assert parse().kernelLimits().memoryBytes == 4096 * 1024 * 1024


def test_max_files_mb_is_also_the_largest_file_a_kernel_may_write():
    assert parse("--max-files-mb", "3").kernelLimits().fileBytes == 3 << 20
    assert parse("--max-files-mb", "0").kernelLimits().fileBytes is None


def test_websocket_flags():
    assert parse("--no-websocket")["websocket"] is False
    assert parse("--no-websocket", "--websocket")["websocket"] is True


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


def test_the_token_comes_from_a_file_and_on_the_command_line_it_is_warned_about(tmp_path):
    """--token-file keeps the token off the command line (other users see that); --token still
    works, with a warning; a file others may read is warned about too."""
    path = tmp_path / "token"
    path.write_text("a-token-from-a-file-0123\nignored\n")
    path.chmod(0o600)
    options = parse("--token-file", str(path))
    assert options["token"] == "a-token-from-a-file-0123" and options.warnings == []
    assert options.tokenFixed
    path.chmod(0o644)
    assert "can be read by other users (mode 644)" in parse("--token-file", str(path)).warnings[0]
    options = parse("--token", "a-fixed-token-0123456789")
    assert "every user of this machine can read it" in options.warnings[0]
    assert "--token-file" in options.warnings[0]
    assert parse(environ={TOKEN_ENV: "an-env-token-0123456789"}).warnings == []
    assert not parse().tokenFixed
    path.write_text("\n")
    with pytest.raises(usage.UsageError, match="is empty"):
        parse("--token-file", str(path))


def test_the_secret_id_changes_with_a_fixed_token_or_the_password_but_not_a_random_token():
    """Owner sessions carry it: a new token or password ends them, a restart with a new random
    token does not.  It does not contain the token."""
    random1, random2 = parse().secretId(), parse().secretId()
    assert random1 == random2
    fixed = parse(environ={TOKEN_ENV: "a-fixed-token-0123456789"})
    other = parse(environ={TOKEN_ENV: "another-token-0123456789"})
    assert len({random1, fixed.secretId(), other.secretId()}) == 3
    assert fixed.secretId() == parse(environ={TOKEN_ENV: "a-fixed-token-0123456789"}).secretId()
    assert "a-fixed-token" not in fixed.secretId()
    withPassword = parse("--password-hash", hashPassword("pw"))
    assert withPassword.secretId() != random1


def test_quotas_come_from_the_options_and_zero_turns_one_off():
    assert parse().quotas() == Quotas(maxCells=1000, maxChars=64 << 20)
    assert parse().maxLinkSessions() == 100
    options = parse("--max-cells", "0", "--max-worksheet-mb", "2", "--max-link-sessions", "0",
                    "--max-upload-mb", "0", "--max-files-mb", "3")
    assert options.quotas() == Quotas(maxCells=None, maxChars=2 << 20, maxFileBytes=None,
                                      maxFilesBytes=3 << 20)
    assert options.maxLinkSessions() is None
    assert parse().quotas().maxFileBytes == 100 << 20
    assert parse().quotas().maxFilesBytes == 1 << 30


def test_a_kernel_keeps_its_variables_half_an_hour_after_its_worksheet_is_left():
    """JupyterLab keeps a kernel until it is shut down; a shared server cannot keep every
    one for ever: the hubs close a worksheet's kernel this long after nobody has it open."""
    from athena_nb.service._notebook import NotebookService

    assert parse()["kernel-keep-minutes"] == 30
    options = parse("--kernel-keep-minutes", "5")
    hubs = NotebookService(options)._defaultHubs(None, None, None, "/tmp")
    assert hubs.lingerSeconds == 300
    with pytest.raises(usage.UsageError, match="between 1 and 10080"):
        parse("--kernel-keep-minutes", "0")


def test_the_command_says_why_it_refused_the_options_and_not_all_of_them(capsys):
    from athena_nb.cli import main

    assert main(["--token", "short"]) == 2
    said = capsys.readouterr().err
    assert said.startswith("athena-nb: The token must have at least 16 characters")
    assert "--help" in said and len(said.splitlines()) == 2


def test_the_owner_name_is_a_display_name():
    assert parse()["owner-name"] == "Owner"
    assert parse("--owner-name", "  Ms.   Rivera ")["owner-name"] == "Ms. Rivera"
    with pytest.raises(usage.UsageError, match="--owner-name: Please enter a display name"):
        parse("--owner-name", "   ")
