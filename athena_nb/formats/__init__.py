"""Worksheets as files: what comes in (Jupyter notebooks, ...) and goes out.

Tests: tests/unit/test_formats_ipynb.py.  Design: docs/notebook.md, "Files in and out".

Each format is a module with a reader, ``read(data, name) -> Imported`` (the worksheet to make,
nothing stored yet: ``Store.import_worksheet`` then stores it whole or not at all), and a
writer, ``write(snapshot) -> bytes``.  A file that cannot be read raises ``FormatError`` with
a sentence naming the problem, for the person who chose the file.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..store import NewCell


class FormatError(ValueError):
    """A file is not what its format needs; the message says what is wrong, for people."""


class Imported(NamedTuple):
    """A worksheet read from a file, to be stored; ``files`` go into its directory (relative
    path -> bytes: the Sage Notebook's DATA files)."""

    title: str
    cells: list[NewCell]
    metadata: dict[str, Any]
    files: dict[str, bytes] = {}
