"""The notebook's storage: SQLite behind one writer thread, a Deferred for every call.

Tests: tests/unit/test_store_*.py, tests/integration/test_store_*.py.  Design: docs/storage.md.
Its public API speaks snake_case, like its SQL (docs/architecture.md, "Naming").
"""

from ._access import session_key
from ._args import MAX_TITLE
from ._errors import (
    CorruptDatabaseError,
    ForeignDatabaseError,
    LimitError,
    MigrationError,
    NewerSchemaError,
    NotFoundError,
    RunStateError,
    StoreClosedError,
    StoreError,
    StoreOpenError,
    VersionConflictError,
    WriteFailedError,
)
from ._model import (
    SHARE_ROLES,
    Cell,
    CellKind,
    NewCell,
    Output,
    OutputKind,
    Role,
    RunState,
    Session,
    SessionEntry,
    ShareLink,
    Worksheet,
    WorksheetSnapshot,
    allowed_transitions,
)
from ._schema import SCHEMA_VERSION
from ._store import INTERRUPTED_NOTICE, Store

__all__ = [
    "INTERRUPTED_NOTICE",
    "MAX_TITLE",
    "SCHEMA_VERSION",
    "Cell",
    "CellKind",
    "CorruptDatabaseError",
    "ForeignDatabaseError",
    "LimitError",
    "MigrationError",
    "NewerSchemaError",
    "NewCell",
    "NotFoundError",
    "Output",
    "OutputKind",
    "Role",
    "SHARE_ROLES",
    "RunState",
    "RunStateError",
    "Session",
    "SessionEntry",
    "ShareLink",
    "Store",
    "StoreClosedError",
    "StoreError",
    "StoreOpenError",
    "VersionConflictError",
    "Worksheet",
    "WorksheetSnapshot",
    "WriteFailedError",
    "allowed_transitions",
    "session_key",
]
