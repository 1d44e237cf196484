"""A worksheet as one HTML file that stands alone: the published snapshot's page, opened from
disk with no server.  Tests: tests/unit/test_download_html.py, tests/browser/test_download.py.

The page is the one ``public.py`` renders for a published snapshot (cells, outputs, text cells
rendered and LaTeX typeset as MathML on the server, which browsers lay out themselves: no
script), with what that page fetches put inside it: its stylesheets as ``<style>`` elements,
image outputs as ``data:`` URLs already, and here also the image files that cells wrote (shown
on the live page from the worksheet's directory) and the worksheet's images that text cells
show, up to ``MAX_INLINE`` bytes in all. Its policy (a ``<meta>`` element) is the snapshot's:
nothing runs and nothing is fetched; only the page's own styles apply, by hash.

Writing reads files and renders every text cell: the download runs it in the thread pool.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import os
import re

from livefragments import htmlDocument, jsRoot

from ..cells import MIME_ORDER
from ._html import ICON, INLINE_IMAGES
from .public import highlightCode, snapshotBody, storedSnapshot

#: The snapshot page's stylesheets (``public._page``), put inside the file.
STYLESHEETS = ("athena_nb/notebook.css", "athena_nb/public.css", "athena_nb/highlight.css")
#: At most this many bytes of the worksheet's files are put in one page as images; the
#: images past them stay as the line naming their file.
MAX_INLINE = 32 << 20
#: The images a browser shows from a ``data:`` URL the page's policy admits.
_IMAGE_TYPES = dict(INLINE_IMAGES, **{".svg": "image/svg+xml"})
_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")')


@functools.lru_cache(maxsize=1)
def pageCSS() -> str:
    """The snapshot page's stylesheets, as one text."""
    root = jsRoot()
    return "\n".join((root / path).read_text("utf-8") for path in STYLESHEETS)


def write(snapshot, system: str = "python", directory: str | None = None) -> bytes:
    """The worksheet ``snapshot`` (a ``WorksheetSnapshot``) as a standalone HTML page; the
    image files its cells name are read from ``directory`` (the worksheet's)."""
    published = highlightCode(storedSnapshot(snapshot))
    published["at"] = snapshot.worksheet.modified
    if directory is not None:
        _inlineFiles(published["cells"], _Images(directory))
    styles = [pageCSS()]
    title, body = snapshotBody(published, styles, saved=True)
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'"
                      for css in styles)
    policy = (f"default-src 'none'; img-src data:; style-src {hashes}; base-uri 'none'; "
              "form-action 'none'")
    head = (f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
            '<meta name="color-scheme" content="light dark">'
            f'<meta name="generator" content="athena-nb"><style>{styles[0]}</style>')
    return htmlDocument(title=title or "Worksheet", icon=ICON, head=head,
                        body=f'<body class="public-page">{body}</body>')


class _Images:
    """The worksheet's image files as ``data:`` URLs, read once each, ``MAX_INLINE`` bytes at
    most in all; never a file outside the worksheet's directory (links included)."""

    def __init__(self, directory: str):
        self.root = os.path.realpath(directory)
        self.left = MAX_INLINE
        self.seen: dict[str, tuple[str, str] | None] = {}

    def get(self, path: str) -> tuple[str, str] | None:
        """(MIME type, base64) of the image at ``path``, or None."""
        if path not in self.seen:
            self.seen[path] = self._read(path)
        return self.seen[path]

    def _read(self, path: str) -> tuple[str, str] | None:
        mime = _IMAGE_TYPES.get(os.path.splitext(path)[1].lower())
        if mime is None or not path or "\x00" in path:
            return None
        full = os.path.realpath(os.path.join(self.root, path))
        if not full.startswith(self.root + os.sep) or not os.path.isfile(full):
            return None
        size = os.path.getsize(full)
        if size > self.left:
            return None
        self.left -= size
        with open(full, "rb") as f:
            return mime, base64.b64encode(f.read()).decode("ascii")


def _inlineFiles(cells: list[dict], images: _Images) -> None:
    """Each image file a cell wrote shown after the line naming it; each image of the
    worksheet that a text cell shows made a ``data:`` URL."""
    for cell in cells:
        if cell.get("kind") == "text":
            cell["html"] = _IMG_SRC.sub(lambda m: _inlineSrc(m, images), cell["html"])
            continue
        outputs = []
        for event in cell["outputs"]:
            outputs.append(event)
            found = images.get(event["path"]) if event["type"] == "file" else None
            if found is not None and found[0] in MIME_ORDER:  # what a snapshot shows
                mime, data = found
                outputs.append({"type": "display", "data": {mime: data if mime != "image/svg+xml"
                                                            else base64.b64decode(data).decode(
                                                                "utf-8", "replace")}})
        cell["outputs"] = outputs


def _inlineSrc(match: re.Match, images: _Images) -> str:
    src = html.unescape(match.group(2))
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", src) or src.startswith("/"):
        return match.group(0)  # a URL elsewhere: left as it is (the policy shows none)
    found = images.get(src.split("#")[0].split("?")[0])
    if found is None:
        return match.group(0)
    mime, data = found
    return f"{match.group(1)}data:{mime};base64,{data}{match.group(3)}"
