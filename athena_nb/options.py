"""Command-line options shared by ``twistd athena-nb`` and ``athena-nb``.  Tests: tests/unit/test_options.py.

One ``Options`` class parses both, so the two entry points take exactly the same flags.  Parsing
only checks and converts; nothing here touches the disk or the network, except that
``--token-file`` is read.

Secrets stay off the command line, where every user of the machine can read them (``ps``,
``/proc/<pid>/cmdline``): the token comes from ``--token-file`` or ``$ATHENA_NB_TOKEN``, and
``--token`` still works but leaves a warning in ``warnings``, which the entry points log.
``secretId()`` names the token and password the server runs with, without revealing them, so
that owner sessions made with earlier ones can be ended (web/auth.py).
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import os
import re
import secrets
import sys

from twisted.python import usage

from athena_nb.kernel import KernelLimits
from athena_nb.names import cleanName
from athena_nb.quotas import Quotas

TOKEN_ENV = "ATHENA_NB_TOKEN"
SYSTEMS = ("auto", "python", "sage")

# scrypt with n=2**14, r=8, p=1 takes about 50 ms and 16 MB: slow for a guesser, fine for a login.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_HASH = re.compile(r"^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$")


def hashPassword(password: str, *, salt: bytes | None = None) -> str:
    """A self-describing scrypt hash of ``password``: ``scrypt$n$r$p$salt$digest`` (base64)."""
    if not password:
        raise ValueError("The password must not be empty.")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    return "scrypt$%d$%d$%d$%s$%s" % (
        _SCRYPT["n"], _SCRYPT["r"], _SCRYPT["p"],
        base64.b64encode(salt).decode("ascii"), base64.b64encode(digest).decode("ascii"))


def checkPasswordHash(passwordHash: str) -> str:
    """Return ``passwordHash`` if it is one ``hashPassword`` makes, else raise ValueError."""
    match = _HASH.match(passwordHash)
    if match is None:
        raise ValueError(
            "The password hash is not in the form scrypt$n$r$p$salt$digest; "
            "make one with `athena-nb hash-password`.")
    n, r, p = (int(match.group(i)) for i in (1, 2, 3))
    if n < 2 or n & (n - 1) or n > 2**20 or not 1 <= r <= 32 or not 1 <= p <= 16:
        raise ValueError("The password hash has scrypt parameters out of the accepted range.")
    return passwordHash


def verifyPassword(password: str, passwordHash: str) -> bool:
    """Does ``password`` match ``passwordHash``?  Compares in constant time; slow on purpose."""
    match = _HASH.match(passwordHash)
    if match is None:
        return False
    n, r, p = (int(match.group(i)) for i in (1, 2, 3))
    salt, expected = base64.b64decode(match.group(4)), base64.b64decode(match.group(5))
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                            dklen=len(expected), maxmem=256 * 1024 * 1024)
    return hmac.compare_digest(digest, expected)


def _positive(kind, name: str, unit: str):
    """A converter for a limit where 0 means "no limit"."""

    def convert(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise usage.UsageError(f"--{name} takes a number of {unit}, not {text!r}.")
        if value < 0:
            raise usage.UsageError(f"--{name} must be 0 (no limit) or more, not {text}.")
        return value

    return convert


def _between(name: str, what: str, low: int, high: int, lowText: str = ""):
    """A converter for an integer from ``low`` to ``high``; ``lowText`` says what ``low`` means."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise usage.UsageError(f"--{name} takes {what}, not {text!r}.")
        if not low <= value <= high:
            raise usage.UsageError(
                f"--{name} must be between {low}{lowText} and {high}, not {value}.")
        return value

    return convert


_port = _between("port", "a TCP port number", 0, 65535, " (any free port)")
_poolSize = _between("pool-size", "a number of kernels", 0, 64)


def _escapeEndpoint(text: str) -> str:
    return text.replace("\\", "\\\\").replace(":", "\\:").replace("=", "\\=")


class Options(usage.Options):
    """Options of the notebook server."""

    synopsis = "[options]"
    longdesc = (
        "Run the athena-nb notebook server. Once it listens it prints the URL to open, "
        "token included.")

    optParameters = [
        ["port", "p", 8080, "TCP port to listen on (0 picks a free port).", _port],
        ["interface", "i", "127.0.0.1", "Address to listen on."],
        ["endpoint", "e", None,
         "A Twisted server endpoint string (e.g. tcp:8080:interface=0.0.0.0 or "
         "ssl:8443:privateKey=key.pem:certKey=cert.pem); overrides --port and --interface."],
        ["data-dir", "d", "~/.athena-nb", "Directory for the database and worksheet files."],
        ["system", None, "python",
         "Kernel system: python (the default), sage, or auto (sage when it imports, else python)."],
        ["kernel-python", None, None, "Python interpreter that runs kernels (default: this one)."],
        ["cpu-seconds", None, 0, "CPU seconds one cell may use (0: no limit).",
         _positive(float, "cpu-seconds", "seconds")],
        ["memory-mb", None, 4096, "Memory a kernel may allocate, in MiB (0: no limit).",
         _positive(int, "memory-mb", "MiB")],
        ["cell-timeout", None, 0, "Wall-clock seconds one cell may run (0: no limit).",
         _positive(float, "cell-timeout", "seconds")],
        ["output-cap", None, 1_000_000, "Characters of output one cell may produce (0: no limit).",
         _positive(int, "output-cap", "characters")],
        ["pool-size", None, 2, "Kernels of the server's system kept started ahead of need.",
         _poolSize],
        ["kernel-keep-minutes", None, 30,
         "Minutes a worksheet's kernel keeps its variables once nobody has the worksheet open "
         "and no cell runs (the home page's Running kernels stops one sooner).",
         _between("kernel-keep-minutes", "a number of minutes", 1, 10080)],
        ["sage-pool-size", None, None,
         "Sage kernels kept started for Sage worksheets when the server's system is python "
         "(default: 1 when Sage is installed, else 0; each takes a few hundred MiB).",
         _between("sage-pool-size", "a number of kernels", 0, 64)],
        ["token-file", None, None,
         f"Read the login token from this file (its first line); else ${TOKEN_ENV}, else a new "
         "random token at every start."],
        ["kernel-processes", None, 1024,
         "Processes and threads one kernel may have, all together (0: no limit).",
         _positive(int, "kernel-processes", "processes")],
        ["kernel-sandbox", None, "auto",
         "Run kernels under bubblewrap: auto (when it works here, else warn), require (refuse "
         "to start without it) or off."],
        ["kernel-network", None, "on",
         "Network for sandboxed kernels: on (the host's network) or off (none at all)."],
        ["token", "t", None,
         "Login token on the command line, where other users of the machine can read it; "
         "prefer --token-file."],
        ["password-hash", None, None,
         "Also accept a password at /login; the hash comes from `athena-nb hash-password`."],
        ["owner-name", None, "Owner",
         "The owner's name as the others see it: by their caret, in the list of who is "
         "there, in a worksheet's history (at most 60 characters)."],
        ["max-cells", None, 1000, "Cells one worksheet may have (0: no limit).",
         _positive(int, "max-cells", "cells")],
        ["max-worksheet-mb", None, 64,
         "Text and output one worksheet may hold together, in Mi characters (0: no limit).",
         _positive(int, "max-worksheet-mb", "Mi characters")],
        ["max-upload-mb", None, 100,
         "Size of one file uploaded to a worksheet's directory, in MiB (0: no limit).",
         _positive(int, "max-upload-mb", "MiB")],
        ["max-files-mb", None, 1024,
         "Size of all the files of one worksheet's directory together, in MiB: uploads that "
         "would pass it are refused, a kernel cannot write a larger file, and past it the "
         "worksheet's cells do not run until files are deleted (0: no limit).",
         _positive(int, "max-files-mb", "MiB")],
        ["max-link-sessions", None, 100, "People one share link may let in (0: no limit).",
         _positive(int, "max-link-sessions", "sessions")],
    ]

    def __init__(self, environ=None):
        super().__init__()
        self.environ = os.environ if environ is None else environ
        self["websocket"] = True
        self["allow-host"] = []
        #: Sentences the entry points log once logging runs (e.g. a token on the command line).
        self.warnings: list[str] = []
        self.tokenFixed = False

    def opt_allow_host(self, name):
        """Also answer to this host name (repeatable; '*': any name). On a loopback interface
        the server answers only to localhost, 127.0.0.1 and [::1] otherwise, so a page of
        another site cannot reach it through DNS rebinding."""
        self["allow-host"].append(name)

    def opt_websocket(self):
        """Pages connect over WebSocket, and over long-poll where a WebSocket cannot open (the
        default)."""
        self["websocket"] = True

    def opt_no_websocket(self):
        """Pages connect over long-poll only (plain HTTP requests, through any proxy)."""
        self["websocket"] = False

    def postOptions(self):
        try:
            self["owner-name"] = cleanName(self["owner-name"])
        except ValueError as e:
            raise usage.UsageError(f"--owner-name: {e}")
        if self["system"] not in SYSTEMS:
            raise usage.UsageError(
                f"--system must be one of {', '.join(SYSTEMS)}, not {self['system']!r}.")
        for name, choices in (("kernel-sandbox", ("auto", "require", "off")),
                              ("kernel-network", ("on", "off"))):
            if self[name] not in choices:
                raise usage.UsageError(
                    f"--{name} must be one of {', '.join(choices)}, not {self[name]!r}.")
        token = self._fixedToken()
        if token is not None and len(token) < 16:
            raise usage.UsageError(
                "The token must have at least 16 characters, so that it cannot be guessed.")
        if token is not None and not re.fullmatch(r"[A-Za-z0-9._~-]+", token):
            raise usage.UsageError(
                "The token may only hold letters, digits and the characters . _ ~ -, "
                "so that it can stand in a URL as it is.")
        self.tokenFixed = token is not None
        self["token"] = token if token is not None else secrets.token_urlsafe(24)
        if self["password-hash"] is not None:
            try:
                checkPasswordHash(self["password-hash"])
            except ValueError as e:
                raise usage.UsageError(str(e))
        self["data-dir"] = os.path.abspath(os.path.expanduser(self["data-dir"]))
        self.interfaceKnown = self["endpoint"] is None
        if self["endpoint"] is None:
            self["endpoint"] = "tcp:port=%d:interface=%s" % (
                self["port"], _escapeEndpoint(self["interface"]))

    def _fixedToken(self) -> str | None:
        """The token the owner chose: --token, --token-file or the environment (in that order
        of precedence; --token and --token-file together are refused), or None."""
        if self["token"] is not None and self["token-file"] is not None:
            raise usage.UsageError("--token and --token-file contradict each other; give one.")
        if self["token"] is not None:
            self.warnings.append(
                "The token was given with --token, so every user of this machine can read it "
                f"(ps, /proc); use --token-file or ${TOKEN_ENV} instead.")
            return self["token"]
        if self["token-file"] is not None:
            return self._readTokenFile(os.path.expanduser(self["token-file"]))
        return self.environ.get(TOKEN_ENV)

    def _readTokenFile(self, path: str) -> str:
        try:
            with open(path, encoding="utf-8") as f:
                token = f.readline().strip()
            mode = os.stat(path).st_mode
        except (OSError, UnicodeDecodeError) as e:
            raise usage.UsageError(f"Cannot read the token file {path!r}: "
                                   f"{getattr(e, 'strerror', None) or e}.")
        if not token:
            raise usage.UsageError(f"The token file {path!r} is empty; put the token on its "
                                   "first line.")
        if mode & 0o077:
            self.warnings.append(f"The token file {path!r} can be read by other users "
                                 f"(mode {mode & 0o777:o}); make it 600.")
        return token

    # -- what the options mean --------------------------------------------------------------

    def kernelLimits(self) -> KernelLimits:
        """The options' kernel limits (0 turns one off)."""
        return KernelLimits(
            cpuSeconds=self["cpu-seconds"] or None,
            memoryBytes=self["memory-mb"] * 1024 * 1024 or None,
            wallSeconds=self["cell-timeout"] or None,
            outputChars=self["output-cap"] or None,
            processes=self["kernel-processes"] or None,
            fileBytes=self["max-files-mb"] * (1 << 20) or None,
        )

    def quotas(self) -> Quotas:
        """The options' quotas on a worksheet (0 turns one off)."""
        return Quotas(maxCells=self["max-cells"] or None,
                      maxChars=self["max-worksheet-mb"] * (1 << 20) or None,
                      maxFileBytes=self["max-upload-mb"] * (1 << 20) or None,
                      maxFilesBytes=self["max-files-mb"] * (1 << 20) or None)

    def maxLinkSessions(self) -> int | None:
        return self["max-link-sessions"] or None

    def secretId(self) -> str:
        """Names the token (if fixed: a random one is new at every start, and changing it does
        not end sessions) and the password hash the server runs with; a digest that cannot be
        turned back into either.  Owner sessions carry it (web/auth.py)."""
        token = "random"
        if self.tokenFixed:
            token = hashlib.scrypt(self["token"].encode("utf-8"), salt=b"athena-nb owner secret",
                                   dklen=32, **_SCRYPT).hex()
        both = f"token:{token}\npassword:{self['password-hash'] or ''}"
        return hashlib.sha256(both.encode("utf-8")).hexdigest()[:32]

    def listeningInterface(self) -> str | None:
        """The address the server listens on, None if an --endpoint hides it."""
        return self["interface"] if getattr(self, "interfaceKnown", True) else None

    def secure(self) -> bool:
        """Does the endpoint speak TLS (so URLs are https and cookies Secure)?"""
        return self["endpoint"].split(":", 1)[0].lower() in ("ssl", "tls", "le", "lets")


def hashPasswordMain(argv=None, stdin=None, stdout=None) -> int:
    """``athena-nb hash-password``: read a password (twice on a terminal) and print its hash."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    if argv:
        print("Usage: athena-nb hash-password  (reads the password from the terminal or stdin)",
              file=sys.stderr)
        return 2
    if stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("The two passwords differ; nothing was printed.", file=sys.stderr)
            return 1
    else:
        password = stdin.readline().rstrip("\r\n")
    if not password:
        print("The password must not be empty.", file=sys.stderr)
        return 1
    print(hashPassword(password), file=stdout)
    print("Start the server with --password-hash '<that line>'.", file=sys.stderr)
    return 0
