"""The ``Store``'s calls for reading a worksheet's history, naming versions and compacting
(a part of ``Store``). Tests: tests/unit/test_store_history.py.

The work runs in the writer thread (_history.py, _compaction.py); here the arguments are
checked on the caller's thread, as for every store call (_store.py). Recording is not here:
the calls that change a worksheet log themselves (_store.py, ``_history.logged``), and so does
``restore_version`` (_restore.py).
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred

from . import _compaction, _history, _restore
from ._args import _cid, _deferred, _int, _json, _str, _wid

#: How many log rows one compaction call looks at (about 0.3 s of the writer's time here).
COMPACT_ROWS = 1000
#: A version's name is at most this many characters.
MAX_NAME = 200


def _who(who: str | None) -> str | None:
    return None if who is None else _str(who, "name of who made the change")


class HistoryCalls:
    """History; mixed into ``Store``, whose ``_writer`` and ``_now`` it uses."""

    _writer: Any

    def _now(self) -> float:
        raise NotImplementedError

    @_deferred
    def history_info(self, worksheet_id: str) -> Deferred:
        """Fires with {"last": the last version, "first_time", "last_time", "names": [{"id",
        "version", "name", "who", "created", "outputs": bool}]}."""
        return self._writer.submit(_history.history_info, _wid(worksheet_id))

    @_deferred
    def history_at(self, worksheet_id: str, version: int) -> Deferred:
        """Fires with the worksheet as it was right after ``version`` (0 to the last): a dict
        {"version", "last", "time", "who", "change", "title", "cells": [{"id", "kind",
        "text", "by", "at"}]}; fails StoreError (a sentence) for a version out of range."""
        return self._writer.submit(_history.history_at, _wid(worksheet_id),
                                   _int(version, "version"))

    @_deferred
    def restore_version(self, worksheet_id: str, version: int, steps: Any, *,
                        cell: int | None = None, who: str | None = None) -> Deferred:
        """Restore ``version`` (of one ``cell``, or None: all of it) by running ``steps`` (the
        changes the hub planned, athena_nb/history.py: title, delete, text, kind, insert and
        move) in one transaction, logged as one version; if any step is refused nothing is
        kept. Fires with {"version": the last version, "inserted": the new Cells}."""
        checked = _restore.check_steps(steps)
        return self._writer.submit(_restore.restore, self._now(), _who(who), _wid(worksheet_id),
                                   _int(version, "version"), None if cell is None else _cid(cell),
                                   checked)

    @_deferred
    def name_version(self, worksheet_id: str, name: str, version: int | None = None, *,
                     who: str | None = None, outputs: Any = None) -> Deferred:
        """Name ``version`` (None: the last), keeping ``outputs`` (JSON, None: none) with it;
        fires with the name's record."""
        name = _str(name, "version's name").strip()
        if not 0 < len(name) <= MAX_NAME:
            raise ValueError(f"A version's name has 1 to {MAX_NAME} characters.")
        if version is not None:
            _int(version, "version")
        kept = None if outputs is None else _json(outputs, "outputs")
        return self._writer.submit(_history.name_version, self._now(), _wid(worksheet_id),
                                   version, name, _who(who), kept)

    @_deferred
    def named_outputs(self, worksheet_id: str, name_id: int) -> Deferred:
        """Fires with {"name", "version", "outputs"} of a snapshot kept with outputs."""
        return self._writer.submit(_history.named_outputs, _wid(worksheet_id),
                                   _int(name_id, "snapshot number"))

    @_deferred
    def compact_history(self, worksheet_id: str, before: float, window: float = 60.0,
                        limit: int = COMPACT_ROWS) -> Deferred:
        """Merge runs of one person's edits of one cell, older than ``before`` and at most
        ``window`` seconds long, into one version each, looking at ``limit`` rows at most (the
        next call goes on); fires with {"removed": rows gone, "done": nothing old is left}."""
        if not isinstance(before, (int, float)) or not isinstance(window, (int, float)):
            raise TypeError("The compaction's time and window must be numbers of seconds.")
        return self._writer.submit(_compaction.compact, _wid(worksheet_id), float(before),
                                   float(window), max(2, _int(limit, "row limit")))
