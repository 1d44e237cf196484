"""Operational transformation for cell text (tests: tests/unit/test_ot.py, test_ot_convergence.py).

An operation is a sequence of components, each applied to the text left by the one before:
``Insert(at, text)`` or ``Delete(at, count)``. Positions and counts are Unicode code points
(Python ``str`` indexes; the JS twin converts). Operations are kept in one canonical form, so
equal effects compare equal and both languages emit identical JSON. The transform and the
client/server state machines are mirrored line for line in ``js/athena_nb/ot.js`` and checked
against ``tests/vectors/ot/``. ``docs/ot.md`` explains the rules.

Internally an operation is also held as a *traversal*: ``int > 0`` retains that many code
points, ``int < 0`` deletes ``-n``, ``str`` inserts; everything after the last item is kept.
"""

from ._client import SyncClient, SyncState
from ._diff import diff
from ._document import HistoryEntry, TextDocument
from ._ops import (
    Delete,
    Insert,
    MalformedOperation,
    Operation,
    OperationError,
    OperationOutOfRange,
    StaleVersion,
    SyncError,
    UnknownVersion,
    apply,
    compose,
    invert,
    opFromChange,
    transform,
    transformCursor,
    transformSelection,
)

__all__ = [
    "Delete",
    "HistoryEntry",
    "Insert",
    "MalformedOperation",
    "Operation",
    "OperationError",
    "OperationOutOfRange",
    "StaleVersion",
    "SyncClient",
    "SyncError",
    "SyncState",
    "TextDocument",
    "UnknownVersion",
    "apply",
    "compose",
    "diff",
    "invert",
    "opFromChange",
    "transform",
    "transformCursor",
    "transformSelection",
]
