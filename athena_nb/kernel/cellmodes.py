"""Cell modes and IPython's habits in the kernel worker: what a cell's first lines ask for.

Tests: tests/unit/test_kernel_cellmodes.py, tests/integration/test_kernel_modes.py.  Design:
docs/notebook.md, "Cell modes".

Stdlib only, like ``worker.py``, which loads this file by its path.  The server imports it too
(``athena_nb.kernel.cellmodes``) to read the same header: one parser for both sides.

A cell may start with lines that are each one directive, as in the Sage Notebook:

- a **mode**, ``%python``, ``%sage``, ``%md``, ``%html``, ``%latex``, ``%sh``, or one of Sage's
  other systems (``%gp``, ``%gap``, ``%maxima``, ``%singular``, ``%r``), says how the rest of the
  cell runs (without one, the worksheet's system does);
- ``%auto`` runs the cell whenever the worksheet's kernel starts;
- ``%hide`` shows the cell's input folded until someone opens it.

In Python and Sage mode the cell may also use what IPython users type by habit: ``!command``
on a line of its own (the shell, in the worksheet's directory), ``%time`` and ``%timeit``
before a statement, and ``%%time`` or ``%%timeit`` as the cell's first line (or ``%time`` or
``%timeit`` alone there, as the Sage Notebook timed a cell); ``%pip``, ``%cd``, ``%env`` and
``%matplotlib`` (nothing to do: figures show by themselves) on a line of their own; and as a
cell's first line ``%%writefile name``, or ``%%bash``, ``%%sh``, ``%%html``, ``%%markdown`` and
``%%latex``, which are the modes ``%sh``, ``%html``, ``%md`` and ``%latex``; and ``name?`` or
``name??`` (or ``?name``) on a line of its own anywhere in the cell, which prints the help
there, as IPython does (a cell that is only that opens the help panel instead).  Those lines
are rewritten, one line for one line, into calls of ``Magics`` (so tracebacks keep their line
numbers); a line of a triple-quoted string's text is left as it is.
"""

from __future__ import annotations

import io
import math
import os
import re
import shlex
import subprocess
import sys
import time
import timeit
import tokenize
from collections.abc import Callable
from typing import Any, NamedTuple

#: Modes that run in the kernel's Python namespace.
PYTHON_MODES = ("python", "sage")
#: Modes whose text is shown, not run: the MIME type it is shown as.
SHOWN_MODES = {"md": "text/markdown", "html": "text/html", "latex": "text/latex"}
#: Sage's interfaces to other systems (its pexpect interfaces), by mode, with their names.
SAGE_SYSTEMS = {"gp": "PARI/GP", "gap": "GAP", "maxima": "Maxima", "singular": "Singular",
                "r": "R"}
MODES = PYTHON_MODES + tuple(SHOWN_MODES) + ("sh",) + tuple(SAGE_SYSTEMS)
FLAGS = ("auto", "hide")

_DIRECTIVE = re.compile(r"[ \t]*%([a-z]+)[ \t]*\r?$")
#: IPython's cell magics that are one of our modes, as a cell's first line.
_CELL_MODES = {"bash": "sh", "sh": "sh", "html": "html", "markdown": "md", "latex": "latex"}
_CELL_MODE = re.compile(r"[ \t]*%%(" + "|".join(_CELL_MODES) + r")[ \t]*\r?$")
#: The line magics a line of its own may be (``Magics`` has a method of each name).
LINE_MAGICS = ("time", "timeit", "pip", "cd", "env", "matplotlib", "display")
_MAGIC_LINE = re.compile(r"([ \t]*)(?:!(.*?)|%(" + "|".join(LINE_MAGICS)
                         + r")(?:[ \t]+(.*?))?)[ \t]*\r?")
#: A line of its own asking for help, as IPython reads it anywhere in a cell: ``name?`` or
#: ``?name`` (the docstring), ``name??`` or ``??name`` (the source too).
_HELP_NAME = r"[^\W\d]\w*(?:\.[^\W\d]\w*)*"
_HELP_LINE = re.compile(r"([ \t]*)(?:(%s)[ \t]*(\?\??)|(\?\??)[ \t]*(%s))[ \t]*\r?"
                        % (_HELP_NAME, _HELP_NAME))
_CELL_MAGIC = re.compile(r"%%(time|timeit|writefile)(?:[ \t]+(.*?))?[ \t]*\r?$")
#: Environment variables whose values a bare ``%env`` does not show.
_SECRET = re.compile(r"KEY|TOKEN|SECRET|PASS|CREDENTIAL", re.IGNORECASE)
#: A line that starts like a magic (for the sentence when it is none of ours).
UNKNOWN_MAGIC = re.compile(r"[ \t]*(%%?[A-Za-z_]\w*)")
#: ``%time`` or ``%timeit`` alone on the first line times the whole cell too, as in the Sage
#: Notebook (where a first line ``%time`` did).
_BARE_MAGIC = re.compile(r"%(time|timeit)()[ \t]*\r?$")
#: The name under which the worker puts ``Magics`` in the namespace.
MAGICS_NAME = "__athena_magics__"


class Header(NamedTuple):
    """What a cell's leading directive lines ask for."""

    mode: str | None  # None: the worksheet's system
    flags: frozenset  # of FLAGS
    lines: int  # how many lines the directives take
    body: str  # the rest of the cell

    def padded(self) -> str:
        """The body with an empty line for each directive, so line numbers stay the cell's."""
        return "\n" * self.lines + self.body


def parseHeader(code: str) -> Header:
    """The directives at the top of ``code``: one mode at most, and any flags, each alone on a
    line.  The first line that is not one (or a second mode) starts the body."""
    mode = None
    flags: set[str] = set()
    lines = code.split("\n")
    taken = 0
    for line in lines:
        match = _DIRECTIVE.fullmatch(line)
        name = match.group(1) if match else None
        cellMode = _CELL_MODE.fullmatch(line) if mode is None else None
        if cellMode is not None:  # %%bash and the like: the rest of the cell is in that mode
            return Header(_CELL_MODES[cellMode.group(1)], frozenset(flags), taken + 1,
                          "\n".join(lines[taken + 1:]))
        if name in FLAGS:
            flags.add(name)
        elif name in MODES and mode is None:
            mode = name
        else:
            break
        taken += 1
    return Header(mode, frozenset(flags), taken, "\n".join(lines[taken:]))


def rewriteMagics(source: str) -> str:
    """``source`` with its ``!command``, ``%time``, ``%timeit`` and ``name?`` lines turned into
    calls of the worker's ``Magics``, and a first line ``%%time`` or ``%%timeit`` (or ``%time``
    or ``%timeit`` alone) into one call holding the whole cell; every line keeps its number."""
    lines = source.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    cell = (_CELL_MAGIC.fullmatch(lines[first]) or _BARE_MAGIC.fullmatch(lines[first])
            if first is not None else None)
    if cell is not None:
        body = "\n" * (first + 1) + "\n".join(lines[first + 1:])
        magic, setup = cell.groups()
        call = ("%s.time(%r)" % (MAGICS_NAME, body) if magic == "time"
                else "%s.%s(%r, %r)" % (MAGICS_NAME, magic, body, setup or ""))
        return "\n" * first + call + "\n" * (len(lines) - first - 1)

    def rewrite(line: int, match: re.Match) -> str:
        indent, command, magic, argument = match.groups()
        if command is not None:
            return "%s%s.shell(%r)" % (indent, MAGICS_NAME, command)
        if magic not in ("time", "timeit"):
            return "%s%s.%s(%r)" % (indent, MAGICS_NAME, magic, argument or "")
        if not argument:
            return match.group(0)  # a bare %time is no statement: left for the parser to refuse
        # padded: tracebacks name the cell's line
        return "%s%s.%s(%r)" % (indent, MAGICS_NAME, magic, "\n" * line + argument)

    def help(line: int, match: re.Match) -> str:
        indent, name, after, before, prefixed = match.groups()
        return "%s%s.help(%r, %d)" % (indent, MAGICS_NAME, name or prefixed,
                                      len(after or before) - 1)

    found = {}
    for i, text in enumerate(lines):
        for pattern, how in ((_MAGIC_LINE, rewrite), (_HELP_LINE, help)):
            match = pattern.fullmatch(text)
            if match:
                found[i] = how(i, match)
                break
    if not found:
        return source
    quoted = _linesInStrings("\n".join("" if i in found else text
                                       for i, text in enumerate(lines)))
    return "\n".join(found[i] if i in found and i not in quoted else text
                     for i, text in enumerate(lines))


def _linesInStrings(source: str) -> set[int]:
    """The lines (from 0) of ``source`` that a string spans from the line before: a line of
    a triple-quoted string's text is no directive, whatever it looks like (``Why?``)."""
    quoted: set[int] = set()
    middle = getattr(tokenize, "FSTRING_MIDDLE", None)  # Python 3.12's f-strings
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.STRING or token.type == middle:
                quoted.update(range(token.start[0], token.end[0]))  # rows count from 1
    except (tokenize.TokenError, SyntaxError):
        pass  # what was read so far; the compiler will say what is wrong with the rest
    return quoted


def formatSeconds(seconds: float) -> str:
    """A duration as IPython prints it: three significant digits, in s, ms, µs or ns."""
    if seconds >= 60:
        minutes, rest = divmod(seconds, 60)
        return "%dmin %.0fs" % (minutes, rest)
    for unit, scale in (("s", 1.0), ("ms", 1e3), ("µs", 1e6), ("ns", 1e9)):
        if seconds >= 1 / scale or unit == "ns":
            return "%.3g %s" % (seconds * scale, unit)
    return "0 ns"  # pragma: no cover - the loop always returns


class Magics:
    """What the rewritten lines call.  ``compileCell(code)`` compiles a piece of cell text
    (preparsed as the cell is) to a function running it in the namespace and returning the
    value of its last expression, as a cell does."""

    def __init__(self, namespace: dict[str, Any], compileCell: Callable[[str], Callable[[], Any]],
                 preparse: Callable[[str], str] | None, flush: Callable[[], None],
                 describe: Callable[[str, int], str]) -> None:
        self.namespace = namespace
        self.compileCell = compileCell
        self.preparse = preparse
        self.flush = flush
        self.describe = describe

    def help(self, name: str, detail: int) -> None:
        """``name?`` (detail 0) or ``name??`` (1) on a line of its own: the help, as IPython
        prints it there, in the cell's output at that point of the run."""
        print(self.describe(name, detail))

    def shell(self, command: str) -> None:
        """``!command``: run it in the shell, its output in the cell's, as IPython does (its
        exit status is not an error)."""
        runShell(command, self.flush)

    def time(self, code: str) -> Any:
        """``%time statement``, or ``%%time`` with the cell's body: run it once, say how long
        it took, give its value (a cell's last line's value is the cell's)."""
        run = self.compileCell(code)
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return run()
        finally:
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            print("CPU time: %s\nWall time: %s" % (formatSeconds(cpu), formatSeconds(wall)))

    def timeit(self, code: str, setup: str = "") -> None:
        """``%timeit statement``, or ``%%timeit [setup]`` with the cell's body: run it in loops
        of as many runs as take 0.2 s, 7 times, and print the mean and spread of one run, as
        IPython does."""
        prepare = self.preparse or (lambda text: text)
        timer = timeit.Timer(prepare(code.strip("\n")), prepare(setup or "pass"),
                             globals=self.namespace)
        number, _ = timer.autorange()
        runs = [total / number for total in timer.repeat(repeat=7, number=number)]
        mean = sum(runs) / len(runs)
        spread = math.sqrt(sum((r - mean) ** 2 for r in runs) / len(runs))
        print("%s ± %s per loop (mean ± std. dev. of 7 runs, %s loop%s each)"
              % (formatSeconds(mean), formatSeconds(spread), f"{number:,}",
                 "" if number == 1 else "s"))


    def writefile(self, body: str, argument: str) -> None:
        """``%%writefile [-a] name``: the cell's body (its first line aside) into the file
        ``name`` (appended with ``-a``), as IPython does."""
        words = shlex.split(argument or "")
        append = bool(words) and words[0] in ("-a", "--append")
        names = words[1:] if append else words
        if len(names) != 1:
            raise ValueError("%%writefile takes one file name (and -a to append): "
                             "%%writefile [-a] name")
        text = body.lstrip("\n")
        with open(os.path.expanduser(names[0]), "a" if append else "w", encoding="utf-8") as f:
            f.write(text if text.endswith("\n") or not text else text + "\n")
        print("%s %s" % ("Appending to" if append else "Writing", names[0]))

    def pip(self, argument: str) -> None:
        """``%pip ...``: pip of the kernel's own Python, as IPython's ``%pip`` runs it."""
        status = runShell("%s -m pip %s" % (shlex.quote(sys.executable), argument), self.flush)
        if status == 0 and argument.split()[:1] == ["install"]:
            print("Note: you may need to restart the kernel to use updated packages.")

    def cd(self, argument: str) -> None:
        """``%cd [dir]``: the kernel's working directory (home without one)."""
        os.chdir(os.path.expanduser(argument.strip() or "~"))
        print(os.getcwd())

    def env(self, argument: str) -> Any:
        """``%env``: the environment, the values of names that look secret hidden (an output
        others see, as IPython hides them); ``%env NAME``: one variable; ``%env NAME=value``
        (or ``NAME value``) sets it."""
        argument = argument.strip()
        if not argument:
            return {name: "<hidden>" if _SECRET.search(name) else value
                    for name, value in os.environ.items()}
        name, _, value = argument.replace("=", " ", 1).partition(" ")
        if not _:
            return os.environ.get(name, "")
        os.environ[name] = value.strip()
        print("env: %s=%s" % (name, value.strip()))
        return None

    def display(self, argument: str) -> None:
        """``%display latex`` (``plain``, ``ascii_art``, ``unicode_art``; ``typeset`` and
        ``simple``, their old names; ``default``): how Sage shows values from now on, as Sage's
        own ``%display``; alone, how it does now."""
        if "sage.all" not in sys.modules:
            raise ValueError("%display says how Sage shows values, and this kernel has not "
                             "loaded Sage: a Sage worksheet, or a %sage cell, does.")
        from sage.repl.rich_output import get_display_manager

        preferences = get_display_manager().preferences
        words = argument.split()
        if not words:
            print(preferences)
            return
        preferences.text = {"typeset": "latex", "simple": "plain",
                            "default": None}.get(words[0], words[0])

    def matplotlib(self, argument: str) -> None:
        """``%matplotlib inline`` (or another backend): nothing to do, the figures a cell
        leaves open are shown in it."""


def unknownMagic(source: str, lineno: int | None) -> str | None:
    """The sentence for a SyntaxError on a line that starts like an IPython magic we do not
    have (None if the line does not)."""
    lines = source.split("\n")
    if not lineno or lineno > len(lines):
        return None
    match = UNKNOWN_MAGIC.match(lines[lineno - 1])
    if match is None:
        return None
    name = match.group(1)
    if name[1:] in ("time", "timeit"):  # alone on a line that is not the first
        return ("%s alone times the whole cell only as its first line; elsewhere it takes a "
                "statement on its line (%s f(x))." % (name, name))
    if name.startswith("%%") and (name[2:] in _CELL_MODES or name[2:] in ("time", "timeit",
                                                                           "writefile")):
        return "%s works only as the cell's first line (after %%hide or %%auto, if any)." % name
    return ("%s is not a magic athena-nb knows. It has %s and !command on a line of their "
            "own; %%%%time, %%%%timeit, %%%%writefile, %%%%bash, %%%%html, %%%%markdown and %%%%latex "
            "as a cell's first line; and the cell modes (%%md, %%html, %%latex, %%sh...)."
            % (match.group(1), ", ".join("%" + name for name in LINE_MAGICS)))


def runShell(command: str, flush: Callable[[], None]) -> int:
    """Run ``command`` with /bin/sh in the current directory; its output goes straight to the
    kernel's (the cell's) stdout and stderr.  Returns its exit status; an interrupt stops it."""
    flush()  # what the cell printed before comes first
    completed = subprocess.run(["/bin/sh", "-c", command], stdin=subprocess.DEVNULL,
                               stdout=sys.stdout.fileno(), stderr=sys.stderr.fileno())
    return completed.returncode


def sageInterface(mode: str) -> Any:
    """Sage's interface object for ``mode`` (e.g. ``gp``); raises ImportError without Sage."""
    from sage.interfaces import all as interfaces  # noqa: PLC0415 - only in a Sage kernel

    return getattr(interfaces, mode)
