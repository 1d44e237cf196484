"""A worksheet's cells as the hub holds them in memory.

Tests: tests/unit/test_hub.py, tests/unit/test_hub_web.py.

A cell is its text (an ``ot.TextDocument``, the one authority for that text), its run state and
its output log. The output log is a list of events as the kernel produced them (see
docs/kernels.md for their shapes), appended to while the cell runs. Viewers are sent the part
of the log they have not seen yet; the log is replaced, never edited, when outputs are cleared
(``generation`` counts those replacements, so a viewer can tell a reset from an append).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from . import interactmodel
from .ot import TextDocument
from .quotas import storedSize
from .render import renderLatexOutput, renderMarkdown, renderTextCell, typesetHtml
from .store import Cell, CellKind, RunState
from .terminal import fold

#: Jupyter's order of preference among the MIME types of one bundle (the richest first); the
#: browser shows the first it can (js/athena_nb/outputs.js). A bundle keeps every one of these
#: it came with (text, or any JSON value for application/json), also those the browser does
#: not render yet, so a renderer added later finds them stored; other types are dropped.
MIME_ORDER = ("application/json", "text/html", "text/markdown", "text/latex", "image/svg+xml",
              "image/png", "image/jpeg", "text/plain")
#: An input() prompt is cut to this many characters.
MAX_PROMPT = 10_000
#: What a password's answer is shown as (the answer itself is never kept).
HIDDEN_ANSWER = "••••••"
#: A bundle's metadata (image sizes, say) bigger than this is dropped.
MAX_METADATA = 10_000
#: LaTeX output longer than this is not typeset (it is shown as its source): typeset math can
#: be many times the size of its source, and every page that shows the output is sent it.
MAX_LATEX_OUTPUT = 100_000


def eventFromStore(kind: str, payload) -> dict:
    """A stored output row as an output event."""
    if kind == "display" and isinstance(payload, dict) and "interact" in payload:
        return interactmodel.fromStored(payload) or {"type": "display", "data": payload.get("data") or {}}
    event = dict(payload) if isinstance(payload, dict) else {"value": payload}
    event["type"] = str(kind)
    if "math" not in event and "markdown" not in event:  # stored before outputs were rendered
        withMath(event)
    return event


def withMath(event: dict) -> dict:
    """``event`` with the typeset HTML of its ``text/latex`` under ``math``, the HTML of its
    ``text/markdown`` under ``markdown`` (sanitised) and, when its ``text/html`` has
    mathematics, that HTML with it typeset under ``htmlMath`` (made here, once, on the server;
    every viewer and published snapshot shows the same)."""
    data = event.get("data")
    if not isinstance(data, dict) or event.get("type") not in ("display", "result", "update"):
        return event
    latex, markdown = data.get("text/latex"), data.get("text/markdown")
    if isinstance(latex, str) and len(latex) <= MAX_LATEX_OUTPUT:
        event["math"] = renderLatexOutput(latex)
    if isinstance(markdown, str):
        event["markdown"] = renderMarkdown(markdown)
    html = data.get("text/html")
    if isinstance(html, str):
        typeset = typesetHtml(html)
        if typeset is not html:
            event["htmlMath"] = typeset
    return event


def cleanEvent(event: dict) -> dict | None:
    """The kernel event ``event`` reduced to what the notebook keeps, or None to drop it."""
    kind = event.get("type")
    if kind == "stream":
        name = "stderr" if event.get("name") == "stderr" else "stdout"
        text = event.get("text")
        return {"type": "stream", "name": name, "text": text} if isinstance(text, str) and text else None
    if kind in ("display", "result", "update"):
        return _cleanBundle(kind, event)
    if kind == "clear":
        return {"type": "clear", "wait": bool(event.get("wait"))}
    if kind == "error":
        return {"type": "error", "ename": str(event.get("ename", "Error")),
                "evalue": str(event.get("evalue", "")), "traceback": str(event.get("traceback", ""))}
    if kind == "file":
        path = event.get("path")
        if not isinstance(path, str) or not path:
            return None
        file = {"type": "file", "path": path, "change": str(event.get("change", "created"))}
        if event.get("preview") is False:  # the cell shows a picture already (kernel/worker.py)
            file["preview"] = False
        return file
    if kind == "notice":
        return {"type": "notice", "text": str(event.get("text", ""))}
    if kind == "input":
        return {"type": "input", "prompt": str(event.get("prompt", ""))[:MAX_PROMPT],
                "password": bool(event.get("password"))}
    if kind == "interact":  # it cleans the interact's own outputs with cleanEvent
        return interactmodel.clean(event)
    return None


def _cleanBundle(kind: str, event: dict) -> dict | None:
    data = event.get("data")
    if not isinstance(data, dict):
        return None
    kept = {m: v for m, v in data.items() if m in MIME_ORDER
            and (isinstance(v, str) or (m == "application/json" and v is not None))}
    displayId = event.get("displayId")
    if kind == "update" and not isinstance(displayId, str):
        return None
    if not kept and not isinstance(displayId, str):  # an empty display may be updated later
        return None
    clean = {"type": kind, "data": kept}
    metadata = event.get("metadata")
    if isinstance(metadata, dict) and metadata and len(json.dumps(metadata, default=str)) <= MAX_METADATA:
        clean["metadata"] = metadata
    if isinstance(displayId, str) and kind != "result":
        clean["displayId"] = displayId
    return withMath(clean)


def compact(events: list[dict]) -> list[dict]:
    """``events`` with runs of stream text of the same stream merged (the log keeps pieces), and
    the text that carriage returns overwrite taken out (``terminal.fold``: what the browser
    shows stays the same, and a progress bar is stored as one line)."""
    out: list[dict] = []
    for event in events:
        last = out[-1] if out else None
        if (event["type"] == "stream" and last is not None and last["type"] == "stream"
                and last["name"] == event["name"]):
            out[-1] = dict(last, text=last["text"] + event["text"])
        else:
            out.append(event)
    for i, event in enumerate(out):
        if event["type"] == "stream" and "\r" in event["text"]:
            out[i] = dict(event, text=fold(event["text"]))
    return out


def numbered(events: list[dict], start: int = 0) -> list[dict]:
    """Copies of ``events`` carrying their index ``n`` in the log (HTML outputs are fetched by it)."""
    return [dict(event, n=n) for n, event in enumerate(events, start)]


def chunksOf(events: list[dict]) -> list[tuple]:
    """Output events as the store's chunks, stream pieces merged."""
    return [("display", interactmodel.storedPayload(e)) if e["type"] == "interact"
            else (e["type"], {k: v for k, v in e.items() if k != "type"}) for e in compact(events)]


def compactNumbered(events: list[dict]) -> list[dict]:
    """The whole log for a viewer that starts now: numbered, then stream runs merged."""
    return compact(numbered(events))


def htmlOf(event: dict) -> str | None:
    """The HTML an output event carries, if any (shown in a sandboxed frame)."""
    if event.get("type") in ("display", "result"):
        html = event.get("htmlMath") or event.get("data", {}).get("text/html")
        return html if isinstance(html, str) else None
    return None


@dataclass(eq=False)
class CellModel:
    """One cell in the hub's memory; the hub alone changes it."""

    id: int
    doc: TextDocument
    kind: CellKind = CellKind.CODE
    state: RunState = RunState.IDLE
    count: int | None = None
    ranBy: str | None = None
    outputs: list[dict] = field(default_factory=list)
    generation: int = 0
    files: list[str] = field(default_factory=list)
    #: Output events not yet written to the store (written in batches).
    unstored: list[dict] = field(default_factory=list)
    #: Counts runs; output of an older run that arrives late is dropped.
    runId: int = 0
    #: The kernel request of the current run (None when idle or still waiting for a kernel).
    request: object = None
    #: Set when the cell is on its way out (deleted, or joined into the one above).
    leaving: bool = False
    #: Counts outputs replaced in place (display updates); ``replaced`` maps the index of
    #: each output replaced in this generation to the revision that last replaced it.
    revision: int = 0
    replaced: dict = field(default_factory=dict)
    #: The outputs were replaced or cleared during the run: the store gets them whole.
    rewrite: bool = False
    #: ``clear_output(wait=True)`` was called: the next output clears the others first.
    clearWaiting: bool = False
    #: The characters the outputs take (quotas.py), kept up to date as they change.
    outputChars: int = 0
    #: What a notebook file kept of the cell (its attachments, a raw cell's type...).
    kept: dict | None = None
    _displays: tuple | None = field(default=None, init=False, repr=False)
    _shared: tuple = field(default=(None, None), init=False, repr=False)
    _view: tuple = field(default=(None, None, None), init=False, repr=False)

    def shared(self) -> dict:
        """A place for what is made once for every viewer of the cell from its state as it is
        now (the web layer keeps there each update it encoded, and the latest text operation
        it encoded); an empty one whenever the outputs or run state changed."""
        key = (self.generation, len(self.outputs), self.revision, self.state, self.count,
               self.ranBy)
        if self._shared[0] != key:
            self._shared = (key, {})
        return self._shared[1]

    def rendered(self) -> str | None:
        """A text cell's text as sanitised HTML (None for code), made once per version of the
        text, whoever asks and however many viewers there are."""
        if self.kind is not CellKind.TEXT:
            return None
        return self.viewShared()[0]

    def viewShared(self) -> tuple[str | None, dict]:
        """The rendered HTML and a place for what is made once for every viewer from the
        cell's kind and text version (the web layer keeps its encoded view there)."""
        key = (self.kind, self.doc.version)
        if self._view[0] != key:
            html = (renderTextCell(self.doc.text, self.kept) if self.kind is CellKind.TEXT
                    else None)
            self._view = (key, html, {})
        return self._view[1], self._view[2]

    @classmethod
    def fromStore(cls, cell: Cell, historyLimit: int = 1000) -> CellModel:
        return cls(
            id=cell.id,
            doc=TextDocument(cell.text, cell.version, historyLimit),
            kind=CellKind(cell.kind),
            state=RunState(cell.state),
            count=cell.execution_count,
            ranBy=cell.ran_by,
            outputs=(outputs := [eventFromStore(o.kind, o.payload) for o in cell.outputs]),
            files=list(cell.files),
            outputChars=sum(storedSize(e) for e in outputs),
            kept=cell.metadata,
        )

    @property
    def text(self) -> str:
        return self.doc.text

    @property
    def version(self) -> int:
        return self.doc.version

    @property
    def active(self) -> bool:
        """Queued or running: it cannot be run again until it finishes."""
        return self.state in (RunState.QUEUED, RunState.RUNNING)

    def runInfo(self) -> dict:
        return {"state": self.state.value, "count": self.count, "ranBy": self.ranBy}

    def resetOutputs(self) -> None:
        """A new run, or outputs cleared by hand (the store is cleared by the caller)."""
        self.clearShown(rewrite=False)
        self.files = []

    def clearShown(self, rewrite: bool = True) -> None:
        """``clear_output`` while the cell runs: its outputs go (files stay recorded), and the
        store is given what follows in their place."""
        self.outputs = []
        self.outputChars = 0
        self.unstored = []
        self.generation += 1
        self.replaced = {}
        self.rewrite = rewrite
        self.clearWaiting = False

    def addOutput(self, event: dict) -> None:
        self.outputs.append(event)
        self.outputChars += storedSize(event)
        self.unstored.append(event)
        displayId = event.get("displayId")
        if displayId is not None and self._displays is not None:
            self._displays[1].setdefault(displayId, []).append(len(self.outputs) - 1)

    def displaysWith(self, displayId: str) -> list[int]:
        """The indices of the displays shown with ``displayId`` (an index of them is made on
        the first question, so that a display updated in a loop costs no scan of the log)."""
        if self._displays is None or self._displays[0] is not self.outputs:
            index: dict = {}
            for n, event in enumerate(self.outputs):
                if event.get("displayId") is not None:
                    index.setdefault(event["displayId"], []).append(n)
            self._displays = (self.outputs, index)
        return list(self._displays[1].get(displayId, ()))

    def replaceOutput(self, index: int, update: dict) -> None:
        """Show the bundle of ``update`` (a cleaned "update" event: its data, metadata, and the
        HTML of its mathematics and Markdown, made once by ``withMath``) in place of output
        ``index``."""
        event = {"type": "display", "data": update["data"]}
        for key in ("metadata", "math", "markdown"):
            if update.get(key):
                event[key] = update[key]
        displayId = self.outputs[index].get("displayId")
        if displayId is not None:
            event["displayId"] = displayId
        self._replace(index, event)

    def answerInput(self, answer: str | None) -> bool:
        """Show ``answer`` under the prompt of the input() waiting (None: it ended without
        one); False if none waits."""
        for index in range(len(self.outputs) - 1, -1, -1):
            event = self.outputs[index]
            if event["type"] == "input" and "answer" not in event:
                shown = HIDDEN_ANSWER if answer is not None and event["password"] else answer
                self._replace(index, dict(event, answer=shown))
                return True
        return False

    def _replace(self, index: int, event: dict) -> None:
        self.outputChars += storedSize(event) - storedSize(self.outputs[index])
        self.outputs[index] = event
        self.revision += 1
        self.replaced[index] = self.revision
        self.rewrite = True
