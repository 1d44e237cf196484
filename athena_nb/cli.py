"""The ``athena-nb`` command and ``twistd athena-nb``'s service maker.  Tests: tests/integration/test_service.py.

``athena-nb [options]`` runs the notebook in the foreground on the global reactor and prints one
line to stdout, the URL with its real port and token; logs go to stderr.  ``athena-nb
hash-password`` prints a password hash for ``--password-hash``; ``athena-nb run NOTEBOOK``
runs a notebook headless and saves it with its outputs (headless.py).  ``twistd athena-nb`` finds
``Options`` and ``makeService`` here through twisted/plugins/athena_nb_plugin.py; it logs the
URL with its token only where the log is the terminal (``twistd -n`` without ``--logfile``),
and otherwise without it (the whole URL is in ``<data-dir>/server.json``, the owner's alone).

Both take the token out of the process's environment once it is read, so that nothing the
server starts (kernels) inherits it, and log the options' warnings.
"""

from __future__ import annotations

import os
import sys

from twisted.python import usage

from .options import TOKEN_ENV, Options, hashPasswordMain

__all__ = ["Options", "main", "makeService"]


def makeService(options):
    """For twistd: check the data directory (no other server on it) and the database before
    daemonizing, then make the service."""
    from twisted.internet import reactor
    from twisted.logger import Logger

    from .service import (
        DataDirLock,
        NotebookService,
        StartError,
        checkDatabase,
        makeDataDir,
        ownerOnlyFiles,
    )

    ownerOnlyFiles()  # before twistd opens its log
    lock = DataDirLock(options["data-dir"])
    try:
        makeDataDir(options["data-dir"])
        lock.acquire()  # held while the database is checked: it may upgrade it
        try:
            checkDatabase(options["data-dir"])
        finally:
            lock.release()
    except StartError as e:
        raise SystemExit(f"athena-nb cannot start: {e}")
    log = Logger(namespace="athena_nb")
    announce = None
    if _logsToTerminal(options):
        def announce(url: str) -> None:
            log.info("Open the notebook at {url}", url=url)
    service = NotebookService(options, reactor=reactor, announce=announce)
    _forgetSecrets(options, log)

    def failed(failure):
        log.error("athena-nb cannot start: {why}", why=_whyNotStarted(failure))
        if service.running:  # else it is stopping already
            reactor.stop()

    service.ready.addErrback(failed)
    return service


def _logsToTerminal(options) -> bool:
    """Does ``twistd`` (whose options are ``options.parent``) log to the terminal?"""
    twistd = getattr(options, "parent", None)
    if twistd is None or twistd.get("syslog") or twistd.get("logger"):
        return False
    logfile = twistd.get("logfile")
    return logfile == "-" or (bool(twistd.get("nodaemon")) and not logfile)


def _forgetSecrets(options, log) -> None:
    """Log the options' warnings, and take the token out of the environment that kernels
    inherit."""
    for warning in options.warnings:
        log.warn("{warning}", warning=warning)
    os.environ.pop(TOKEN_ENV, None)


def _whyNotStarted(failure) -> str:
    """The sentence that says why the server could not start; an unexpected error's traceback
    goes to the log first."""
    from .service import StartError
    from .store import StoreOpenError

    if failure.check(StartError, OSError, StoreOpenError):
        return failure.getErrorMessage()
    from twisted.logger import Logger

    Logger(namespace="athena_nb").failure("Starting failed", failure)
    return "an unexpected error; the lines above say more."


def _startLogging() -> None:
    from twisted.logger import (
        FilteringLogObserver,
        LogLevel,
        LogLevelFilterPredicate,
        globalLogBeginner,
        textFileLogObserver,
    )

    observer = FilteringLogObserver(textFileLogObserver(sys.stderr),
                                    [LogLevelFilterPredicate(defaultLogLevel=LogLevel.info)])
    globalLogBeginner.beginLoggingTo([observer], redirectStandardIO=False)


def main(argv: list[str] | None = None) -> int:
    """Run the notebook server in the foreground until interrupted; return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["hash-password"]:
        return hashPasswordMain(argv[1:])
    if argv[:1] == ["run"]:
        from .headless import main as runMain

        return runMain(argv[1:])
    options = Options()
    try:
        options.parseOptions(argv)
    except usage.UsageError as e:
        # The reason alone, where it is seen (the options are 60 lines: --help shows them).
        print(f"athena-nb: {e}\nathena-nb --help lists the options.", file=sys.stderr)
        return 2

    from twisted.internet import reactor

    from .service import NotebookService, ownerOnlyFiles

    ownerOnlyFiles()
    _startLogging()
    from twisted.logger import Logger

    _forgetSecrets(options, Logger(namespace="athena_nb"))
    status = {"code": 0}

    def announce(url: str) -> None:
        print(url, flush=True)

    def failed(failure):
        status["code"] = 1
        print(f"athena-nb cannot start: {_whyNotStarted(failure)}", file=sys.stderr, flush=True)
        if service.running:  # else it is stopping already
            reactor.stop()

    service = NotebookService(options, reactor=reactor, announce=announce)
    service.ready.addErrback(failed)
    reactor.callWhenRunning(service.startService)
    reactor.addSystemEventTrigger("before", "shutdown", service.stopService)
    reactor.run()
    return status["code"]


if __name__ == "__main__":
    sys.exit(main())
