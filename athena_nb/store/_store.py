"""``Store``: the store's interface, whose every call returns a Deferred and never blocks the reactor.

Tests: tests/unit/test_store_*.py, tests/integration/test_store_threaded.py.

Arguments are checked and copied (JSON encoded) here, on the caller's thread, so a bad argument
fails at once with a clear error and a caller mutating a dict after the call cannot change
what is saved. The work itself runs on the writer; see _writer.py for ordering and commits.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from typing import Any

from twisted.internet.defer import Deferred, fail

from . import _logged, _outputs, _reads, _search, _worksheets
from ._accesscalls import AccessCalls
from ._args import _cid, _deferred, _enum, _int, _json, _relative_path, _str, _title, _wid
from ._historycalls import HistoryCalls, _who
from ._model import CellKind, NewCell, OutputKind, RunState
from ._schema import open_database
from ._writer import ThreadWriter

MAX_KEY = 200
INTERRUPTED_NOTICE = "interrupted: server restarted"


def _rows(chunks: Iterable[tuple[OutputKind | str, Any]]) -> tuple[tuple[OutputKind, str], ...]:
    """Output chunks, each (kind, payload), checked and JSON encoded for the writer."""
    return tuple((_enum(OutputKind, kind, "kind of output"), _json(payload, "output payload"))
                 for kind, payload in chunks)


class Store(AccessCalls, HistoryCalls):
    """The notebook's storage. Make one with `Store.open(reactor, path)`.

    Every method returns a Deferred that fires on the reactor thread once the call's
    transaction has committed, in the order the calls were made.
    """

    def __init__(self, reactor: Any, writer: Any, path: str) -> None:
        self._reactor = reactor
        self._writer = writer
        self.path = path

    @classmethod
    def open(cls, reactor: Any, path: str | os.PathLike[str]) -> Deferred:
        """Open (creating or upgrading) the store at `path`; fires with the Store.

        Fails with a StoreOpenError subclass, leaving the file untouched, if the file is not a
        usable athena-nb database. `":memory:"` gives a private in-memory store.
        """
        try:
            path = os.fspath(path)
        except TypeError:
            return fail()
        writer = ThreadWriter(reactor, name=f"athena-nb store writer ({path})")
        opened = writer.start(lambda: open_database(path))
        return opened.addCallback(lambda _: cls(reactor, writer, path))

    @staticmethod
    def check(path: str | os.PathLike[str]) -> None:
        """Open (creating or upgrading) and close the store at `path` now, in this thread.

        For start-up checks before there is a reactor (twistd checks before it daemonizes);
        raises the same StoreOpenError subclasses as `open`.
        """
        open_database(os.fspath(path)).close()

    def close(self) -> Deferred:
        """Commit everything already asked for, then close; later calls fail StoreClosedError."""
        return self._writer.close()

    def _now(self) -> float:
        return self._reactor.seconds()

    # Worksheets

    @_deferred
    def create_worksheet(self, title: str = "Untitled", cells: Iterable[str] = ("",)) -> Deferred:
        """Create a worksheet holding one cell per text in `cells`; fires with its Worksheet."""
        texts = tuple(_str(text, "cell text") for text in cells)
        return self._writer.submit(
            _worksheets.create_worksheet, self._now(), secrets.token_hex(8), _title(title), texts
        )

    @_deferred
    def import_worksheet(self, title: str, cells: Iterable[NewCell],
                         metadata: dict[str, Any] | None = None) -> Deferred:
        """Create a worksheet whole, with its cells' kinds, outputs, counts and metadata, and
        its own metadata, in one transaction (nothing of it is stored if any of it fails);
        fires with its Worksheet."""
        rows = []
        for cell in cells:
            outputs = tuple((_enum(OutputKind, kind, "kind of output").value,
                             _json(payload, "output payload")) for kind, payload in cell.outputs)
            count = None if cell.execution_count is None else _int(cell.execution_count,
                                                                     "execution count")
            state = (RunState.ERROR if any(k == OutputKind.ERROR.value for k, _ in outputs)
                     else RunState.DONE if outputs or count is not None else RunState.IDLE)
            meta = None if not cell.metadata else _json(cell.metadata, "cell metadata")
            rows.append((_str(cell.text, "cell text"),
                         _enum(CellKind, cell.kind, "cell kind").value, outputs, state.value,
                         count, meta))
        pairs = tuple((_str(key, "metadata key"), _json(value, "metadata"))
                      for key, value in (metadata or {}).items())
        return self._writer.submit(_worksheets.import_worksheet, self._now(),
                                   secrets.token_hex(8), _title(title), tuple(rows), pairs)

    @_deferred
    def rename_worksheet(self, worksheet_id: str, title: str, *, who: str | None = None) -> Deferred:
        """Fires with the renamed Worksheet (its title stripped of surrounding spaces)."""
        return self._writer.submit(
            _logged.rename_worksheet, self._now(), _who(who), _wid(worksheet_id), _title(title)
        )

    @_deferred
    def trash_worksheet(self, worksheet_id: str) -> Deferred:
        """Move to the trash; fires with the Worksheet (`trashed_at` set)."""
        return self._writer.submit(_worksheets.trash_worksheet, self._now(), _wid(worksheet_id))

    @_deferred
    def restore_worksheet(self, worksheet_id: str) -> Deferred:
        """Take out of the trash; fires with the Worksheet."""
        return self._writer.submit(_worksheets.restore_worksheet, _wid(worksheet_id))

    @_deferred
    def delete_worksheet_forever(self, worksheet_id: str) -> Deferred:
        """Delete a trashed worksheet and everything in it; fires with None."""
        return self._writer.submit(_worksheets.delete_worksheet_forever, _wid(worksheet_id))

    @_deferred
    def list_worksheets(self, include_trashed: bool = False) -> Deferred:
        """Fires with a list of Worksheets, most recently modified first."""
        return self._writer.submit(_worksheets.list_worksheets, bool(include_trashed))

    @_deferred
    def search_worksheets(self, text: str, include_trashed: bool = False) -> Deferred:
        """Fires with (Worksheet, snippet) for each worksheet whose title or one cell holds
        every word of ``text`` (the last as a prefix), most recently modified first."""
        return self._writer.submit(_search.search_worksheets, _str(text, "search text")[:500],
                                   bool(include_trashed))

    @_deferred
    def get_worksheet(self, worksheet_id: str) -> Deferred:
        """Fires with the Worksheet, or fails NotFoundError."""
        return self._writer.submit(_reads.get_worksheet, _wid(worksheet_id))

    @_deferred
    def load_worksheet(self, worksheet_id: str) -> Deferred:
        """Fires with a WorksheetSnapshot: the worksheet, its cells in order with outputs and
        files, and its metadata, all read in one transaction."""
        return self._writer.submit(_reads.load_worksheet, _wid(worksheet_id))

    @_deferred
    def set_metadata(self, worksheet_id: str, key: str, value: Any) -> Deferred:
        """Set one JSON value in the worksheet's metadata; fires with None."""
        key = _str(key, "metadata key")
        if not key or len(key) > MAX_KEY:
            raise ValueError(f"A metadata key must have between 1 and {MAX_KEY} characters.")
        return self._writer.submit(
            _worksheets.set_metadata, self._now(), _wid(worksheet_id), key, _json(value, "metadata")
        )

    @_deferred
    def delete_metadata(self, worksheet_id: str, key: str) -> Deferred:
        """Fires with True if the key was there."""
        return self._writer.submit(
            _worksheets.delete_metadata, self._now(), _wid(worksheet_id), _str(key, "metadata key")
        )

    # Cells: structure and text

    @_deferred
    def get_cell(self, cell_id: int) -> Deferred:
        """Fires with the Cell, or fails NotFoundError."""
        return self._writer.submit(_reads.get_cell, _cid(cell_id))

    @_deferred
    def insert_cell(self, worksheet_id: str, index: int, text: str = "", *,
                    who: str | None = None) -> Deferred:
        """Insert a new idle cell so that it has `index` (0 .. number of cells); fires with it."""
        return self._writer.submit(
            _logged.insert_cell,
            self._now(),
            _who(who),
            _wid(worksheet_id),
            _int(index, "cell index"),
            _str(text, "cell text"),
        )

    @_deferred
    def insert_cell_above(self, cell_id: int, text: str = "", *,
                          kind: CellKind | str = CellKind.CODE,
                          who: str | None = None) -> Deferred:
        """Insert a new cell (code unless told `kind`) just above `cell_id`; fires with it."""
        return self._writer.submit(
            _logged.insert_cell_next_to, self._now(), _who(who), _cid(cell_id),
            _str(text, "cell text"), False, _enum(CellKind, kind, "cell kind").value,
        )

    @_deferred
    def insert_cell_below(self, cell_id: int, text: str = "", *,
                          kind: CellKind | str = CellKind.CODE,
                          who: str | None = None) -> Deferred:
        """Insert a new cell (code unless told `kind`) just below `cell_id`; fires with it."""
        return self._writer.submit(
            _logged.insert_cell_next_to, self._now(), _who(who), _cid(cell_id),
            _str(text, "cell text"), True, _enum(CellKind, kind, "cell kind").value,
        )

    @_deferred
    def delete_cell(self, cell_id: int, *, who: str | None = None) -> Deferred:
        """Delete the cell with its outputs; fires with the relative paths of its files, which
        the caller may now remove from disk."""
        return self._writer.submit(_logged.delete_cell, self._now(), _who(who), _cid(cell_id))

    @_deferred
    def restore_cell(
        self, worksheet_id: str, index: int, text: str, *, kind: CellKind | str = CellKind.CODE,
        state: RunState | str = RunState.IDLE, execution_count: int | None = None,
        ran_by: str | None = None, outputs: Iterable[tuple] = (), files: Iterable[str] = (),
        who: str | None = None,
    ) -> Deferred:
        """Put a deleted cell back at `index` whole (text, kind, a finished or idle run state,
        outputs as for append_outputs, file records) in one transaction; fires with the Cell."""
        state = _enum(RunState, state, "run state")
        if state in (RunState.QUEUED, RunState.RUNNING):
            raise ValueError(f"A restored cell cannot be {state}: it is not running any more.")
        if execution_count is not None:
            _int(execution_count, "execution count")
        if ran_by is not None:
            _str(ran_by, "name of who ran the cell")
        rows = _rows(outputs)
        return self._writer.submit(
            _logged.restore_cell, self._now(), _who(who), _wid(worksheet_id), _int(index, "cell index"),
            _str(text, "cell text"), _enum(CellKind, kind, "cell kind"), state, execution_count,
            ran_by, rows, tuple(_relative_path(p) for p in files),
        )

    @_deferred
    def move_cell(self, cell_id: int, index: int, *, who: str | None = None) -> Deferred:
        """Move the cell to `index` (0 .. number of cells - 1); fires with that index."""
        return self._writer.submit(
            _logged.move_cell, self._now(), _who(who), _cid(cell_id), _int(index, "cell index"),
            None,
        )

    @_deferred
    def move_cell_up(self, cell_id: int, *, who: str | None = None) -> Deferred:
        """Fires with the cell's new index; the first cell stays where it is."""
        return self._writer.submit(_logged.move_cell, self._now(), _who(who), _cid(cell_id),
                                   None, -1)

    @_deferred
    def move_cell_down(self, cell_id: int, *, who: str | None = None) -> Deferred:
        """Fires with the cell's new index; the last cell stays where it is."""
        return self._writer.submit(_logged.move_cell, self._now(), _who(who), _cid(cell_id),
                                   None, 1)

    @_deferred
    def split_cell(self, cell_id: int, at: int, *, who: str | None = None) -> Deferred:
        """Split the text at character offset `at`: the cell keeps text[:at] (version + 1) and
        its outputs; a new idle cell right after it gets text[at:] (version 0). One line break
        right at the split point is dropped (it becomes the boundary), so joining restores the
        text. Fires with (the cell, the new cell)."""
        return self._writer.submit(
            _logged.split_cell, self._now(), _who(who), _cid(cell_id), _int(at, "split point")
        )

    @_deferred
    def join_cell_with_next(self, cell_id: int, *, who: str | None = None) -> Deferred:
        """Append the next cell's text to this one's (joined by a newline when both are
        non-empty; version + 1) and delete the next cell with its outputs; fires with the Cell."""
        return self._writer.submit(_logged.join_cell_with_next, self._now(), _who(who),
                                   _cid(cell_id))

    @_deferred
    def set_cell_text(self, cell_id: int, text: str, version: int, *, op: Any = None,
                      who: str | None = None) -> Deferred:
        """Save the cell's text as `version`, which must be newer than the saved one; fires with
        None, or fails VersionConflictError. `op` (JSON, as ot's toJSON) is the edit that made
        `text` from the saved text: the history logs it instead of the whole text."""
        return self._writer.submit(
            _logged.set_cell_text,
            self._now(),
            _who(who),
            _cid(cell_id),
            _str(text, "cell text"),
            _int(version, "text version"),
            None if op is None else _json(op, "operation"),
        )

    @_deferred
    def set_cell_kind(self, cell_id: int, kind: CellKind | str, *,
                      who: str | None = None) -> Deferred:
        """Make the cell code or text (its text, outputs and run state stay); fires with the Cell."""
        return self._writer.submit(
            _logged.set_cell_kind, self._now(), _who(who), _cid(cell_id),
            _enum(CellKind, kind, "cell kind")
        )

    # Cells: running and output

    @_deferred
    def set_run_state(
        self,
        cell_id: int,
        state: RunState | str,
        *,
        execution_count: int | None = None,
        ran_by: str | None = None,
    ) -> Deferred:
        """Move the cell's run state (see RunState for what is allowed; RunStateError if not).
        `execution_count` and `ran_by` are stored when given and kept otherwise.
        Fires with the previous RunState."""
        state = _enum(RunState, state, "run state")
        if execution_count is not None:
            _int(execution_count, "execution count")
        if ran_by is not None:
            _str(ran_by, "name of who ran the cell")
        return self._writer.submit(
            _outputs.set_run_state, _cid(cell_id), state, execution_count, ran_by
        )

    @_deferred
    def append_outputs(
        self, cell_id: int, chunks: Iterable[tuple[OutputKind | str, Any]]
    ) -> Deferred:
        """Append output chunks, each (kind, JSON payload), after the cell's others; fires None."""
        rows = _rows(chunks)
        return self._writer.submit(_outputs.append_outputs, _cid(cell_id), rows)

    @_deferred
    def replace_outputs(
        self, cell_id: int, chunks: Iterable[tuple[OutputKind | str, Any]]
    ) -> Deferred:
        """Replace all of the cell's output chunks with `chunks`, in one transaction (file
        records stay); fires None. For outputs changed in place (display updates, clear_output)."""
        rows = _rows(chunks)
        return self._writer.submit(_outputs.replace_outputs, _cid(cell_id), rows)

    @_deferred
    def clear_outputs(self, cell_id: int) -> Deferred:
        """Remove the cell's outputs and file records; fires with the removed files' paths."""
        return self._writer.submit(_outputs.clear_outputs, _cid(cell_id))

    @_deferred
    def clear_worksheet_outputs(self, worksheet_id: str) -> Deferred:
        """Clear every cell of the worksheet; fires with the removed files' paths."""
        return self._writer.submit(_outputs.clear_worksheet_outputs, _wid(worksheet_id))

    @_deferred
    def record_file(self, cell_id: int, path: str) -> Deferred:
        """Record that the cell produced the file at `path`, relative to its worksheet's
        directory (recording a path twice keeps one record); fires with None."""
        return self._writer.submit(
            _outputs.record_file, self._now(), _cid(cell_id), _relative_path(path)
        )

    @_deferred
    def mark_running_cells_interrupted(self, notice: str = INTERRUPTED_NOTICE) -> Deferred:
        """For server start: every queued or running cell becomes interrupted and gets a notice
        output `{"text": notice}`. Fires with the ids of those cells."""
        notice_json = _json({"text": _str(notice, "notice")}, "notice")
        return self._writer.submit(_outputs.mark_running_cells_interrupted, notice_json)
