"""The difference between two versions of a worksheet, cell by cell, line by line.

Tests: tests/unit/test_history.py.

``diff(old, new)`` takes two states as the store's ``history_at`` gives them and returns one
entry per cell, in the new order with removed cells where they were: ``status`` is ``added``,
``removed``, ``changed``, ``moved`` (perhaps changed too) or ``same``; ``lines`` is a line diff,
each ``[tag, line]`` with tag ``" "`` (kept), ``"-"`` or ``"+"``, for cells that are not the same.
"""

from __future__ import annotations

import difflib

#: Cells longer than this many lines get one replaced block, not a line diff.
MAX_LINES = 5000


def lineDiff(old: str, new: str) -> list[list[str]]:
    a, b = old.split("\n"), new.split("\n")
    if len(a) > MAX_LINES or len(b) > MAX_LINES:
        return [["-", line] for line in a] + [["+", line] for line in b]
    out: list[list[str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.extend([" ", line] for line in a[i1:i2])
        else:
            out.extend(["-", line] for line in a[i1:i2])
            out.extend(["+", line] for line in b[j1:j2])
    return out


def _entry(cell: dict, status: str, lines: list) -> dict:
    return {"id": cell["id"], "kind": cell["kind"], "status": status, "lines": lines,
            "by": cell.get("by"), "at": cell.get("at")}


def diff(old: dict, new: dict) -> list[dict]:
    """Per cell: what changed from ``old`` to ``new``."""
    before = {c["id"]: c for c in old["cells"]}
    after = {c["id"]: c for c in new["cells"]}
    a, b = [c["id"] for c in old["cells"]], [c["id"] for c in new["cells"]]
    out: list[dict] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for cid in a[i1:i2] if tag != "equal" else ():
            if cid not in after:
                out.append(_entry(before[cid], "removed",
                                  [["-", line] for line in before[cid]["text"].split("\n")]))
        for cid in b[j1:j2]:
            cell = after[cid]
            if cid not in before:
                out.append(_entry(cell, "added", [["+", line] for line in cell["text"].split("\n")]))
                continue
            was = before[cid]
            same = was["text"] == cell["text"] and was["kind"] == cell["kind"]
            status = "moved" if tag != "equal" else "same" if same else "changed"
            out.append(_entry(cell, status, [] if same else lineDiff(was["text"], cell["text"])))
    return out
