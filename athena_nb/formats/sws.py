"""Sage Notebook worksheets in: ``.sws`` archives and the plain-text worksheet format.

Tests: tests/unit/test_formats_sws.py.

An ``.sws`` is what the Sage Notebook (sagenb) exported: a bzip2 tar holding
``sage_worksheet/worksheet.html`` (the worksheet's text), ``worksheet_conf.pickle`` (its
title, system and settings), ``worksheet.txt`` (the same text after a ``title`` and
``system:`` line, for Sage before 4.1.2), ``data/`` (the worksheet's DATA files) and
``cells/<id>/`` (files a cell made, such as its plot). The plain-text format is that
``worksheet.txt`` alone.

In the text, each cell is ``{{{id=N|`` + its input + ``///`` + its output + ``}}}``; what stands
between cells is HTML, which becomes a text cell (Markdown keeps HTML, sanitised when shown).
A cell's output is text, or ``<html>...</html>`` whose ``cell://name`` images come from the
cell's directory and become image outputs.

The archive is someone else's file, so it is read, never unpacked blindly: only regular files
under ``sage_worksheet/`` with a plain relative name (no ``..``, no absolute path; links,
devices and directories are skipped), at most ``MAX_MEMBERS`` entries and ``MAX_BYTES`` bytes
unpacked (a bzip2 bomb stops there), and the pickle is read by an unpickler that builds only
plain values (it can call nothing). Nothing is written by reading: the DATA files are handed
back for the caller to store with the worksheet, all or nothing.
"""

from __future__ import annotations

import base64
import html
import io
import os
import pickle
import posixpath
import re
import tarfile
from typing import Any

from ..render import renderMarkdown
from ..store import CellKind, NewCell, OutputKind
from . import FormatError, Imported

MAX_MEMBERS = 5_000
MAX_BYTES = 64 * 1024 * 1024
ROOT = "sage_worksheet"
_CELL = re.compile(r"\{\{\{id=(\d+)\|?(.*?)\n(.*?)(?:\n///\n(.*?))?\n?\}\}\}", re.DOTALL)
_IMAGE = re.compile(r"""<img\s[^>]*?src=["']cell://([^"'?#]+)["'][^>]*>""", re.IGNORECASE)
_IMAGES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
           ".svg": "image/svg+xml"}
#: sagenb's system names that are ours too (others run as Sage's interface of that name).
_SYSTEMS = {"sage", "python", "gp", "gap", "maxima", "singular", "r", "sh", "html", "latex"}


class _PlainUnpickler(pickle.Unpickler):
    """Plain values only: a pickle that names any class or function is refused."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"the worksheet's settings name {module}.{name}")


def read(data: bytes, name: str) -> Imported:
    """The worksheet in the ``.sws`` archive ``data`` (called ``name``)."""
    members = _members(data, name)
    conf = _conf(members.get(f"{ROOT}/worksheet_conf.pickle"), name)
    if f"{ROOT}/worksheet.html" in members:
        text = members[f"{ROOT}/worksheet.html"].decode("utf-8", "replace")
        title, system = conf.get("name"), conf.get("system")
    elif f"{ROOT}/worksheet.txt" in members:  # Sage before 4.1.2: title and system on top
        title, system, text = _heading(members[f"{ROOT}/worksheet.txt"].decode("utf-8",
                                                                                "replace"))
    else:
        raise FormatError(f"{name} is not a Sage Notebook worksheet: it has no "
                          f"{ROOT}/worksheet.html.")
    cells = _cellsOf(text, members)
    files = {path[len(f"{ROOT}/data/"):]: body for path, body in members.items()
             if path.startswith(f"{ROOT}/data/")}
    return _imported(title, system, cells, name, files)


def readText(data: bytes, name: str) -> Imported:
    """A worksheet in the Sage Notebook's plain-text format (title, ``system:``, cells)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError(f"{name} is not UTF-8 text, so it is not a Sage worksheet.")
    if "{{{" not in text:
        raise FormatError(f"{name} is not a Sage worksheet in text: it has no {{{{{{ cells.")
    title, system, body = _heading(text)
    return _imported(title, system, _cellsOf(body, {}), name, {})


def _imported(title, system, cells, name, files) -> Imported:
    if not isinstance(title, str) or not title.strip():
        title = posixpath.splitext(posixpath.basename(name))[0] or "Sage worksheet"
    metadata: dict[str, Any] = {}
    if isinstance(system, str) and system.strip().lower() in _SYSTEMS:
        metadata["system"] = system.strip().lower()
    return Imported(title.strip()[:500], cells or [NewCell("")], metadata, files)


def _members(data: bytes, name: str) -> dict[str, bytes]:
    """The archive's regular files under ``sage_worksheet/``, by name, within the limits."""
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")
    except (tarfile.TarError, EOFError, OSError, ValueError):
        if data[:3] == b"BZh" or data[:2] == b"\x1f\x8b":  # compressed, but not whole
            raise FormatError(f"{name} is damaged: its compressed data is cut short or corrupt;"
                              " nothing of it was imported.")
        raise FormatError(f"{name} is not a Sage Notebook worksheet: it is not a tar archive "
                          "(an .sws is a bzip2 tar).")
    found: dict[str, bytes] = {}
    total = count = 0
    try:
        with archive:
            while True:
                member = archive.next()
                if member is None:
                    break
                count += 1
                if count > MAX_MEMBERS:
                    raise FormatError(f"{name} holds more than {MAX_MEMBERS} files; it is "
                                      "refused (an .sws is a worksheet and its data).")
                path = _safePath(member.name)
                if path is None or not member.isreg():
                    continue  # links, devices, folders and odd names: never read
                total += member.size
                if total > MAX_BYTES:
                    raise FormatError(f"{name} unpacks to more than {MAX_BYTES // 2**20} MiB; "
                                      "it is refused.")
                stream = archive.extractfile(member)
                body = stream.read(member.size + 1) if stream is not None else b""
                if len(body) != member.size:
                    raise FormatError(f"{name} is damaged: {member.name} is cut short.")
                found[path] = body
    except FormatError:
        raise  # a limit, said as it is (FormatError is a ValueError too)
    except (tarfile.TarError, EOFError, OSError, ValueError) as e:
        raise FormatError(f"{name} is damaged and cannot be read whole ({e}); nothing of it "
                          "was imported.")
    return found


def _safePath(raw: str) -> str | None:
    """``raw`` as a plain relative path under ``sage_worksheet/``, or None."""
    if "\\" in raw or "\x00" in raw or raw.startswith("/"):
        return None
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if not parts or ".." in parts or parts[0] != ROOT or len(parts) < 2:
        return None
    return "/".join(parts)


def _conf(raw: bytes | None, name: str) -> dict:
    if raw is None:
        return {}
    try:
        conf = _PlainUnpickler(io.BytesIO(raw), encoding="utf-8", errors="replace").load()
    except Exception as e:  # any damage: the settings are optional, the text is not
        raise FormatError(f"{name} has settings that cannot be read safely ({e}).")
    return conf if isinstance(conf, dict) else {}


def _heading(text: str) -> tuple[str, str | None, str]:
    """(title, system, body) of the text format: a title line, then ``system:...``."""
    lines = text.split("\n")
    title = lines[0].strip() if lines else ""
    system = None
    rest = lines[1:]
    if rest and rest[0].lower().startswith("system:"):
        system = rest[0].split(":", 1)[1]
        rest = rest[1:]
    return title, system, "\n".join(rest)


def _cellsOf(text: str, members: dict[str, bytes]) -> list[NewCell]:
    cells: list[NewCell] = []
    at = 0
    for match in _CELL.finditer(text):
        between = text[at:match.start()].strip()
        if between:
            cells.append(NewCell(between, CellKind.TEXT))
        cellId, first, rest, output = match.groups()
        source = (first + "\n" + rest if first.strip() else rest).rstrip("\n")
        outputs = _outputs(output or "", cellId, members)
        cells.append(NewCell(source, CellKind.CODE, outputs))
        at = match.end()
    tail = text[at:].strip()
    if tail:
        cells.append(NewCell(tail, CellKind.TEXT))
    return cells


def _outputs(output: str, cellId: str, members: dict[str, bytes]) -> tuple:
    output = output.strip("\n")
    if not output.strip():
        return ()
    match = re.fullmatch(r"\s*<html>(.*)</html>\s*", output, re.DOTALL)
    if match is None:
        return ((OutputKind.STREAM, {"name": "stdout", "text": output + "\n"}),)
    body = match.group(1)
    found = []
    for image in _IMAGE.finditer(body):
        path = f"{ROOT}/cells/{cellId}/{image.group(1)}"
        mime = _IMAGES.get(posixpath.splitext(image.group(1))[1].lower())
        if mime is None or path not in members:
            continue
        raw = members[path]
        value = raw.decode("utf-8", "replace") if mime == "image/svg+xml" else (
            base64.b64encode(raw).decode("ascii"))
        found.append((OutputKind.DISPLAY, {"data": {mime: value,
                                                    "text/plain": image.group(1)}}))
    rest = _IMAGE.sub("", body).strip()
    if rest and re.sub(r"<[^>]+>", "", rest).strip():
        plain = html.unescape(re.sub(r"<[^>]+>", "", rest)).strip()
        found.insert(0, (OutputKind.DISPLAY, {"data": {"text/html": rest, "text/plain": plain}}))
    return tuple(found)


def write(snapshot, system: str = "sage", directory: str | None = None) -> bytes:
    """The worksheet as an ``.sws`` the Sage Notebook imports: its cells with their text
    outputs, text cells as HTML between them, and the files of its ``data/`` folder."""
    parts = []
    for n, cell in enumerate(snapshot.cells):
        if cell.kind is CellKind.TEXT:
            parts.append(renderMarkdown(cell.text))
            continue
        output = "".join(_textOf(o.kind, o.payload) for o in cell.outputs).rstrip("\n")
        parts.append(f"{{{{{{id={n}|\n{cell.text}\n///\n{output}\n}}}}}}")
    body = "\n\n".join(parts) + "\n"
    title = snapshot.worksheet.title
    conf = {"name": title, "system": system if system in _SYSTEMS else "sage"}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:bz2") as tar:
        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(f"{ROOT}/{name}")
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))

        add("worksheet_conf.pickle", pickle.dumps(conf, protocol=2))
        add("worksheet.html", body.encode("utf-8"))
        add("worksheet.txt", f"{title}\nsystem:{conf['system']}\n{body}".encode())
        for relative, path in _dataFiles(directory):
            with open(path, "rb") as f:
                add(f"data/{relative}", f.read())
    return buffer.getvalue()


def _textOf(kind, payload: dict) -> str:
    if kind is OutputKind.STREAM:
        return str(payload.get("text", ""))
    if kind is OutputKind.ERROR:
        return str(payload.get("traceback") or payload.get("evalue", "")) + "\n"
    if kind in (OutputKind.RESULT, OutputKind.DISPLAY):
        plain = (payload.get("data") or {}).get("text/plain")
        return f"{plain}\n" if isinstance(plain, str) else ""
    if kind is OutputKind.NOTICE:
        return str(payload.get("text", "")) + "\n"
    return ""


def _dataFiles(directory: str | None):
    """(relative name, path) of the regular files under the worksheet's ``data/`` folder
    (links are not followed)."""
    if directory is None:
        return
    root = os.path.join(directory, "data")
    for folder, _dirs, names in os.walk(root, followlinks=False):
        for name in sorted(names):
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not os.path.islink(path):
                yield os.path.relpath(path, root).replace(os.sep, "/"), path
