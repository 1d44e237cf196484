"""Errors the store raises; tested through tests/unit/test_store_open.py and test_store_cells.py.

Every message is a full sentence that names what was refused and why, so it can be shown to a
user or written to a log as-is.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every error the store raises on purpose."""


class StoreOpenError(StoreError):
    """The database file cannot be used; raised by `Store.open`, never after it.

    The file is left exactly as it was found: the store refuses before writing anything.
    """

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


class CorruptDatabaseError(StoreOpenError):
    """The file is not a SQLite database, or SQLite reports it damaged."""


class NewerSchemaError(StoreOpenError):
    """The file was written by a newer athena-nb whose schema this version does not know."""

    def __init__(self, path: str, message: str, found: int, known: int) -> None:
        super().__init__(path, message)
        self.found = found
        self.known = known


class ForeignDatabaseError(StoreOpenError):
    """The file is a SQLite database, but some other program's, not an athena-nb store."""


class MigrationError(StoreOpenError):
    """Upgrading an older database failed; the transaction was rolled back, the file is intact."""


class StoreClosedError(StoreError):
    """A call was made after `Store.close()`."""


class NotFoundError(StoreError, LookupError):
    """The worksheet or cell named in a call does not exist (any more)."""


class RunStateError(StoreError, ValueError):
    """A cell's run state was asked to make a transition its state machine refuses."""


class VersionConflictError(StoreError, ValueError):
    """Cell text was saved with a version that is not newer than the stored one."""


class WriteFailedError(StoreError):
    """SQLite failed a call or its commit; nothing that call asked for was saved."""


class LimitError(StoreError):
    """A call would pass a limit its caller set (e.g. the people one share link may admit);
    nothing was changed."""
