"""The notebook's storage: SQLite behind one writer thread, a Deferred for every call.

Tests: tests/unit/test_store_*.py, tests/integration/test_store_*.py.  Design: docs/storage.md.
Its public API speaks snake_case, like its SQL (docs/architecture.md, "Naming").
"""

from ._errors import (
    CorruptDatabaseError,
    ForeignDatabaseError,
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
    ShareLink,
    Worksheet,
    WorksheetSnapshot,
    allowed_transitions,
)
from ._schema import SCHEMA_VERSION
from ._store import INTERRUPTED_NOTICE, MAX_TITLE, Store

__all__ = [
    "INTERRUPTED_NOTICE",
    "MAX_TITLE",
    "SCHEMA_VERSION",
    "Cell",
    "CellKind",
    "CorruptDatabaseError",
    "ForeignDatabaseError",
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
]
