"""The REST API's routes, as one table, and the OpenAPI 3.1 document made from it.  Tests:
tests/unit/test_api_spec.py, tests/integration/test_api_schemathesis.py.

Each ``Route`` names its method, path template, parameters, request body and answers with
their JSON Schemas; ``document()`` writes them as the OpenAPI document served at
``/api/v1/openapi.json``, and the API's resource (resource.py) checks every request against the
same ``Route`` (schema.py), so the document and the checks cannot drift.  A route's
``operationId`` is the name of the method of ``calls.Calls`` that answers it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...store import MAX_TITLE, RunState
from ..download import FORMATS

PREFIX = "/api/v1"
#: The longest a run call waits for its run's end (``?wait=`` seconds).
MAX_WAIT = 60
#: The longest cell text the API takes (the hub's own limit, hub.MAX_CELL_CHARS).
MAX_TEXT = 1_000_000
FINISHED = ("done", "error", "interrupted")

_ID = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$",
       "description": "A worksheet's id is letters, digits, '-' and '_', as the list of "
                      "worksheets gives it."}
_CELL_ID = {"type": "integer", "minimum": 1, "maximum": 2**53,
            "description": "A cell's id (not its index), as the worksheet's cells give it."}
_WAIT = {"type": "number", "minimum": 0, "maximum": MAX_WAIT,
         "description": f"Seconds to wait for the run's end (at most {MAX_WAIT}) before "
                        "answering; 0 (the default) answers at once."}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: tuple, **properties) -> dict:
    return {"type": "object", "required": list(required), "properties": properties}


SCHEMAS: dict[str, dict] = {
    "Error": _obj(("error",), error=_obj(
        ("type", "message"), type={"type": "string", "description": "What kind of refusal."},
        message={"type": "string", "description": "A sentence saying what is wrong."},
        reload={"type": "boolean"})),
    "Worksheet": _obj(("id", "title", "modified", "trashed", "url"),
                      id={"type": "string"}, title={"type": "string"},
                      modified={"type": "number", "description": "Seconds since 1970."},
                      trashed={"type": "boolean"},
                      url={"type": "string", "description": "The worksheet's page."}),
    "Cell": _obj(("id", "index", "kind", "text", "version", "state", "count", "ranBy"),
                 id={"type": "integer"}, index={"type": "integer"},
                 kind={"type": "string", "enum": ["code", "text"]},
                 text={"type": "string"},
                 version={"type": "integer", "description": "The text's version: PUT it back "
                          "to refuse a write over someone else's change."},
                 state={"type": "string", "enum": [s.value for s in RunState]},
                 count={"type": ["integer", "null"]}, ranBy={"type": ["string", "null"]}),
    "Output": {"type": "object", "required": ["type"], "description":
               "One output event (docs/kernels.md): stream, display, result, error, notice, "
               "input, file, interact, ...", "properties": {"type": {"type": "string"}}},
    "Run": _obj(("id", "worksheetId", "cellId", "state", "count", "queued", "ended", "outputs"),
                id={"type": "integer"}, worksheetId={"type": "string"},
                cellId={"type": "integer"},
                state={"type": "string",
                       "enum": ["queued", "running", "done", "error", "interrupted"]},
                count={"type": ["integer", "null"]},
                queued={"type": "number"}, ended={"type": ["number", "null"]},
                outputs={"type": "array", "items": _ref("Output")}),
    "File": _obj(("path", "size", "modified"), path={"type": "string"},
                 size={"type": "integer"}, modified={"type": "number",
                                                     "description": "Seconds since 1970."}),
}


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # "path" or "query"
    schema: dict
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # below PREFIX, with {name} for path parameters
    operationId: str
    summary: str
    answers: dict  # status -> schema (a dict), or the content types of a file (a str or tuple)
    params: tuple[Param, ...] = ()
    body: dict | str | None = None  # a JSON schema, "file" (octet-stream), or none
    bodyRequired: bool = False
    tag: str = "worksheets"
    public: bool = False
    segments: tuple[str, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.path.strip("/").split("/")))


def _wsp(*more: Param) -> tuple[Param, ...]:
    return (Param("worksheetId", "path", _ID, True), *more)


_CELL = Param("cellId", "path", _CELL_ID, True)
_PATH = Param("path", "path", {"type": "string", "minLength": 1, "maxLength": 1024}, True)
_ONE = _obj(("worksheet",), worksheet=_ref("Worksheet"))
_CELLS = _obj(("cells",), cells={"type": "array", "items": _ref("Cell")})
_RUN = _obj(("run",), run=_ref("Run"))
_TEXT = {"type": "string", "maxLength": MAX_TEXT}

ROUTES: tuple[Route, ...] = (
    Route("GET", "/openapi.json", "openapi", "This document.", {200: {"type": "object"}},
          tag="meta", public=True),
    Route("GET", "/worksheets", "listWorksheets", "The worksheets, newest first.",
          {200: _obj(("worksheets",), worksheets={"type": "array", "items": _ref("Worksheet")})},
          (Param("trashed", "query", {"type": "boolean"},
                 description="Include the worksheets in the trash (default false)."),)),
    Route("POST", "/worksheets", "createWorksheet", "Make a worksheet.", {201: _ONE},
          body={"type": "object", "additionalProperties": False, "properties": {
              "title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE},
              "cells": {"type": "array", "maxItems": 1000, "items": _TEXT,
                        "description": "The cells' texts (default: one empty cell)."}}}),
    Route("POST", "/worksheets/import", "importWorksheet",
          "Make a worksheet from a file (.ipynb, .sws or .txt), sent as the body.", {201: _ONE},
          (Param("name", "query", {"type": "string", "maxLength": 255, "pattern":
                                   "[.]([iI][pP][yY][nN][bB]|[sS][wW][sS]|[tT][xX][tT])$",
                                   "description": "A file name ending in .ipynb, .sws or .txt "
                                                  "(athena-nb reads those)."},
                 True, "The file's name; its suffix says what kind of file it is."),),
          body="file", bodyRequired=True),
    Route("GET", "/worksheets/{worksheetId}", "getWorksheet", "A worksheet and its cells.",
          {200: _obj(("worksheet", "cells"), worksheet=_ref("Worksheet"),
                     cells={"type": "array", "items": _ref("Cell")})}, _wsp()),
    Route("DELETE", "/worksheets/{worksheetId}", "deleteWorksheet",
          "Move a worksheet to the trash (as the home page's Delete does); its pages close. "
          "With ``forever``, delete one in the trash for good (its cells, outputs, history, "
          "share links and files), as the trash's Delete forever does.",
          {200: _obj((), worksheet=_ref("Worksheet"), deleted={"type": "string"})},
          _wsp(Param("forever", "query", {"type": "boolean"},
                     description="Delete the worksheet, which must be in the trash, for good "
                                 "(default false: move it to the trash)."))),
    Route("POST", "/worksheets/{worksheetId}/restore", "restoreWorksheet",
          "Bring a worksheet back from the trash.", {200: _ONE}, _wsp()),
    Route("GET", "/worksheets/{worksheetId}/export/{format}", "exportWorksheet",
          "The worksheet as a file, with its outputs.",
          {200: tuple(kind.split(b";")[0].decode() for _, kind, _ in FORMATS.values())},
          _wsp(Param("format", "path", {"type": "string", "enum": list(FORMATS)}, True))),
    Route("GET", "/worksheets/{worksheetId}/cells", "listCells", "The worksheet's cells, in "
          "order.", {200: _CELLS}, _wsp(), tag="cells"),
    Route("POST", "/worksheets/{worksheetId}/cells", "insertCell",
          "Add a cell (at the end, or at ``index``); everyone on the page sees it.",
          {201: _obj(("cell",), cell=_ref("Cell"))}, _wsp(),
          body={"type": "object", "additionalProperties": False, "properties": {
              "text": _TEXT, "index": {"type": "integer", "minimum": 0, "maximum": 100000}}},
          tag="cells"),
    Route("GET", "/worksheets/{worksheetId}/cells/{cellId}", "getCell", "One cell.",
          {200: _obj(("cell",), cell=_ref("Cell"))}, _wsp(_CELL), tag="cells"),
    Route("PUT", "/worksheets/{worksheetId}/cells/{cellId}", "writeCell",
          "Replace a cell's text, as one edit everyone on the page sees live.",
          {200: _obj(("cell",), cell=_ref("Cell"))}, _wsp(_CELL),
          body={"type": "object", "additionalProperties": False, "required": ["text"],
                "properties": {"text": _TEXT, "version": {
                    "type": "integer", "minimum": 0, "maximum": 2**53,
                    "description": "Refuse the write (409) unless the text is still at this "
                                   "version."}}},
          bodyRequired=True, tag="cells"),
    Route("DELETE", "/worksheets/{worksheetId}/cells/{cellId}", "deleteCell",
          "Delete a cell with its outputs.", {200: _obj(("deleted",), deleted={
              "type": "integer"})}, _wsp(_CELL), tag="cells"),
    Route("POST", "/worksheets/{worksheetId}/cells/{cellId}/run", "runCell",
          "Queue the cell to run, as the page's Run does; answers with the run (202), or "
          "with the run ended (200) if it ends within ``wait`` seconds.",
          {200: _RUN, 202: _RUN}, _wsp(_CELL, Param("wait", "query", _WAIT)), tag="runs"),
    Route("POST", "/worksheets/{worksheetId}/interrupt", "interrupt",
          "Stop what runs in the worksheet, as the page's Interrupt does: the queued cells are "
          "dropped and the running one is interrupted.",
          {200: _obj(("kernel",), kernel={"type": "string", "description":
                     "What the kernel did: idle (nothing ran), interrupted or restarted."})},
          _wsp(), tag="runs"),
    Route("GET", "/worksheets/{worksheetId}/cells/{cellId}/outputs", "getOutputs",
          "A cell's run state and outputs now.",
          {200: _obj(("cellId", "state", "count", "outputs"), cellId={"type": "integer"},
                     state={"type": "string", "enum": [s.value for s in RunState]},
                     count={"type": ["integer", "null"]},
                     outputs={"type": "array", "items": _ref("Output")})},
          _wsp(_CELL), tag="cells"),
    Route("GET", "/runs", "listRuns", "The runs started through this API since the server "
          "started, newest first (the last 1000).",
          {200: _obj(("runs",), runs={"type": "array", "items": _ref("Run")})}, tag="runs"),
    Route("GET", "/runs/{runId}", "getRun", "A run's state, and its outputs so far; with "
          "``wait``, answers when it ends or the seconds are up.", {200: _RUN},
          (Param("runId", "path", {"type": "integer", "minimum": 1, "maximum": 2**53}, True),
           Param("wait", "query", _WAIT)), tag="runs"),
    Route("GET", "/worksheets/{worksheetId}/files", "listFiles",
          "The files in the worksheet's directory (what its cells wrote, uploads, imported "
          "data), as the page's Files panel lists them (hidden files aside).",
          {200: _obj(("files", "truncated"), files={"type": "array", "items": _ref("File")},
                     truncated={"type": "boolean", "description": "More files than listed."})},
          _wsp(), tag="files"),
    Route("GET", "/worksheets/{worksheetId}/files/{path}", "getFile",
          "One file of the worksheet's directory, as it is (the path URL-encoded as one "
          "segment: data%2Fplot.png).", {200: "application/octet-stream"},
          _wsp(_PATH), tag="files"),
    Route("PUT", "/worksheets/{worksheetId}/files/{path}", "putFile",
          "Save the body as the file (replacing one of that name), within the worksheet's "
          "limits on a file and on all its files (--max-upload-mb, --max-files-mb), as in the "
          "page's Files panel.", {201: _obj(("file",), file=_ref("File"))},
          _wsp(_PATH), body="file", bodyRequired=True, tag="files"),
    Route("POST", "/worksheets/{worksheetId}/files/{path}/rename", "renameFile",
          "Give the file another name (a path in the directory; its folders are made).",
          {200: _obj(("file",), file=_ref("File"))},
          _wsp(_PATH), body={"type": "object", "additionalProperties": False,
                             "required": ["to"], "properties": {
                                 "to": {"type": "string", "minLength": 1, "maxLength": 1024},
                                 "replace": {"type": "boolean", "description":
                                             "Replace a file of the new name (default: "
                                             "refuse, 409)."}}},
          bodyRequired=True, tag="files"),
    Route("DELETE", "/worksheets/{worksheetId}/files/{path}", "deleteFile",
          "Delete the file.", {200: _obj(("deleted",), deleted={"type": "string"})},
          _wsp(_PATH), tag="files"),
)

_ERRORS = {400: "The request is malformed; the message says how.",
           401: "No token, or a wrong one.", 403: "Not allowed.",
           404: "No such worksheet, cell, run or file.",
           409: "The request conflicts with the state: a stale version, a cell already queued.",
           413: "The body is too large.", 415: "The body is not of the type the call takes.",
           429: "Too many wrong tokens from this address; wait."}


def _operation(route: Route) -> dict:
    answers = {}
    for status, what in route.answers.items():
        if isinstance(what, (str, tuple)):
            content = {kind: {"schema": {"contentMediaType": kind}}
                       for kind in ((what,) if isinstance(what, str) else what)}
        else:
            content = {"application/json": {"schema": what}}
        answers[str(status)] = {"description": "Done.", "content": content}
    error = {"application/json": {"schema": _ref("Error")}}
    for status, why in _ERRORS.items():
        answers.setdefault(str(status), {"description": why, "content": error})
    operation = {"operationId": route.operationId, "summary": route.summary,
                 "tags": [route.tag], "responses": answers,
                 "parameters": [{"name": p.name, "in": p.where, "required": p.required,
                                 "schema": p.schema,
                                 **({"description": p.description} if p.description else {})}
                                for p in route.params]}
    if route.public:
        operation["security"] = []
    if route.body == "file":
        operation["requestBody"] = {"required": True, "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
    elif route.body is not None:
        operation["requestBody"] = {"required": route.bodyRequired, "content": {
            "application/json": {"schema": route.body}}}
    return operation


def document() -> dict:
    """The OpenAPI 3.1 document of the API."""
    paths: dict[str, dict] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {"title": "athena-nb", "version": "1",
                 "description": "The notebook's REST API for scripts (docs/api.md). Send the "
                                "server's token as `Authorization: Bearer <token>`."},
        "servers": [{"url": PREFIX}],
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": paths,
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "The server's token (the one in the URL it prints)."},
            "cookie": {"type": "apiKey", "in": "cookie", "name": "athena_session",
                       "description": "The owner's browser session; calls that change "
                                      "anything must then come from this server's pages."}}},
    }
