"""Published read-only snapshots of worksheets, for the public.  Tests: tests/unit/test_public.py, tests/browser/test_public.py.

The owner publishes a worksheet (``Publisher.publish``, called by the home page's API); the
worksheet as it is at that moment (title, each cell's input and outputs) is copied into its
metadata under ``published`` with a fresh random token.  ``/public/<worksheetId>/<token>`` then
shows that copy to anyone, without a session: static HTML rendered here, every text escaped, no
script, no transport, nothing live.  Republishing replaces the copy at the same address;
unpublishing deletes it, and the URL answers 404 (as does a wrong token or a trashed worksheet,
alike); publishing again after that makes a new address.

HTML outputs are shown in the page itself, each in a shadow root of its own (no frame: a
frame cannot be sized to its content without script), their markup and styles sanitised
(``athena_nb/render/htmloutput.py``); the page's policy admits each output's one ``<style>``
element by its hash and nothing else inline.  Long outputs scroll inside a box, as on the live
page (public.css).  Code is highlighted once, when the snapshot is made (``highlightCode``, in
the thread pool), with Pygments' classes that highlight.css colours, as text cells' code is.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from html import escape

from twisted.logger import Logger
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from ..cells import MIME_ORDER, cleanEvent, compact, eventFromStore
from ..interactmodel import publicHTML
from ..kernel.richoutput import SCENE_META
from ..offreactor import offReactor
from ..quotas import QuotaExceeded
from ..render import highlightPython, htmlOutput, renderTextCell
from ..store import CellKind, NotFoundError
from ..terminal import visibleText
from ..textcells import TYPESET_KEY
from . import _html, publiccopy
from .auth import identityOf

log = Logger()

#: The worksheet metadata key that holds the published snapshot.
KEY = "published"

#: Narrower than every other page's policy (``livefragments.CSP``): a snapshot shows untrusted
#: outputs to anyone, and has no script, no form and nothing to fetch but its stylesheets.
CSP = ("default-src 'none'; img-src data:; style-src 'self'; frame-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

#: At most this many different styles of HTML outputs are admitted by hash on one page (the
#: policy header grows by 54 bytes each); the outputs past them are shown unstyled.
MAX_STYLES = 300

#: A code cell longer than this (characters) is shown in a snapshot as plain text, and so are
#: the cells past the first ``MAX_HIGHLIGHT_ALL`` characters of code: Pygments takes about a
#: second for a megabyte, in the thread pool every server request shares.
MAX_HIGHLIGHT = 100_000
MAX_HIGHLIGHT_ALL = 1_000_000

_DEFAULT_REPR = re.compile(r"<[\w.]+ object( at 0x[0-9a-f]+)?>")
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")


def publicPath(worksheetId: str, token: str) -> str:
    return f"/public/{worksheetId}/{token}"


def publishedJSON(worksheetId: str, published: dict | None) -> dict | None:
    """What the home page is told about a published snapshot (None when not published)."""
    if not published:
        return None
    return {"path": publicPath(worksheetId, published["token"]), "at": published["at"]}


class Publisher:
    """Takes, replaces and removes a worksheet's published snapshot."""

    def __init__(self, reactor, store, hubs=None):
        self.reactor, self.store, self.hubs = reactor, store, hubs
        #: The last publish or unpublish asked for, by worksheet: a publish whose highlighting
        #: (in the thread pool) ends after a later one was asked for writes nothing.
        self._latest: dict[str, object] = {}

    def publish(self, worksheetId: str):
        """Snapshot the worksheet as it is now; fires with ``publishedJSON``.

        An open worksheet is copied from its hub (text being typed and output not yet written
        to the store included); a closed one from the store.  Republishing keeps the address
        (so links already shared show the new copy); unpublishing then publishing makes a new one.
        If the owner unpublishes (or publishes again) while the copy is being made, that later
        request wins: this one stores nothing and fires with what is published then."""
        ticket = self._latest[worksheetId] = object()
        return self.store.load_worksheet(worksheetId).addCallback(
            self._publish, worksheetId, ticket)

    def _publish(self, snapshot, worksheetId: str, ticket: object):
        hub = self.hubs.get(worksheetId) if self.hubs is not None else None
        if hub is not None:
            title, typeset = hub.title, hub.typeset
            cells = [(c.text, c.kind, c.rendered(), c.outputs, c.count)
                     for c in hub.cells if not c.leaving]
            published = snapshotOf(title, typeset, cells)
        else:
            published = storedSnapshot(snapshot)
        previous = snapshot.metadata.get(KEY)
        token = previous.get("token") if isinstance(previous, dict) else None
        published["token"] = token if isinstance(token, str) and token else secrets.token_urlsafe(24)
        published["at"] = self.reactor.seconds()
        d = offReactor(self.reactor, highlightCode, published)
        return d.addCallback(self._store, worksheetId, ticket)

    def _store(self, published: dict, worksheetId: str, ticket: object):
        if self._latest.get(worksheetId) is not ticket:
            return self.status(worksheetId)  # a later request won
        d = self.store.set_metadata(worksheetId, KEY, published)
        return d.addBoth(self._done, worksheetId, ticket).addCallback(
            lambda _: publishedJSON(worksheetId, published))

    def unpublish(self, worksheetId: str):
        """Remove the snapshot (its URL answers 404 from now on); fires with None."""
        ticket = self._latest[worksheetId] = object()  # a publish being made stores nothing
        d = self.store.get_worksheet(worksheetId).addCallback(
            lambda _: self.store.delete_metadata(worksheetId, KEY))
        return d.addBoth(self._done, worksheetId, ticket).addCallback(lambda _: None)

    def _done(self, result, worksheetId: str, ticket: object):
        if self._latest.get(worksheetId) is ticket:
            del self._latest[worksheetId]
        return result

    def status(self, worksheetId: str):
        """Fires with ``publishedJSON`` of the worksheet's current snapshot, or None."""
        return self.store.load_worksheet(worksheetId).addCallback(
            lambda snapshot: publishedJSON(worksheetId, snapshot.metadata.get(KEY)))


def snapshotOf(title: str, typeset: bool, cells) -> dict:
    """A snapshot (what ``renderSnapshot`` shows) of ``cells``, each (text, kind, its HTML if
    it is a text cell, its output events, its execution count)."""
    # A text cell's HTML is the one its viewers were shown (rendered and sanitised once,
    # athena_nb/render); a code cell's outputs carry their typeset LaTeX.
    return {"title": title, "typeset": typeset,
            "cells": [{"input": text, "outputs": [], "kind": "text", "html": html}
                      if kind is CellKind.TEXT else
                      {"input": text, "outputs": _clean(outputs), "count": count}
                      for text, kind, html, outputs, count in cells]}


def storedSnapshot(snapshot) -> dict:
    """``snapshotOf`` a worksheet as the store holds it (a ``WorksheetSnapshot``)."""
    return snapshotOf(snapshot.worksheet.title, snapshot.metadata.get(TYPESET_KEY) is not False,
                      [(c.text, c.kind,
                        renderTextCell(c.text, c.metadata) if c.kind is CellKind.TEXT else None,
                        [eventFromStore(o.kind, o.payload) for o in c.outputs],
                        c.execution_count)
                       for c in snapshot.cells])


def highlightCode(published: dict) -> dict:
    """Gives each code cell of the snapshot ``published`` its input highlighted ("html":
    Pygments' spans, every text in them escaped), within ``MAX_HIGHLIGHT`` characters a
    cell and ``MAX_HIGHLIGHT_ALL`` in all; ``published`` itself is returned."""
    left = MAX_HIGHLIGHT_ALL
    for cell in published.get("cells", []):
        text = cell.get("input")
        if cell.get("kind") == "text" or not isinstance(text, str) or not text:
            continue
        if len(text) > min(MAX_HIGHLIGHT, left):
            continue
        left -= len(text)
        cell["html"] = highlightPython(text)
    return published


def _clean(outputs) -> list[dict]:
    kept = [_withAnswer(cleanEvent(e), e) for e in outputs]
    return compact([e for e in kept if e is not None])


def _withAnswer(cleaned: dict | None, stored: dict) -> dict | None:
    """An input() prompt keeps the answer the hub gave it (``CellModel.answerInput``: a
    password's as dots), which ``cleanEvent`` takes from a kernel's events."""
    if cleaned is not None and cleaned["type"] == "input":
        answer = stored.get("answer", ...)
        if answer is None or isinstance(answer, str):
            cleaned["answer"] = answer
    return cleaned


class PublicResource(Resource):
    """``/public/<worksheetId>/<token>``: the published snapshot, for anyone holding the URL;
    ``POST .../copy``: the owner's "Edit a copy" of it (``publiccopy.py``, ``copier`` the
    site's ``WorksheetOps``)."""

    isLeaf = True

    def __init__(self, store, moduleRoot: str, copier=None):
        super().__init__()
        self.store, self.moduleRoot, self.copier = store, moduleRoot, copier

    def render_GET(self, request):
        return self._answer(request, self._loaded)

    render_HEAD = render_GET

    def render_POST(self, request):
        return self._answer(request, self._copy, "copy")

    def _answer(self, request, then, action: str | None = None):
        parts = [p.decode("utf-8", "replace") for p in request.postpath]
        if len(parts) == 3 and parts[2] == ("" if action is None else action):
            parts.pop()
        elif action is not None:  # a POST names what it does
            parts = []
        if len(parts) != 2 or not all(parts):
            _notFound(request, self.moduleRoot)
            return NOT_DONE_YET
        worksheetId, token = parts
        d = self.store.load_worksheet(worksheetId)
        d.addCallback(self._published, token, request, then)
        d.addErrback(self._failed, request)
        return NOT_DONE_YET

    def _published(self, snapshot, token: str, request, then):
        published = snapshot.metadata.get(KEY)
        if (snapshot.worksheet.trashed or not isinstance(published, dict)
                or not secrets.compare_digest(str(published.get("token", "")).encode(),
                                              token.encode())):
            _notFound(request, self.moduleRoot)
            return None
        return then(snapshot, published, request)

    def _loaded(self, snapshot, published: dict, request) -> None:
        styles: list[str] = []
        control = ""
        if self.copier is not None:
            path = publicPath(snapshot.worksheet.id, published["token"])
            control = publiccopy.copyControl(identityOf(request), path)
        title, body = snapshotBody(published, styles, head=control)
        policy = snapshotPolicy(styles)
        if "<form" in control:
            policy = policy.replace("form-action 'none'", "form-action 'self'")
        _html.writeHTML(request, _page(f"{title} · athena-nb", body, self.moduleRoot), csp=policy)

    def _copy(self, snapshot, published: dict, request):
        identity = identityOf(request)
        back = publicPath(snapshot.worksheet.id, published["token"])
        if self.copier is None or identity is None or not identity.isOwner:
            publiccopy.refusal(request, self.moduleRoot, 403, "Log in to edit a copy",
                               "Only the notebook's owner may make a worksheet of a published "
                               "one; log in first.", back)
            return None
        if not _html.sameOrigin(request):
            publiccopy.refusal(request, self.moduleRoot, 403, "Not copied",
                               "The request came from another site; use the button on the "
                               "published page.", back)
            return None
        d = publiccopy.editCopy(self.copier, snapshot, published, request)
        d.addErrback(self._notCopied, request, back)
        return d

    def _notCopied(self, failure, request, back: str) -> None:
        if failure.check(QuotaExceeded):
            publiccopy.refusal(request, self.moduleRoot, 400, "Not copied", str(failure.value),
                               back)
            return
        log.failure("Copying a published worksheet failed", failure)
        publiccopy.refusal(request, self.moduleRoot, 500, "Not copied",
                           "The copy could not be made; the server's log says why.", back)

    def _failed(self, failure, request) -> None:
        if failure.check(NotFoundError, ValueError, TypeError):
            _notFound(request, self.moduleRoot)
            return
        log.failure("Showing a published worksheet failed", failure)
        _html.writeHTML(request, _page("Unavailable · athena-nb", (
            '<main class="narrow"><h1>Unavailable</h1><p>The page could not be shown; '
            "try again in a moment.</p></main>"), self.moduleRoot), 500, csp=CSP)


def _notFound(request, moduleRoot: str) -> None:
    _html.writeHTML(request, _page("Not found · athena-nb", (
        '<main class="narrow"><h1>Not found</h1><p>Nothing is published at this address. '
        "The link may be mistyped, or the worksheet is no longer published.</p></main>"),
        moduleRoot), 404, csp=CSP)


def _page(title: str, body: str, moduleRoot: str) -> bytes:
    return _html.page(title, body, moduleRoot=moduleRoot,
                      stylesheets=("athena_nb/public.css", "athena_nb/highlight.css"),
                      bodyClass="public-page", head='<meta name="robots" content="noindex">')


def snapshotPolicy(styles: list[str]) -> str:
    """The snapshot's policy, admitting the ``<style>`` elements whose texts are ``styles``."""
    hashes = "".join(f" 'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'"
                     for css in styles)
    return CSP.replace("style-src 'self'", "style-src 'self'" + hashes, 1)


def renderSnapshot(published: dict, moduleRoot: str, styles: list[str] | None = None) -> bytes:
    """The whole page of a published snapshot; every text in it is escaped, every HTML output
    sanitised.  ``styles`` gets the text of each ``<style>`` element the page needs admitted
    (``snapshotPolicy``)."""
    title, body = snapshotBody(published, [] if styles is None else styles)
    return _page(f"{title} · athena-nb", body, moduleRoot)


def snapshotBody(published: dict, styles: list[str], *, saved: bool = False,
                 head: str = "") -> tuple[str, str]:
    """The title and the ``<main>`` of a snapshot's page (``renderSnapshot``), or of a
    worksheet ``saved`` as an HTML file; ``head`` is more markup for its header (escaped by
    the caller)."""
    title = str(published.get("title", ""))
    at = published.get("at")
    when = ""
    if isinstance(at, (int, float)):
        stamp = time.gmtime(at)
        verb, what = ("Saved", "athena-nb worksheet") if saved else ("Published", "read-only snapshot")
        when = (f'<p class="public-meta">{verb} <time datetime="'
                f'{time.strftime("%Y-%m-%dT%H:%M:%SZ", stamp)}">'
                f'{time.strftime("%Y-%m-%d %H:%M UTC", stamp)}</time> · {what}</p>')
    typeset = published.get("typeset") is not False
    cells = "".join(_cell(c, typeset, styles) for c in published.get("cells", [])
                    if isinstance(c, dict))
    return title, (f'<main class="public"><header class="public-head"><h1>{escape(title)}</h1>'
                   f'{when}{head}</header><ol class="public-cells">{cells}</ol></main>')


def _cell(cell: dict, typeset: bool, styles: list[str]) -> str:
    text = str(cell.get("input", ""))
    if cell.get("kind") == "text" and isinstance(cell.get("html"), str):
        # Made by athena_nb/render when published: sanitised HTML, no script, no style.
        return f'<li class="public-cell public-text"><div class="nb-md">{cell["html"]}</div></li>'
    outputs = "".join(_output(o, typeset, styles) for o in cell.get("outputs", [])
                      if isinstance(o, dict))
    # Highlighted when the snapshot was made (``highlightCode``), or plain if it was not.
    code = cell["html"] if isinstance(cell.get("html"), str) else escape(text)
    inputHTML = f'<pre class="public-input"><code>{code}</code></pre>' if text else ""
    outHTML = f'<div class="public-outputs">{outputs}</div>' if outputs else ""
    if not text.strip() and not outputs:
        return ""  # an empty cell, never run (the one at the end): nothing to read
    count = _count(cell)
    kind = "public-cell public-code" if count else "public-cell"
    return f'<li class="{kind}">{count}{inputHTML}{outHTML}</li>'


def _count(cell: dict) -> str:
    """The run's number, as the worksheet's gutter shows it ([ ] for a cell that did not run;
    nothing in a snapshot made before snapshots kept it)."""
    if "count" not in cell:
        return ""
    count = cell["count"]
    ran = type(count) is int
    return (f'<span class="public-count" aria-label="{f"Run {count}" if ran else "Not run"}">'
            f'[{count if ran else " "}]</span>')


def _output(event: dict, typeset: bool, styles: list[str]) -> str:
    kind = event.get("type")
    if kind == "stream":
        name = "stderr" if event.get("name") == "stderr" else "stdout"
        text = visibleText(str(event.get("text", "")))
        return f'<pre class="public-stream {name}">{escape(text)}</pre>'
    if kind in ("display", "result"):
        return _data(event, typeset, styles)
    if kind == "error":
        ename, evalue = str(event.get("ename", "Error")), str(event.get("evalue", ""))
        head = f"{ename}: {evalue}" if evalue else ename
        trace = visibleText(str(event.get("traceback", "")))
        # A traceback that ends with its error's line (as Python prints it: "KeyboardInterrupt",
        # "SyntaxError: invalid syntax" without the place) says it: once, as the worksheet page.
        last = trace.rstrip().splitlines()[-1].strip() if trace.strip() else ""
        said = last == ename or last.startswith(ename + ":")
        headHTML = "" if said else f"<p>{escape(head)}</p>"
        traceHTML = f"<pre>{escape(trace)}</pre>" if trace else ""
        return f'<div class="public-error">{headHTML}{traceHTML}</div>'
    if kind == "file":
        return f'<p class="public-file">File: <span>{escape(str(event.get("path", "")))}</span></p>'
    if kind == "notice":
        return f'<p class="public-notice">{escape(str(event.get("text", "")))}</p>'
    if kind == "input":  # the prompt and its answer, as the worksheet page shows them
        answer = event.get("answer")
        given = answer if isinstance(answer, str) else "(not answered)"
        return (f'<p class="public-prompt">{escape(str(event.get("prompt", "")))}'
                f'<span class="public-answer">{escape(given)}</span></p>')
    if kind == "interact":  # its controls as text, its last outputs
        return publicHTML(event, lambda shown: _output(shown, typeset, styles))
    return ""


def _imageSize(event: dict, mime: str) -> str:
    """The ``width``/``height`` attributes an image output's metadata asks for (Jupyter's
    ``{"image/png": {"width": 200}}``), as the worksheet page shows it; "" if none."""
    metadata = event.get("metadata")
    sizes = metadata.get(mime) if isinstance(metadata, dict) else None
    if not isinstance(sizes, dict):
        return ""
    return "".join(f' {name}="{sizes[name]}"' for name in ("width", "height")
                   if type(sizes.get(name)) is int and 0 < sizes[name] <= 10_000)


def _data(event: dict, typeset: bool, styles: list[str]) -> str:
    """The richest form of a display or result that a static page can show safely, in
    Jupyter's order (``MIME_ORDER``), as the worksheet page chooses: its LaTeX typeset on the
    server (``math``) unless the worksheet's Typeset is off, its Markdown rendered there."""
    data = event.get("data") or {}
    math = event.get("math") if typeset else None
    markdown = event.get("markdown")
    for mime in MIME_ORDER:
        if mime == "text/markdown" and isinstance(markdown, str) and isinstance(data.get(mime), str):
            return f'<div class="public-markdown">{markdown}</div>'  # sanitised: athena_nb/render
        if mime == "text/latex" and isinstance(math, str) and isinstance(data.get(mime), str):
            return f'<div class="public-math">{math}</div>'  # typeset, sanitised: athena_nb/render
        value = data.get(mime)
        if value is None:
            continue
        if mime == "application/json":
            text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
            return f'<pre class="public-result">{escape(text)}</pre>'
        if not isinstance(value, str):
            continue
        if mime in ("image/png", "image/jpeg") and value and _BASE64.fullmatch(value):
            src = f"data:{mime};base64," + "".join(value.split())
            return (f'<img class="public-image" alt="Image output" src="{escape(src)}"'
                    f'{_imageSize(event, mime)}>')
        if mime == "image/svg+xml":
            # As an image: nothing in it runs or is fetched.
            src = "data:image/svg+xml;base64," + base64.b64encode(value.encode()).decode()
            return f'<img class="public-image" alt="Image output" src="{src}"{_imageSize(event, mime)}>'
        if mime == "text/html" and SCENE_META in value:
            return ('<p class="public-notice">A 3D plot, drawn and turned in the worksheet; a '
                    'published snapshot runs no script, so it shows none.</p>')
        if mime == "text/html":
            typeset = event.get("htmlMath")  # its mathematics typeset (cells.withMath)
            return _shadowOutput(typeset if isinstance(typeset, str) else value, styles)
        plain = data.get("text/plain")
        if mime == "text/latex" and isinstance(plain, str) and not _DEFAULT_REPR.fullmatch(plain):
            continue  # LaTeX source only when the text says less (as outputs.js)
        if mime in ("text/markdown", "text/latex", "text/plain"):
            return f'<pre class="public-result">{escape(value)}</pre>'
    return ""


def _shadowOutput(html: str, styles: list[str]) -> str:
    """An HTML output in a declarative shadow root: as tall as its content, its styles its own."""
    markup, css = htmlOutput(html)
    if css and css not in styles and len(styles) < MAX_STYLES:
        styles.append(css)
    style = f"<style>{css}</style>" if css and css in styles else ""
    return ('<div class="public-html" role="group" aria-label="HTML output">'
            f'<template shadowrootmode="open">{style}{markup}</template></div>')
