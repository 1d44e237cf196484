"""What an output event does beyond the cell it is shown in, for the runner (a cell's run) and
for interacts (a control's run): a file the code made or changed is recorded with its cell and
every Files panel is told, and a display shown with a ``display_id`` again (or updated) is
shown anew in every display with that id, in any cell, as Jupyter does.

Tests: tests/unit/test_hub_display.py, tests/unit/test_hub_run.py, tests/unit/test_interacts.py.
"""

from __future__ import annotations

from .cells import CellModel


def recordFile(runner, cell: CellModel, path: str) -> None:
    """A run of ``cell`` (or of one of its interacts) made or changed file ``path``."""
    runner.hub.audience.tell(lambda viewer: viewer.filesChanged())  # their Files panels
    if path not in cell.files:
        cell.files.append(path)
        runner.store.record_file(cell.id, path).addErrback(
            runner.storeFailed, f"recording the file {path!r} of cell {cell.id}")


def updateDisplays(runner, event: dict) -> None:
    """Show ``event``'s bundle in every display with its id, in any cell."""
    hub = runner.hub
    for cell in hub.cells:
        if cell.leaving:
            continue
        indices = cell.displaysWith(event["displayId"])
        before = cell.outputChars
        for index in indices:
            cell.replaceOutput(index, event)
        hub.size.grew(cell.outputChars - before)
        if indices:
            runner.scheduleFlush()
            hub.cellChanged(cell)
