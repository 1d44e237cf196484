"""The store's data model: plain immutable records and the enums they use.

Tests: tests/unit/test_store_cells.py (run states) and the other test_store_* files.

Records are frozen and built in the writer thread, then handed to the reactor thread whole, so
no caller ever sees one half-filled or shares a mutable row with the writer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from ._errors import RunStateError


class RunState(enum.StrEnum):
    """Where a cell is in its run; stored as its value."""

    IDLE = "idle"
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    ERROR = "error"
    INTERRUPTED = "interrupted"


_FINISHED = frozenset({RunState.DONE, RunState.ERROR, RunState.INTERRUPTED})

# A cell is queued (or run at once when the kernel is free), runs, and finishes one way; a
# finished or idle cell can be run again; a queued cell can be dropped (back to idle, as when the
# kernel restarts) or interrupted. Staying in the same state is refused: it is always a caller bug.
_TRANSITIONS: dict[RunState, frozenset[RunState]] = {
    RunState.IDLE: frozenset({RunState.QUEUED, RunState.RUNNING}),
    RunState.QUEUED: frozenset({RunState.RUNNING, RunState.INTERRUPTED, RunState.IDLE}),
    RunState.RUNNING: _FINISHED,
}
for _state in _FINISHED:
    _TRANSITIONS[_state] = frozenset({RunState.QUEUED, RunState.RUNNING, RunState.IDLE})


def allowed_transitions(state: RunState) -> frozenset[RunState]:
    """The states a cell in `state` may move to next."""
    return _TRANSITIONS[state]


def check_transition(cell_id: int, old: RunState, new: RunState) -> None:
    """Raise RunStateError unless a cell may go from `old` to `new`."""
    if new not in _TRANSITIONS[old]:
        allowed = ", ".join(sorted(_TRANSITIONS[old]))
        raise RunStateError(
            f"Cell {cell_id} cannot go from {old} to {new}; from {old} it can only go to {allowed}."
        )


class CellKind(enum.StrEnum):
    """What a cell holds: code the kernel runs, or text (Markdown) shown rendered."""

    CODE = "code"
    TEXT = "text"


class OutputKind(enum.StrEnum):
    """What an output chunk is; its payload's shape is up to the notebook."""

    STREAM = "stream"
    DISPLAY = "display"
    RESULT = "result"
    ERROR = "error"
    FILE = "file"
    NOTICE = "notice"
    INPUT = "input"


class Role(enum.StrEnum):
    """What someone may do with a worksheet: the owner everything; a share link's holder edit
    and run (collaborator) or only watch (viewer) one worksheet."""

    OWNER = "owner"
    COLLABORATOR = "collaborator"
    VIEWER = "viewer"

    @property
    def canEdit(self) -> bool:
        return self is not Role.VIEWER


#: The roles a share link may give (never the owner's).
SHARE_ROLES = (Role.COLLABORATOR, Role.VIEWER)


@dataclass(frozen=True, slots=True)
class Worksheet:
    """A worksheet's own row; times are reactor seconds (Unix time on a real reactor)."""

    id: str
    title: str
    created: float
    modified: float
    trashed_at: float | None = None

    @property
    def trashed(self) -> bool:
        return self.trashed_at is not None


@dataclass(frozen=True, slots=True)
class Output:
    """One output chunk; `payload` is the decoded JSON value stored with it."""

    id: int
    kind: OutputKind
    payload: Any


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell as stored, with its outputs in order and the files its runs produced.

    `index` is the cell's 0-based place in its worksheet at the moment it was read.
    """

    id: int
    worksheet_id: str
    index: int
    text: str
    version: int
    state: RunState
    execution_count: int | None
    ran_by: str | None
    outputs: tuple[Output, ...] = ()
    files: tuple[str, ...] = ()
    kind: CellKind = CellKind.CODE
    #: What a notebook file said of the cell that this notebook does not use (Jupyter's
    #: metadata, attachments, id), kept to be written back on export; None if nothing.
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class NewCell:
    """A cell of a worksheet being imported whole (``Store.import_worksheet``): its outputs
    are (kind, JSON payload) chunks; it is stored done (error, if an output is one) when it
    has outputs or a count, else idle."""

    text: str
    kind: CellKind = CellKind.CODE
    outputs: tuple[tuple[OutputKind, Any], ...] = ()
    execution_count: int | None = None
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class WorksheetSnapshot:
    """A whole worksheet as `Store.load_worksheet` reads it, in one transaction."""

    worksheet: Worksheet
    cells: tuple[Cell, ...]
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Session:
    """A login session; `info` is the JSON object the web layer keeps with it."""

    id: str
    created: float
    last_seen: float
    info: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SessionEntry:
    """A login session as the owner's list shows it: ``key`` names it (the SHA-256 of its id,
    which is all the store keeps), never the id itself, which would let anyone in."""

    key: str
    created: float
    last_seen: float
    info: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ShareLink:
    """A capability for one worksheet and one role; revoked links stay listed."""

    token: str
    worksheet_id: str
    role: Role
    created: float
    revoked_at: float | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
