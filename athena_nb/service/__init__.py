"""The notebook server as a Twisted service.  Tests: tests/unit/test_service.py,
tests/unit/test_service_lifecycle.py, tests/integration/test_service.py.

``NotebookService`` (``_notebook``) is what both ``twistd athena-nb`` and ``athena-nb`` run; its
children are the parts of the server (``_parts``): the store, the kernel pool, the hubs and the
web site, started in that order and stopped in reverse.  ``_host`` holds what the server asks of
its host: the data directory, server.json, the process's limits; ``_lock``, the lock that keeps
a second server off a data directory.
"""

from ._host import (
    DATABASE,
    GC_YOUNG_THRESHOLD,
    NOFILE_CAP,
    SERVER_JSON,
    StartError,
    checkDatabase,
    makeDataDir,
    ownerOnlyFiles,
    raiseOpenFilesLimit,
    tuneGarbageCollector,
    writeServerJSON,
)
from ._lock import LOCK_FILE, DataDirLock
from ._notebook import NotebookService, kernelSystem
from ._parts import HubsService, KernelPoolService, Part, StoreService, WebService, serverURL

__all__ = [
    "DATABASE",
    "DataDirLock",
    "GC_YOUNG_THRESHOLD",
    "LOCK_FILE",
    "NOFILE_CAP",
    "SERVER_JSON",
    "HubsService",
    "KernelPoolService",
    "NotebookService",
    "Part",
    "StartError",
    "StoreService",
    "WebService",
    "checkDatabase",
    "kernelSystem",
    "makeDataDir",
    "ownerOnlyFiles",
    "raiseOpenFilesLimit",
    "serverURL",
    "tuneGarbageCollector",
    "writeServerJSON",
]
