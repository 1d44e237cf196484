"""``FilesQuota``: one hub's watch over its worksheet directory's size, held to
``Quotas.maxFilesBytes`` (--max-files-mb), and what happens past it.

Tests: tests/unit/test_filesquota.py, tests/integration/test_filesquota.py.

Uploads are refused past the limit before anything is written (folder.py), and no file a kernel
writes can pass it (RLIMIT_FSIZE, kernel/limits.py ``fileBytes``); what is left is a cell that
writes many files.  So the directory is measured (``WorksheetFolder.usage``, in a thread: a
large directory takes a while) when the hub opens, when a run of a cell or of an interact ends,
when someone changes files through the Files panel or the API, and every ``checkSeconds`` while
a cell runs; never on a keystroke.  Measurements do not pile up: one at a time, and at most one
more after it for everything asked meanwhile.  The last one is kept.

Past the limit (or with more than ``MAX_ENTRIES`` files and folders, where the walk stops):

- every viewer is told once, and shows ``notice()``, a sentence with the size and the limit,
  until a measurement finds the directory within it again;
- the cells running are stopped (each gets the sentence as a notice; the kernel is interrupted,
  its queue dropped), and new runs of cells and interacts are refused with ``QuotaExceeded``
  (``checkRun``); %auto cells do not run when a kernel starts;
- what stays allowed is everything that makes room: deleting and renaming files in the Files
  panel (each measures again at once), editing, clearing outputs, restarting the kernel.

Refusing runs, and not only telling, is what stops one person from filling the server's disk a
cell at a time; the way out is the Files panel, which every editor has.  Files the panel does not
list (names starting with ``.``) count too, or hiding a file would escape the quota; the
sentence says how much of the size they hold, since only the server's owner can remove them.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger

from .folder import Usage, WorksheetFolder, megabytes
from .offreactor import offReactor
from .quotas import QuotaExceeded
from .store import RunState

log = Logger()

#: While a cell runs, its worksheet's directory is measured this often (seconds).
CHECK_SECONDS = 5.0
#: Files and folders one measurement walks at most; a directory holding more is over its quota.
MAX_ENTRIES = 100_000


class FilesQuota:
    """The size of ``hub``'s directory against its quotas' ``maxFilesBytes``; ``measure()``
    (default: ``WorksheetFolder.usage``) is called in a thread, off the reactor."""

    def __init__(self, hub, measure=None, checkSeconds: float = CHECK_SECONDS):
        self.hub = hub
        self.limit: int | None = hub.quotas.maxFilesBytes
        self.checkSeconds = checkSeconds
        self._measure = measure or (
            lambda: WorksheetFolder(hub.directory).usage(MAX_ENTRIES))
        #: the last measurement (None: none yet)
        self.usage: Usage | None = None
        self._measuring = False
        self._asked: list[Deferred] = []  # want a measurement that starts after they asked
        self._timer = None
        self._stopping = False  # the runs of this busy spell were stopped (once: see _stopRuns)
        self._closed = False

    # -- what the hub asks -----------------------------------------------------------------

    @property
    def over(self) -> bool:
        """Was the directory past its quota at the last measurement?"""
        usage = self.usage
        return (self.limit is not None and usage is not None
                and (usage.bytes > self.limit or not usage.complete))

    def notice(self) -> str | None:
        """What every viewer is shown while the directory is past its quota, else None."""
        if not self.over:
            return None
        usage = self.usage
        if not usage.complete:
            what = (f"This worksheet's directory holds more than {MAX_ENTRIES:,} files and "
                    "folders, more than a worksheet may have")
        else:
            used, most = self._sizes()
            what = (f"This worksheet's files take {used}, more than the {most} they may take "
                    "together")
        text = (f"{what}, so its cells cannot run: delete files in the Files panel to run "
                "them again.")
        if usage.unlisted:
            text += (f" {megabytes(usage.unlisted)} of it is in files whose names start with "
                     "'.', which the panel does not list; the server's owner can remove them.")
        return text

    def checkRun(self) -> None:
        """Let a run start, or raise QuotaExceeded: a short sentence, since the page shows
        ``notice()`` already (the REST API's callers get the way out in it too)."""
        if not self.over:
            return
        if self.usage.complete:
            used, most = self._sizes()
            amount = f"{used} of {most}"
        else:
            amount = f"more than {MAX_ENTRIES:,} files and folders"
        raise QuotaExceeded(f"Nothing was run: this worksheet's files are past their quota "
                            f"({amount}); delete files to run cells again.")

    def _sizes(self) -> tuple[str, str]:
        """The files' size and the limit, in MiB, or in bytes where those read alike."""
        used, most = megabytes(self.usage.bytes), megabytes(self.limit)
        if used == most:  # not "1 MiB, more than the 1 MiB"
            return f"{self.usage.bytes:,} bytes", f"{self.limit:,} bytes"
        return used, most

    # -- measuring ---------------------------------------------------------------------------

    def measure(self) -> Deferred:
        """Measure the directory again (a measurement under way is not enough: files may have
        changed since it started); fires with the ``Usage`` (None: no limit, or it failed)."""
        if self.limit is None:
            return succeed(None)
        d = Deferred()
        self._asked.append(d)
        if not self._measuring:
            self._start()
        return d

    def watch(self) -> None:
        """A cell may have started running (the kernel's state or queue changed): measure
        every ``checkSeconds`` while any runs.  Cheap: it only sets a timer, once."""
        if self.limit is not None and self._timer is None and not self._closed:
            self._timer = self.hub.reactor.callLater(self.checkSeconds, self._tick)

    def close(self) -> None:
        """The hub closes: no more timers, and measurements still under way change nothing."""
        self._closed = True
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None

    def _tick(self) -> None:
        self._timer = None
        if self.hub.busy:
            self.measure().addCallback(lambda _: self.watch() if self.hub.busy else None)

    def _start(self) -> None:
        asked, self._asked = self._asked, []
        self._measuring = True
        d = offReactor(self.hub.reactor, self._measure)
        d.addCallback(self._measured)
        d.addErrback(self._failed)
        d.addCallback(self._settled, asked)

    def _failed(self, failure) -> None:
        log.failure("Measuring the files of worksheet {id} failed", failure,
                    id=self.hub.worksheetId)

    def _settled(self, usage: Usage | None, asked: list[Deferred]) -> None:
        self._measuring = False
        if self._asked:
            self._start()
        for d in asked:
            d.callback(usage)

    def _measured(self, usage: Usage) -> Usage:
        before = self.notice()
        self.usage = usage
        if self._closed:
            return usage
        if self.notice() != before:
            self.hub.audience.tellLatest("filesQuota", lambda v: v.filesQuotaChanged())
        if not self.hub.busy:
            self._stopping = False
        elif self.over and not self._stopping:
            self._stopRuns()
        return usage

    def _stopRuns(self) -> None:
        """Stop what runs now, once while the kernel stays busy (a second SIGINT can break
        Sage's interfaces, kernel.py): the queued cells are taken out of the queue and the
        running ones interrupted, each saying why."""
        self._stopping = True
        notice, runner = self.notice(), self.hub.runner
        for cell in list(self.hub.cells):
            if cell.leaving:
                continue
            if cell.state is RunState.QUEUED:
                runner.cancel(cell)  # the banner says why (fragments.filesQuotaBanner)
            elif cell.state is RunState.RUNNING:
                runner.append(cell, {"type": "notice", "text": f"This cell was stopped: {notice}"})
                self.hub.cellChanged(cell)
        runner.interrupt().addErrback(
            lambda f: log.failure("Stopping the runs of worksheet {id} failed", f,
                                  id=self.hub.worksheetId))
