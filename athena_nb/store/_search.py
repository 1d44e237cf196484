"""Search over worksheets' titles and cells' text (the FTS5 indexes of schema version 5).

Tests: tests/unit/test_store_search.py.

What a person types is taken as words, never as FTS5's query language: each word (letters
and digits, split as the index splits them) must appear, the last one as a prefix so that a
word being typed already matches, in the title or in one cell. Results come most recently
modified first, each with the best few words around a match.
"""

from __future__ import annotations

import re
import sqlite3

from ._model import Worksheet
from ._reads import WORKSHEET_COLUMNS

#: At most this many worksheets are found (the home page shows them all).
MAX_RESULTS = 200
_WORD = re.compile(r"\w+", re.UNICODE)


def ftsQuery(text: str) -> str | None:
    """``text`` as an FTS5 query of quoted words (None: no word in it)."""
    words = _WORD.findall(text)[:20]
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def search_worksheets(conn: sqlite3.Connection, text: str,
                      include_trashed: bool) -> list[tuple[Worksheet, str]]:
    """(worksheet, snippet) for each worksheet whose title or one cell holds every word."""
    query = ftsQuery(text)
    if query is None:
        return []
    where = "" if include_trashed else "AND w.trashed_at IS NULL"
    columns = ", ".join(f"w.{c.strip()}" for c in WORKSHEET_COLUMNS.split(","))
    rows = conn.execute(f"""
        SELECT {columns}, hit.snippet FROM (
            SELECT c.worksheet_id AS id,
                   snippet(cell_search, 0, '«', '»', '…', 12) AS snippet, rank
              FROM cell_search JOIN cells c ON c.id = cell_search.rowid
             WHERE cell_search MATCH :q
            UNION ALL
            SELECT w2.id, snippet(title_search, 0, '«', '»', '…', 12), rank - 1000
              FROM title_search JOIN worksheets w2 ON w2.rowid = title_search.rowid
             WHERE title_search MATCH :q
        ) AS hit JOIN worksheets w ON w.id = hit.id
        WHERE 1 {where}
        ORDER BY w.modified DESC, w.id, hit.rank""", {"q": query}).fetchall()
    found: dict[str, tuple[Worksheet, str]] = {}
    for row in rows:
        worksheet = Worksheet(*row[:-1])
        found.setdefault(worksheet.id, (worksheet, row[-1]))
        if len(found) >= MAX_RESULTS:
            break
    return list(found.values())
