"""What the notebook server asks of its host: the data directory, server.json, the process's
open-files limit and garbage collector.  Tests: tests/unit/test_service.py.
"""

from __future__ import annotations

import gc
import json
import os
import tempfile

from twisted.logger import Logger

from ..store import Store, StoreOpenError

log = Logger()

DATABASE = "athena.sqlite"
SERVER_JSON = "server.json"
#: When the hard limit is "unlimited", raise the soft limit this far (Linux's usual nr_open).
NOFILE_CAP = 1 << 20
#: Allocations between two collections of the youngest generation (Python's default is 700).
GC_YOUNG_THRESHOLD = 10_000


class StartError(Exception):
    """The server could not start; the message says why in a sentence."""


def raiseOpenFilesLimit() -> tuple[int, int] | None:
    """Raise RLIMIT_NOFILE's soft limit to the hard one; return (old, new) soft limits."""
    try:
        import resource
    except ImportError:  # not a POSIX system
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = NOFILE_CAP if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft >= target:
        return soft, soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError) as e:
        log.warn("Could not raise the open-files limit from {soft} to {target}: {e}",
                 soft=soft, target=target, e=e)
        return soft, soft
    return soft, target


def tuneGarbageCollector() -> None:
    """Collect less often, and never scan what start-up left alive again.

    A server with hundreds of live pages keeps many long-lived objects, and every reactor turn
    allocates request objects: with Python's default thresholds, collections took a fifth of
    the server's CPU under fan-out load, with pauses up to 60 ms (docs/performance.md).
    Objects freed by reference counting (nearly all) are not affected.
    """
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def writeServerJSON(dataDir: str, info: dict) -> str:
    """Write ``<dataDir>/server.json`` atomically, readable by the owner only."""
    path = os.path.join(dataDir, SERVER_JSON)
    fd, temporary = tempfile.mkstemp(prefix=".server-", suffix=".json", dir=dataDir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(info, f, indent=2)
            f.write("\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return path


def removeServerJSON(dataDir: str) -> None:
    """Remove ``<dataDir>/server.json`` if it is there."""
    try:
        os.unlink(os.path.join(dataDir, SERVER_JSON))
    except FileNotFoundError:
        pass


def makeDataDir(dataDir: str) -> None:
    """Create ``dataDir`` if it is missing, and make it and the files the server keeps in it
    the owner's alone (0700, 0600: the store holds sessions and share links); raise
    StartError if that fails."""
    try:
        os.makedirs(dataDir, mode=0o700, exist_ok=True)
        if os.stat(dataDir).st_uid == os.getuid():
            os.chmod(dataDir, 0o700)
            for name in os.listdir(dataDir):
                path = os.path.join(dataDir, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    os.chmod(path, 0o600)
    except OSError as e:
        raise StartError(f"Cannot create the data directory {dataDir!r}: {e.strerror}.")


def ownerOnlyFiles() -> None:
    """Files the server (and its kernels) create from now on are the owner's alone: the
    database, twistd's log (it holds the URL with the token), worksheet files."""
    os.umask(0o077)


def checkDatabase(dataDir: str) -> None:
    """Open and check (creating or upgrading) the store in ``dataDir`` now, in this thread, and
    close it again; raise StartError with the store's sentence if it cannot be used.

    ``twistd`` calls this before it daemonizes, so a damaged database stops it with a message
    on the terminal and a failing exit status instead of a line in a log file.
    """
    makeDataDir(dataDir)
    try:  # the store's own opening code, run synchronously: the service opens it again, threaded
        Store.check(os.path.join(dataDir, DATABASE))
    except StoreOpenError as e:
        raise StartError(str(e))
