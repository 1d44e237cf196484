"""Stream text as a terminal shows it, on the server (tests: tests/unit/test_terminal.py).

The browser draws stream text as a terminal would (``js/athena_nb/terminal.js``: ``\\r``
overwrites, SGR colours become classes, other escapes are dropped), from the text the server
keeps. Two things here keep that text and its other readers honest:

- ``fold`` shortens what is stored and what a viewer opening the worksheet is sent: runs of
  ``\\r`` overwrites (a progress bar) become their last state. It changes nothing the terminal
  shows, whatever text comes before or after (``tests/unit/test_terminal.py`` checks that
  property), so folding pieces separately is safe.
- ``visibleText`` is the text a terminal shows, without its colours, for pages without the
  browser's terminal (the published snapshot).
"""

from __future__ import annotations

import re

#: A line only folds when it holds nothing but printable text, tabs and carriage returns: an
#: escape or control character in it leaves it as it is.
_FOLDABLE = re.compile(r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*")
#: The escape sequences the browser's terminal knows (terminal.js): CSI, OSC, and two-byte ones.
_ESCAPE = re.compile(r"\x1b(?:\[([0-?]*)[ -/]*([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)|[ -/]*[0-Z\\^-~])")
_UNFINISHED = re.compile(r"\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*\x1b?|[ -/]+)?\Z")
_SPECIAL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _overwrite(parts: list[str]) -> str:
    """What writing each part from the line start, in turn, leaves."""
    line: list[str] = []
    for part in parts:
        for col, ch in enumerate(part):
            if col < len(line):
                line[col] = ch
            else:
                line.append(ch)
    return "".join(line)


def _foldLine(line: str, last: bool) -> str:
    if "\r" not in line or not _FOLDABLE.fullmatch(line):
        return line
    first, *rest = line.split("\r")
    folded = first + "\r" + _overwrite(rest)
    if last and len(rest[-1]) < len(folded) - len(first) - 1:
        folded += "\r" + rest[-1]  # the cursor stays where the last part left it
    return folded


def fold(text: str) -> str:
    """``text`` with the text that carriage returns overwrite taken out of each line."""
    if "\r" not in text:
        return text
    lines = text.split("\n")
    return "\n".join(_foldLine(line, i == len(lines) - 1) for i, line in enumerate(lines))


def visibleText(text: str) -> str:
    """The characters a terminal shows for ``text`` (terminal.js, without its colours)."""
    out: list[str] = []
    chars: list[str] = []
    col = 0
    i = 0
    while i < len(text):
        found = _SPECIAL.search(text, i)
        end = found.start() if found else len(text)
        if end > i:
            for ch in text[i:end]:
                if col < len(chars):
                    chars[col] = ch
                else:
                    chars.extend(" " * (col - len(chars)))
                    chars.append(ch)
                col += 1
            i = end
            continue
        c = text[i]
        i += 1
        if c == "\n":
            out.append("".join(chars) + "\n")
            chars, col = [], 0
        elif c == "\r":
            col = 0
        elif c == "\b":
            col = max(0, col - 1)
        elif c == "\x1b":
            match = _ESCAPE.match(text, i - 1)
            if match:
                i = match.end()
                if match.group(2) == "K":
                    mode = int(match.group(1) or 0) if (match.group(1) or "0").isdigit() else 0
                    if mode == 0:
                        del chars[col:]
                    elif mode == 1:
                        chars[:col] = " " * min(col, len(chars))
                    elif mode == 2:
                        chars = []
            elif _UNFINISHED.match(text, i - 1):
                break
    return "".join(out) + "".join(chars)
