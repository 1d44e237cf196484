"""A worksheet as a Python script in the "percent" format (``# %%`` between cells), which
Spyder, VS Code, PyCharm and jupytext read as cells.  Tests: tests/unit/test_formats_out.py.

Code cells are written as they are; text cells as ``# %% [markdown]`` cells with every line
commented; outputs are not written (a script has none).
"""

from __future__ import annotations

from ..store import CellKind


def write(snapshot, system: str = "python", directory: str | None = None) -> bytes:
    parts = [f"# {snapshot.worksheet.title}\n# (athena-nb worksheet; system: {system})\n"]
    for cell in snapshot.cells:
        if cell.kind is CellKind.TEXT:
            lines = cell.text.split("\n")
            body = "\n".join(f"# {line}" if line else "#" for line in lines)
            parts.append(f"# %% [markdown]\n{body}\n")
        else:
            parts.append(f"# %%\n{cell.text}\n" if cell.text else "# %%\n")
    return "\n".join(parts).encode("utf-8")
