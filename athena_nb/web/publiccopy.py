""""Edit a copy" of a published snapshot: ``POST /public/<worksheetId>/<token>/copy``.  Tests:
tests/unit/test_public_copy.py, tests/browser/test_download.py.

A published snapshot is read-only.  The notebook's owner, reading one, may make a new
worksheet of it to edit: its cells and outputs as published, the worksheet's files as they
are now, its Typeset setting as published, within the quotas (``Copier.copy``, as Duplicate
does), and is sent to it.  Only the owner: a share link's visitor is logged in for one
worksheet only and could not open the copy, and a visitor without a session is offered the
login form, which comes back to the snapshot.  Session cookies are ``SameSite=Strict``, so a
snapshot opened from a link on another site is shown as to a visitor without a session; the
login link then finds the owner's session and comes straight back.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from twisted.internet.defer import maybeDeferred

from ..runner import chunksOf
from ..store import CellKind, NewCell, OutputKind
from ..textcells import TYPESET_KEY
from . import _html
from .login import worksheetPath

#: The output kinds the store keeps (an interact is stored as a display, ``chunksOf``).
_STORED = frozenset(k.value for k in OutputKind) | {"interact"}


def copyControl(identity, path: str) -> str:
    """The snapshot page's control for ``identity`` (None: no session): the owner's "Edit a
    copy" button, else a link to log in that comes back to ``path``."""
    if identity is not None and identity.isOwner:
        return (f'<form class="public-copy" method="post" action="{escape(path)}/copy">'
                '<button type="submit" class="primary">Edit a copy</button></form>')
    login = "/login?next=" + quote(path, safe="/")
    note = (" (your share link lets you into one worksheet only)" if identity is not None
            else "")
    return (f'<p class="public-copy"><a class="button-like" href="{escape(login)}">'
            f"Log in to edit a copy</a>{escape(note)}</p>")


def cellsOf(published: dict) -> list[NewCell]:
    """A published snapshot's cells as cells to store: text cells as their text, code cells
    with the outputs they were published with."""
    cells = []
    for cell in published.get("cells", []):
        if not isinstance(cell, dict):
            continue
        text = str(cell.get("input", ""))
        if cell.get("kind") == "text":
            cells.append(NewCell(text, CellKind.TEXT))
            continue
        events = [e for e in cell.get("outputs", [])
                  if isinstance(e, dict) and e.get("type") in _STORED]
        outputs = tuple((OutputKind(kind), payload) for kind, payload in chunksOf(events))
        cells.append(NewCell(text, CellKind.CODE, outputs))
    return cells


def editCopy(copier, snapshot, published: dict, request):
    """Make the owner's copy of ``published`` (the snapshot of ``snapshot``'s worksheet) and
    send the browser to it; a 400 page with the quota's sentence if it is too big."""
    metadata = dict(snapshot.metadata, **{TYPESET_KEY: published.get("typeset") is not False})
    d = maybeDeferred(copier.copy, f"Copy of {published.get('title', '')}", cellsOf(published), metadata,
                    snapshot.worksheet.id, "This published worksheet")
    d.addCallback(lambda worksheet: _html.redirect(request, worksheetPath(worksheet.id)))
    return d


def refusal(request, moduleRoot: str, code: int, heading: str, sentence: str, back: str = "") -> None:
    """An HTML page saying why no copy was made (with a link back to the snapshot)."""
    link = f'<p><a href="{escape(back)}">Back to the published worksheet</a></p>' if back else ""
    body = (f'<main class="narrow"><h1>{escape(heading)}</h1><p>{escape(sentence)}</p>'
            f"{link}</main>")
    _html.writeHTML(request, _html.page(f"{heading} · athena-nb", body, moduleRoot=moduleRoot),
                    code)
