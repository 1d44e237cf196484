"""The big worksheet of bench/browser.py's ``big_page_ready`` row: 2,000 cells with about 20 MB of outputs, written straight into an athena-nb store and into an .ipynb.  Tests: tests/integration/test_bench_smoke.py.

The cells are the same on both sides, deterministic, and shaped like a long working session:

- most cells print about 80 lines of text (a stream of some 7 KB);
- every 10th cell (from the 5th) shows a PNG image of about 36 KB (noise, which does not
  compress: its base64 is as big as a photo's);
- every 10th cell (from the 10th) has a LaTeX result with its plain text (typeset by both);
- each cell's code is 2 to 4 lines.

athena-nb gets them through its store's API (``open_manual_store`` on the data directory's
``athena.sqlite``, before the server starts: ``athena_nb.store.testing.write_worksheet``), as a
server that ran them would have stored them; JupyterLab gets an .ipynb with the same outputs saved.
"""

from __future__ import annotations

import base64
import json
import os
import random
import struct
import zlib

CELLS = 2000
STREAM_LINES = 80
IMAGE_SIDE = 110  # pixels; 110 x 110 RGB noise is about 36 KB of PNG, 48 KB of base64


def png(seed: int, side: int = IMAGE_SIDE) -> bytes:
    """A valid RGB PNG of ``side`` x ``side`` pixels of noise."""
    rng = random.Random(seed)
    rows = b"".join(b"\x00" + rng.randbytes(side * 3) for _ in range(side))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1))
            + chunk(b"IEND", b""))


def cells(n: int = CELLS) -> list[tuple[str, list[dict]]]:
    """``n`` cells: (code, output events in the notebook's shapes, docs/kernels.md)."""
    out = []
    for i in range(n):
        if i % 10 == 4:
            code = (f"# figure {i}\nimg = noise({i})\ndisplay(img)")
            data = {"image/png": base64.b64encode(png(i)).decode("ascii"),
                    "text/plain": f"<noise image {i}>"}
            out.append((code, [{"type": "display", "data": data}]))
        elif i % 10 == 9:
            k = i // 10 + 2
            code = f"# formula {i}\nx^{k} + 1/{k}"
            data = {"text/latex": "$x^{%d} + \\frac{1}{%d}$" % (k, k),
                    "text/plain": f"x^{k} + 1/{k}"}
            out.append((code, [{"type": "result", "data": data}]))
        else:
            code = (f"# step {i}\nfor j in range({STREAM_LINES}):\n"
                    f"    print(f'cell {i} line {{j}}: ' + 'value ' * 10)")
            text = "".join(f"cell {i} line {j}: " + "value " * 10 + "\n"
                           for j in range(STREAM_LINES))
            out.append((code, [{"type": "stream", "name": "stdout", "text": text}]))
    return out


def outputBytes(sheet: list[tuple[str, list[dict]]]) -> int:
    return sum(len(json.dumps(events)) for _, events in sheet)


def writeStore(dataDir: str, title: str, sheet: list[tuple[str, list[dict]]]) -> str:
    """Put ``sheet`` into the store of ``dataDir`` (no server may have it open); returns the
    worksheet's id. Every cell is done, numbered 1.., with its outputs (LaTeX typeset as the
    runner stores it)."""
    from athena_nb.cells import withMath
    from athena_nb.store.testing import write_worksheet

    typeset = [(code, [withMath(dict(e)) for e in events]) for code, events in sheet]
    return write_worksheet(os.path.join(dataDir, "athena.sqlite"), title, typeset)


def ipynbOutputs(events: list[dict], count: int) -> list[dict]:
    out = []
    for event in events:
        if event["type"] == "stream":
            out.append({"output_type": "stream", "name": event["name"], "text": event["text"]})
        elif event["type"] == "result":
            out.append({"output_type": "execute_result", "execution_count": count,
                        "data": event["data"], "metadata": {}})
        else:
            out.append({"output_type": "display_data", "data": event["data"], "metadata": {}})
    return out


def ipynbCells(sheet: list[tuple[str, list[dict]]]) -> list[dict]:
    """The cells of the same notebook for JupyterLab, outputs saved."""
    return [{"cell_type": "code", "id": f"big{n}", "metadata": {}, "source": code,
             "execution_count": n + 1, "outputs": ipynbOutputs(events, n + 1)}
            for n, (code, events) in enumerate(sheet)]
