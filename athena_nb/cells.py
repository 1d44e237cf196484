"""A worksheet's cells as the hub holds them in memory.

Tests: tests/unit/test_hub.py, tests/unit/test_hub_web.py.

A cell is its text (an ``ot.TextDocument``, the one authority for that text), its run state and
its output log. The output log is a list of events as the kernel produced them (see
docs/kernels.md for their shapes), appended to while the cell runs. Viewers are sent the part
of the log they have not seen yet; the log is replaced, never edited, when outputs are cleared
(``generation`` counts those replacements, so a viewer can tell a reset from an append).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .ot import TextDocument
from .render import renderLatexOutput, renderMarkdown
from .store import Cell, CellKind, RunState

#: MIME types a display or result may carry that the notebook renders (others are dropped).
SHOWN_MIME = ("text/plain", "text/html", "image/png", "text/latex")


def eventFromStore(kind: str, payload) -> dict:
    """A stored output row as an output event."""
    event = dict(payload) if isinstance(payload, dict) else {"value": payload}
    event["type"] = str(kind)
    if "math" not in event:  # stored before outputs were typeset
        withMath(event)
    return event


def withMath(event: dict) -> dict:
    """``event`` with the typeset HTML of its ``text/latex`` under ``math`` (made here, once,
    on the server; every viewer and published snapshot shows the same)."""
    data = event.get("data")
    latex = data.get("text/latex") if isinstance(data, dict) else None
    if isinstance(latex, str) and event.get("type") in ("display", "result"):
        event["math"] = renderLatexOutput(latex)
    return event


def cleanEvent(event: dict) -> dict | None:
    """The kernel event ``event`` reduced to what the notebook keeps, or None to drop it."""
    kind = event.get("type")
    if kind == "stream":
        name = "stderr" if event.get("name") == "stderr" else "stdout"
        text = event.get("text")
        return {"type": "stream", "name": name, "text": text} if isinstance(text, str) and text else None
    if kind in ("display", "result"):
        data = event.get("data")
        if not isinstance(data, dict):
            return None
        kept = {m: v for m, v in data.items() if m in SHOWN_MIME and isinstance(v, str)}
        return withMath({"type": kind, "data": kept}) if kept else None
    if kind == "error":
        return {"type": "error", "ename": str(event.get("ename", "Error")),
                "evalue": str(event.get("evalue", "")), "traceback": str(event.get("traceback", ""))}
    if kind == "file":
        path = event.get("path")
        if not isinstance(path, str) or not path:
            return None
        return {"type": "file", "path": path, "change": str(event.get("change", "created"))}
    if kind == "notice":
        return {"type": "notice", "text": str(event.get("text", ""))}
    return None


def compact(events: list[dict]) -> list[dict]:
    """``events`` with runs of stream text of the same stream merged (the log keeps pieces)."""
    out: list[dict] = []
    for event in events:
        last = out[-1] if out else None
        if (event["type"] == "stream" and last is not None and last["type"] == "stream"
                and last["name"] == event["name"]):
            out[-1] = dict(last, text=last["text"] + event["text"])
        else:
            out.append(event)
    return out


def numbered(events: list[dict], start: int = 0) -> list[dict]:
    """Copies of ``events`` carrying their index ``n`` in the log (HTML outputs are fetched by it)."""
    return [dict(event, n=n) for n, event in enumerate(events, start)]


def compactNumbered(events: list[dict]) -> list[dict]:
    """The whole log for a viewer that starts now: numbered, then stream runs merged."""
    return compact(numbered(events))


def htmlOf(event: dict) -> str | None:
    """The HTML an output event carries, if any (shown in a sandboxed frame)."""
    if event.get("type") in ("display", "result"):
        html = event.get("data", {}).get("text/html")
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
    _shared: tuple = field(default=(None, None), init=False, repr=False)
    _view: tuple = field(default=(None, None, None), init=False, repr=False)

    def shared(self) -> dict:
        """A place for what is made once for every viewer of the cell from its state as it is
        now (the web layer keeps there each update it encoded, and the latest text operation
        it encoded); an empty one whenever the outputs or run state changed."""
        key = (self.generation, len(self.outputs), self.state, self.count, self.ranBy)
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
            html = renderMarkdown(self.doc.text) if self.kind is CellKind.TEXT else None
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
            outputs=[eventFromStore(o.kind, o.payload) for o in cell.outputs],
            files=list(cell.files),
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
        self.outputs = []
        self.unstored = []
        self.files = []
        self.generation += 1
