"""Jupyter notebooks (.ipynb, nbformat 4; older versions are converted) in and out, through
nbformat, the Jupyter project's own library.

Tests: tests/unit/test_formats_ipynb.py.

Code cells keep their source, execution count and outputs (streams, display data, execute
results, errors, as MIME bundles with their metadata); markdown cells become text cells, raw
cells text cells that are written back raw. What this notebook does not use is kept, to be
written back: the notebook's metadata (kernelspec, language_info, ...) in the worksheet's
``ipynb`` metadata, and each cell's metadata, attachments and id in the cell's metadata. So a
notebook that goes in and comes out is the same notebook.

Outputs only athena-nb makes (a notice, a file a cell wrote, an ``input()`` prompt) go out as
display data with a ``text/plain`` form any notebook shows, and say what they were in their
metadata, so they come back as they were.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ..store import CellKind, NewCell, OutputKind
from . import FormatError, Imported

#: The worksheet metadata key that keeps what the notebook file said of itself.
IPYNB_KEY = "ipynb"
#: Output metadata that marks an output only athena-nb has (its stored payload is inside).
OWN = "athena_nb"
#: Keys the server adds to stored outputs (typeset HTML), never written to a file.
MADE_HERE = ("math", "markdown")
KERNELSPECS = {
    "python": {"name": "python3", "display_name": "Python 3", "language": "python"},
    "sage": {"name": "sagemath", "display_name": "SageMath", "language": "sage"},
}


def _nbformat():
    """nbformat, imported at first use: with jsonschema it is about a fifth of what the server
    would import at start, and a server that starts reads and writes no notebook yet
    (tests/unit/test_startup_imports.py)."""
    import nbformat

    return nbformat


def read(data: bytes, name: str) -> Imported:
    """The worksheet in the notebook file ``data`` (called ``name``)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError(f"{name} is not UTF-8 text, so it is not a Jupyter notebook.")
    nbformat = _nbformat()
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except nbformat.reader.NotJSONError:
        raise FormatError(f"{name} is not a Jupyter notebook: it is not JSON.")
    except nbformat.ValidationError as e:
        where = "/".join(str(p) for p in e.absolute_path) or "the top level"
        raise FormatError(f"{name} is not a valid Jupyter notebook: {e.message} (at {where}).")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise FormatError(f"{name} is not a Jupyter notebook: {_whatItIs(text)}, where a "
                          "notebook is an object with its cells and metadata.")
    title = notebook.metadata.get("title")
    if not isinstance(title, str) or not title.strip():
        title = os.path.splitext(os.path.basename(name))[0] or "Imported notebook"
    cells = [_cellIn(cell) for cell in notebook.cells]
    kept = {"metadata": _plain(notebook.metadata), "nbformat_minor": notebook.nbformat_minor}
    return Imported(title.strip()[:500], cells, {IPYNB_KEY: kept})


def _whatItIs(text: str) -> str:
    """What a JSON text that is no notebook holds, in words (read again: a failure only)."""
    value = json.loads(text)
    if not isinstance(value, dict):
        kinds = {list: "a list", str: "a string", bool: "true or false", type(None): "null"}
        return f"its JSON is {kinds.get(type(value), 'a number')}"
    return "its JSON object does not have a notebook's shape"


def _cellIn(cell) -> NewCell:
    kept: dict[str, Any] = {}
    if cell.get("metadata"):
        kept["metadata"] = _plain(cell.metadata)
    if cell.get("id"):
        kept["id"] = cell.id
    if cell.cell_type == "code":
        return NewCell(cell.source, CellKind.CODE, tuple(_outputIn(o) for o in cell.outputs),
                       cell.get("execution_count"), kept or None)
    if "attachments" in cell:
        kept["attachments"] = _plain(cell.attachments)
    if cell.cell_type == "raw":
        kept["cell_type"] = "raw"
    return NewCell(cell.source, CellKind.TEXT, (), None, kept or None)


def _outputIn(output) -> tuple[OutputKind, dict]:
    kind = output.output_type
    if kind == "stream":
        return OutputKind.STREAM, {"name": output.name, "text": output.text}
    if kind == "error":
        return OutputKind.ERROR, {"ename": output.ename, "evalue": output.evalue,
                                  "traceback": "\n".join(output.traceback)}
    metadata = _plain(output.get("metadata", {}))
    own = metadata.get(OWN)
    if isinstance(own, dict) and own.get("kind") in ("notice", "file", "input"):
        return OutputKind(own["kind"]), own.get("payload", {})
    payload: dict[str, Any] = {"data": _plain(output.data)}
    if metadata:
        payload["metadata"] = metadata
    if kind == "execute_result":
        payload["count"] = output.get("execution_count")  # may differ from its cell's
        return OutputKind.RESULT, payload
    return OutputKind.DISPLAY, payload


def write(snapshot, system: str = "python", directory: str | None = None) -> bytes:
    """The worksheet ``snapshot`` (a ``WorksheetSnapshot``) as a notebook file."""
    kept = snapshot.metadata.get(IPYNB_KEY)
    if isinstance(kept, dict):  # imported: what the file said, as it said it
        metadata = dict(kept.get("metadata") or {})
    else:
        spec = KERNELSPECS.get(system, KERNELSPECS["python"])
        metadata = {"kernelspec": spec, "language_info": {"name": spec["language"]}}
        kept = {}
    metadata["title"] = snapshot.worksheet.title
    nbformat = _nbformat()
    notebook = nbformat.v4.new_notebook(metadata=metadata)
    notebook.cells = [_cellOut(cell) for cell in snapshot.cells]
    minor = kept.get("nbformat_minor")
    if isinstance(minor, int) and 0 <= minor < notebook.nbformat_minor:
        notebook.nbformat_minor = minor  # cell ids came with 4.5: an older file had none
        if minor < 5:
            for cell in notebook.cells:
                cell.pop("id", None)
    nbformat.validate(notebook)  # a writer bug shows here, not in someone's Jupyter
    return nbformat.writes(notebook).encode("utf-8") + b"\n"


def _cellOut(cell):
    v4 = _nbformat().v4
    kept = cell.metadata or {}
    extra = {"metadata": kept.get("metadata", {})}
    if kept.get("id"):
        extra["id"] = kept["id"]
    if cell.kind is CellKind.CODE:
        count = cell.execution_count
        outputs = _joinStreams([_outputOut(o.kind, o.payload, count) for o in cell.outputs])
        return v4.new_code_cell(cell.text, execution_count=count, outputs=outputs, **extra)
    if kept.get("cell_type") == "raw":
        return v4.new_raw_cell(cell.text, **extra)
    if "attachments" in kept:
        extra["attachments"] = kept["attachments"]
    return v4.new_markdown_cell(cell.text, **extra)


def _joinStreams(outputs: list) -> list:
    """Consecutive stream outputs of one stream as one, as Jupyter writes them (a cell's
    output arrives here in the batches the kernel sent)."""
    joined = []
    for output in outputs:
        last = joined[-1] if joined else None
        if (output.output_type == "stream" and last is not None
                and last.output_type == "stream" and last.name == output.name):
            last.text += output.text
        else:
            joined.append(output)
    return joined


def _outputOut(kind: OutputKind, payload: dict, count: int | None):
    new_output = _nbformat().v4.new_output
    if kind is OutputKind.STREAM:
        return new_output("stream", name=payload.get("name", "stdout"),
                          text=payload.get("text", ""))
    if kind is OutputKind.ERROR:
        return new_output("error", ename=payload.get("ename", "Error"),
                          evalue=payload.get("evalue", ""),
                          traceback=str(payload.get("traceback", "")).split("\n"))
    if kind in (OutputKind.DISPLAY, OutputKind.RESULT):
        data = {mime: value for mime, value in (payload.get("data") or {}).items()
                if isinstance(mime, str) and "/" in mime}
        metadata = payload.get("metadata") or {}
        if kind is OutputKind.RESULT:
            return new_output("execute_result", data=data, metadata=metadata,
                              execution_count=payload.get("count", count))
        return new_output("display_data", data=data, metadata=metadata)
    # A notice, a file, an input() prompt: readable anywhere, whole here.
    clean = {k: v for k, v in payload.items() if k not in MADE_HERE}
    return new_output("display_data", data={"text/plain": _said(kind, clean)},
                      metadata={OWN: {"kind": kind.value, "payload": clean}})


def _said(kind: OutputKind, payload: dict) -> str:
    if kind is OutputKind.FILE:
        return f"File: {payload.get('path', '')}"
    if kind is OutputKind.INPUT:
        answer = payload.get("answer")
        return f"{payload.get('prompt', '')}{answer if isinstance(answer, str) else ''}"
    return str(payload.get("text", ""))


def _plain(value: Any) -> Any:
    """nbformat's NotebookNode (a dict subclass) as plain JSON values."""
    return json.loads(json.dumps(value))
