"""``WorksheetFragment``: one viewer's live page of a hub (its cells are ``CellFragment``s,
cellfragment.py).

Tests: tests/unit/test_hub_web*.py, tests/integration/test_notebook_live.py.

``WorksheetFragment`` is one viewer of a ``WorksheetHub``: the hub tells it about every change
and it forwards them to its browser. Every exposed method that changes anything checks the
viewer's role first (``@editing``, _calls.py). What the hub tells every viewer goes to the
browsers as notifications: no answer comes back, so a viewer costs one request per batch of
changes, not two.
"""

from __future__ import annotations

import secrets
from html import escape

from twisted.logger import Logger

from livefragments import AccessEnded, BadArguments, LiveFragment

from ..kernel.pools import describePool
from ..store import MAX_TITLE
from ..systems import SYSTEM_NAMES
from ._calls import NotAllowed, WorksheetClosed, _button, answering, editing
from .cellfragment import CellFragment
from .deferral import InlineBudget
from .download import DOWNLOADS
from .historycalls import HistoryCalls
from .home import editLinkNote

log = Logger()

#: The toolbar's Files button and panel (js/athena_nb/files.js fills it; web/folder.py serves
#: it): a popover like the menus', but not one of them (it stays open while one works in it).
FILES_PANEL = (
    '<span class="nb-files"><button type="button" class="nb-button" data-files="toggle" '
    'aria-expanded="false" disabled>Files</button>'
    '<div class="nb-files-panel" role="region" aria-label="Files of this worksheet" hidden>'
    '<div class="nb-files-head"><button type="button" class="nb-button" data-files="upload" '
    'disabled>Upload files</button><input type="file" multiple hidden>'
    '<span class="nb-files-used"></span></div>'
    '<p class="nb-files-error" role="alert" hidden></p>'
    '<ul class="nb-files-uploads" aria-label="Uploads under way"></ul>'
    '<ul class="nb-files-list" aria-label="Files"></ul>'
    "<p class=\"nb-files-note\">The worksheet's directory, where its cells run: a cell reads "
    "a file by its name, <code>open('name')</code>. Drop files on the worksheet to upload "
    "them.</p></div></span>")

__all__ = ["CellFragment", "NotAllowed", "WorksheetClosed", "WorksheetFragment", "answering",
           "editing"]


#: The keys, under the cells of those who may edit them.
KEYS_HINT = (
    '<p class="nb-keys">Shift-Enter runs a cell and moves on, Ctrl-Enter runs it in place, '
    "Tab completes or indents, Shift-Tab or F1 on a name shows its help, Ctrl-F searches the "
    "cell and Ctrl-Shift-F the worksheet. "
    "Escape gives command mode, as in Jupyter: Enter edits, A and B add a cell, C, X and V "
    "copy, cut and paste cells (Shift-V above), D D deletes it, ↑ ↓ move between cells, "
    "Shift-↑ ↓ or a Shift-click select several (Ctrl-A all), which those keys then act on, "
    "Ctrl-Shift-↑ ↓ move the cell, M and Y make it text or code, Shift-M joins the next, O "
    "hides its output, Z brings back the cells deleted last, I I interrupts, 0 0 restarts, "
    "Tab leaves the cell; double-click or Enter edits a text cell.</p>")


class WorksheetFragment(HistoryCalls, LiveFragment):
    """One person's view of a worksheet; it is a viewer of the hub while its page lives."""

    jsClass = "athena_nb/worksheet.js:Worksheet"
    tagName = "main"

    def __init__(self, hub, identity, base: str):
        super().__init__()
        self.hub = hub
        self.identity = identity
        self.base = base
        self.viewerId = secrets.token_hex(8)
        self.cellFragments: dict[int, CellFragment] = {}
        self.joined = False
        self._sentKernel: dict | None = None  # the kernel state the viewer has
        # The page carries the outputs of its first cells only (deferral.py).
        budget = InlineBudget()
        for cell in hub.cells:
            if not cell.leaving:
                self._addCell(cell.id, not budget.take(cell), len(self.cellFragments) + 1)

    def _addCell(self, cellId: int, deferred: bool = False,
                 number: int | None = None) -> CellFragment:
        fragment = CellFragment(self, cellId, deferred, number)
        self.cellFragments[cellId] = fragment
        self.addChild(fragment)
        return fragment

    def join(self) -> None:
        """Become a viewer of the hub (the page is ready to send)."""
        self.hub.addViewer(self, self.identity.name, self.identity.role)
        self.joined = True

    def elementAttributes(self) -> dict[str, str]:
        return {"class": "nb-worksheet", "data-role": self.identity.role, "aria-busy": "true",
                "data-typeset": "true" if self.hub.typeset else "false"}

    def render(self) -> str:
        ro = not self.identity.canEdit()
        # What is used all the time, as buttons; the rest in the Download and ⋯ menus at the
        # end of the row, so that the toolbar is one row on a laptop's screen. A read-only
        # viewer gets only what they may use (as a cell's buttons, cellfragment.py); the
        # system stays in view, as the select the others change.
        toolbar = "" if ro else "".join(_button(label, action) for label, action in (
            ("Run all", "runAll"), ("Interrupt", "interrupt"), ("Restart", "restart"),
            ("Add cell", "addCell")))
        toolbar += _systemChoice(self.hub.system)
        # The kernel's state and its queue share one place in the row: the queue showing up
        # shortens the state's text, instead of pushing the row's end onto a second line.
        toolbar += ('<span class="nb-status"><span class="nb-kernel" role="status"></span>'
                    '<details class="nb-queue" hidden><summary>Queue</summary>'
                    '<ol aria-label="Run queue"></ol></details></span>'
                    + kernelNote(self.hub.kernelProtection, self.hub.kernelPools)
                    + ('<span class="nb-readonly">Read-only</span>' if ro else ""))
        menu = "" if ro else (
            _button("Run all stops at errors", "stopAtErrors", ' aria-pressed="true" title="Run '
                    'all stops at the first cell that ends in an error (on) or runs every cell '
                    '(off)"')
            + _button("Typeset maths", "typeset", ' aria-pressed="{}" title="Show LaTeX outputs '
                      'typeset (on) or as plain text (off), for everyone"'.format(
                          "true" if self.hub.typeset else "false"))
            + _button("Typeset every Sage result", "typesetResults", ' aria-pressed="{}" title="Sage '
                      'shows each value typeset (on), as the Sage notebook\'s Typeset box, or as '
                      'text (off); from the next run, for everyone. A cell\'s %display holds '
                      'over it"'.format("true" if self.hub.typesetResults else "false")))
        # A display preference of the browser (worksheet.js unlocks it for viewers too).
        menu += _button("Line numbers", "lineNumbers", ' aria-pressed="false"')
        menu += _button("Find in worksheet", "find", ' aria-keyshortcuts="Control+Shift+F" '
                        'title="Find (and replace) in every cell: Ctrl+Shift+F"')
        if not ro:
            menu += _button("Clear all outputs", "clearAll")
        downloads = "".join(f'<a href="download/{fmt}" download>{escape(label)}</a>'
                            for fmt, label, _ in DOWNLOADS)
        # The owner's links and publishing (share.js, the home page's panel, under the toolbar).
        share = _button("Share", "share", ' aria-expanded="false" title="Edit and view-only '
                        f'links, and a public snapshot" data-note="{escape(editLinkNote(self.hub.kernelProtection))}"'
                        ) if self.identity.isOwner else ""
        toolbar += ('<span class="nb-toolbar-end">' + share + FILES_PANEL
                    + _button("History", "history", ' aria-expanded="false" title="The worksheet '
                              'at any past moment: who changed what, diffs, restoring"')
                    + _menu(_button("Download", "downloads", _OPENS_MENU), downloads)
                    + _menu(_button("⋯", "more", _OPENS_MENU + ' aria-label="More worksheet '
                                    'actions"', kind="nb-button nb-more"), menu)
                    + "</span>")
        cells = "".join(self.renderChild(f) for f in self.cellFragments.values())
        return (
            '<header class="nb-header">'
            '<a class="nb-home" href="/">athena-nb</a>'
            f'<input class="nb-title" type="text" aria-label="Worksheet title" maxlength="500"'
            f' value="{escape(self.hub.title)}" readonly>'
            '<span class="nb-saved" role="status" data-saved="true">Saved</span>'
            '<ul class="nb-presence" aria-label="People viewing this worksheet"></ul>'
            "</header>"
            f'<div class="nb-toolbar" role="toolbar" aria-label="Worksheet">{toolbar}</div>'
            '<p class="nb-error" role="alert" hidden></p>'
            + filesQuotaBanner(self.hub.filesQuota.notice()) +
            f'<div class="nb-cells">{cells}</div>'
            + ("" if ro else KEYS_HINT)
        )

    def getInitialArguments(self) -> list:
        return [{
            "worksheetId": self.hub.worksheetId,
            "title": self.hub.title,
            "viewerId": self.viewerId,
            "name": self.identity.name,
            "role": self.identity.role,
            "canEdit": self.identity.canEdit(),
            "presence": self.hub.presence(),
            "kernel": self._initialKernel(),
            "typeset": self.hub.typeset,
            "typesetResults": self.hub.typesetResults,
            "system": self.hub.system,
            "base": self.base,
            "filesQuota": self.hub.filesQuota.notice(),  # also in the page: filesQuotaBanner
        }]

    # -- the hub tells us (Viewer) -----------------------------------------------------------

    def cellInserted(self, index: int, cell) -> None:
        fragment = self._addCell(cell.id)
        self.notifyRemote("insertCell", index, fragment)

    def cellRemoved(self, cellId: int) -> None:
        fragment = self.cellFragments.pop(cellId, None)
        if fragment is not None:
            fragment.detach()

    def cellMoved(self, cellId: int, index: int) -> None:
        self.notifyRemote("moveCell", cellId, index)

    def cellText(self, cell, op, version: int, siteId: str) -> None:
        fragment = self.cellFragments.get(cell.id)
        if fragment is not None:
            fragment.textChanged(cell, op, version, siteId)

    def cellCursor(self, cell, siteId: str, name: str, anchor: int, head: int,
                   version: int) -> None:
        fragment = self.cellFragments.get(cell.id)
        if fragment is not None and siteId != self.viewerId:
            fragment.notifyRemote("cursor", siteId, name, anchor, head, version)

    def cellChanged(self, cell) -> None:
        fragment = self.cellFragments.get(cell.id)
        if fragment is not None:
            fragment.changed()

    def interactChanged(self, cell, iid: str) -> None:
        fragment = self.cellFragments.get(cell.id)
        if fragment is not None:
            fragment.interacts.changed(iid)

    def cellKindChanged(self, cell) -> None:
        fragment = self.cellFragments.get(cell.id)
        if fragment is not None:
            fragment.kindChanged()

    def typesetChanged(self) -> None:
        self.notifyLatest("typeset", "setTypeset",
                          lambda: [self.hub.typeset, self.hub.typesetResults])

    def systemChanged(self) -> None:
        self.notifyLatest("system", "setSystem", lambda: [self.hub.system])

    def titleChanged(self, title: str) -> None:
        self.notifyLatest("title", "setTitle", lambda: [self.hub.title])

    def filesChanged(self) -> None:
        """Someone uploaded, renamed or deleted a file, or a cell wrote one: the page lists
        them again."""
        self.notifyLatest("files", "filesChanged", lambda: [])

    def filesQuotaChanged(self) -> None:
        """The worksheet's files passed their quota, or came back within it (filesquota.py):
        the page shows the sentence, or takes it away."""
        self.notifyLatest("filesQuota", "setFilesQuota", lambda: [self.hub.filesQuota.notice()])

    def historyNamed(self) -> None:
        """Someone named a version: an open History panel lists the names again (its other
        changes come with the edits that make them)."""
        self.notifyLatest("historyNames", "historyChanged", lambda: [])

    def presenceChanged(self, changes: list[dict]) -> None:
        self.notifyRemote("updatePresence", changes)

    def kernelChanged(self) -> None:
        """The kernel's state changed: the viewer's next send carries it (it often changes
        back at once, as cells run back to back: it settles, and a state the viewer has
        already is not sent again)."""
        self.notifyLatest("kernel", "setKernel", self._kernelUpdate, settle=True)

    def _initialKernel(self) -> dict:
        self._sentKernel = self.hub.kernelInfo()
        return self._sentKernel

    def _kernelUpdate(self) -> list | None:
        info = self.hub.kernelInfo()
        if info == self._sentKernel:
            return None
        self._sentKernel = info
        return [info]

    def hubClosed(self, reason: str) -> None:
        self.joined = False
        self.closeView(reason)

    def closeView(self, reason: str, final: bool = False) -> None:
        """Closes the page with ``reason``; ``final``: its access ended (no Reload offered)."""
        if self.page is not None:
            self.page.close((AccessEnded if final else WorksheetClosed)(reason))

    def connectionLost(self, reason) -> None:
        if self.joined:
            self.joined = False
            self.hub.removeViewer(self)

    # -- from the browser --------------------------------------------------------------------

    @answering
    def focus(self, cellId):
        """Presence: this viewer is now in cell ``cellId`` (None: in none)."""
        if cellId is not None and type(cellId) is not int:
            raise BadArguments(f"A cell id is an integer or null, not {cellId!r}.")
        self.hub.setFocus(self.viewerId, cellId)

    @editing
    def setTitle(self, title):
        if not isinstance(title, str) or not 0 < len(title.strip()) <= MAX_TITLE:
            raise BadArguments(f"A worksheet title is text of 1 to {MAX_TITLE} characters, "
                               "not counting spaces around it.")
        try:
            title.encode("utf-8")
        except UnicodeEncodeError:
            raise BadArguments("A worksheet title must be valid Unicode text.")
        return self.hub.setTitle(title, self.identity.name)

    @editing
    def addCell(self, index=None):
        """Insert an empty cell at ``index`` (default: the end); answers with its id."""
        return self.hub.insertCell(index, who=self.identity.name)

    @editing
    def restoreCell(self, cellId):
        """Bring back a cell deleted from this worksheet (its old id, as ``delete`` answered);
        answers with its new id."""
        if type(cellId) is not int:
            raise BadArguments(f"A deleted cell is named by its id, an integer, not {cellId!r}.")
        return self.hub.restoreCell(cellId, self.identity.name)

    @editing
    def unjoinCell(self, cellId):
        """Separate again a cell joined into the one above (its id, as ``joinNext``
        answered); answers with the id of the cell it is again."""
        if type(cellId) is not int:
            raise BadArguments(f"A joined cell is named by its id, an integer, not {cellId!r}.")
        return self.hub.unjoinCell(cellId, self.identity.name)

    @editing
    def runAll(self, pastErrors=False):
        if not isinstance(pastErrors, bool):
            raise BadArguments("Run all goes on past errors (true) or stops at the first "
                               f"(false), not {pastErrors!r}.")
        return self.hub.runAll(self.identity.name, pastErrors)

    @editing
    def interrupt(self):
        return self.hub.interrupt()

    @editing
    def restart(self):
        return self.hub.restart().addCallback(lambda _: None)

    @editing
    def clearAll(self):
        return self.hub.clearOutputs()

    @editing
    def setTypeset(self, on):
        return self.hub.setTypeset(on)

    @editing
    def setTypesetResults(self, on):
        return self.hub.setTypeset(on, results=True)

    @editing
    def setSystem(self, system):
        return self.hub.setSystem(system)


_OPENS_MENU = ' aria-expanded="false" aria-haspopup="true"'


def _menu(button: str, items: str) -> str:
    """A toolbar button and the menu it opens (menus.js), closed."""
    return f'<span class="nb-menu-host">{button}<div class="nb-menu" hidden>{items}</div></span>'


def filesQuotaBanner(notice: str | None) -> str:
    """Why the worksheet's cells cannot run while its files are past their quota (the page
    keeps it up to date: files.js), with a button that opens the Files panel."""
    return ('<p class="nb-files-over" role="alert"' + ("" if notice else " hidden") + '>'
            f'<span>{escape(notice or "")}</span> <button type="button" class="nb-button" '
            'data-files="open">Open the Files panel</button></p>')


def _systemChoice(system: str) -> str:
    """The worksheet's system, a locked choice as the buttons are (worksheet.js unlocks it for
    those who may change it)."""
    options = "".join(f'<option value="{name}"{" selected" if name == system else ""}>'
                      f"{escape(label)}</option>" for name, label in SYSTEM_NAMES.items())
    return ('<label class="nb-system" title="What cells run as when their first line names no '
            'mode (%python, %sh, %gp, ...), for everyone">System '
            f'<select data-action="system" disabled>{options}</select></label>')

def kernelNote(protection: dict | None, pools) -> str:
    """The worksheet page's one quiet note on its kernel, a word in the toolbar that opens two
    lists without script: what protects the kernel (``Isolation.summary()``; the word says
    "Sandboxed" or "Not sandboxed"), and the kernels the server keeps started ahead of need
    (``KernelPools``), with the memory they take, measured as the page is made."""
    lists = ""
    if protection:
        sandboxed = protection["sandboxed"]
        label = ("Sandboxed" if sandboxed else "Not sandboxed") + (
            "" if protection["network"] else ", no network")
        items = "".join(f"<li>{escape(line)}</li>" for line in protection["lines"])
        items += "".join(f'<li class="nb-protection-missing">{escape(line)}</li>'
                         for line in protection["warnings"])
        lists += ('<p class="nb-note-head">What protects this worksheet\'s kernel</p>'
                  f'<ul aria-label="What protects this worksheet\'s kernel">{items}</ul>')
        attribute = f' data-sandboxed="{str(sandboxed).lower()}"'
    else:
        label, attribute = "Kernels", ""
    if pools is not None:
        items = "".join(f"<li>{escape(describePool(summary))}</li>" for summary in pools.summary())
        lists += ('<p class="nb-note-head">Kernels this server keeps started</p>'
                  f'<ul aria-label="Kernels kept started">{items}</ul>')
    if not lists:
        return ""
    return (f'<details class="nb-protection"{attribute}>'
            '<summary title="What protects this worksheet\'s kernel, and the kernels this '
            f'server keeps started">{label}</summary><div class="nb-note">{lists}</div></details>')
