"""The kernel worker process (tests: tests/unit/test_kernel_worker.py, tests/integration/test_kernel.py).

Stdlib only, and it imports nothing else from athena_nb: the server runs it by file path under any
Python 3.9+ interpreter (its own ``sys.executable`` by default, or e.g. a system Sage's python), so
it must work where athena_nb is not installed. ``python -m athena_nb.kernel.worker`` works too.

The server starts it (through pexpect, on a pty, under its keeper or bubblewrap) with one JSON
argument naming the directory to work in and three inherited file descriptors: a Unix stream socket (the private control channel) and the
write ends of two pipes. The worker dup2s the pipes onto fds 1 and 2, so output of C libraries and subprocesses is captured
as stdout/stderr, and puts /dev/null on fd 0. Requests and results travel only over the control
channel as frames: a 4-byte big-endian length, then that many bytes of UTF-8 JSON. Nothing the user
prints can break that framing, since user output never enters the channel.

SIGINT is blocked except while user code runs, so an interrupt that arrives between cells can never
tear a frame in half; a pending one is discarded when the next cell starts.
"""

from __future__ import annotations

import ast
import base64
import builtins
import ctypes
import io
import json
import linecache
import os
import re
import resource
import signal
import socket
import struct
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

#: The modules of the worker besides this one (stdlib only, like it), in the order they load.
SIBLINGS = ("outputlimits", "richoutput", "cellmodes", "controls", "interact", "jupyterinteract",
            "introspection", "objecthelp", "streams")

if __package__:  # imported as athena_nb.kernel.worker (tests, python -m)
    from . import (
        cellmodes,
        controls,
        interact,
        introspection,
        jupyterinteract,
        objecthelp,
        outputlimits,
        richoutput,
        streams,
    )
else:  # run by file path, maybe where athena_nb is not installed: load our siblings by path
    import importlib.util as _util

    def _sibling(name: str) -> Any:
        # Registered as _athena_nb_<name>, where a sibling that uses another finds it.
        spec = _util.spec_from_file_location(
            "_athena_nb_" + name, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                               name + ".py"))
        module = _util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[spec.name] = module  # type: ignore[union-attr]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        return module

    (outputlimits, richoutput, cellmodes, controls, interact, jupyterinteract,
     introspection, objecthelp, streams) = (_sibling(name) for name in SIBLINGS)

HEADER = struct.Struct(">I")
MAX_FRAME = outputlimits.MAX_FRAME
# Worksheet directories are small; a huge tree is scanned only this far for changed files.
MAX_SCAN_ENTRIES = 20000
#: What Sage's latex formatter gives for a formula: ``<html>\(\displaystyle ...\)</html>``.
SAGE_MATH_HTML = re.compile(r"<html>(\\\(.*\\\))</html>", re.DOTALL)
#: The height of a Sage 3D plot's frame, in CSS pixels (Sage's Jupyter backend gives 400).
SCENE_HEIGHT = 400
#: What a Sage 3D plot's page gets in its head (``scenePage``).
SCENE_HEAD = (
    "<head>%s<style>html { height: %dpx; }</style><script>function athenaScheme(o) {"
    "if (o.theme === 'light' && matchMedia('(prefers-color-scheme: dark)').matches) "
    "o.theme = 'dark'; return o; }</script>")
SCENE_OPTIONS = re.compile(r"var options = (\{.*?\});")
INTROSPECT_RE = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(\?\??)\s*$")
INLINE_BACKEND = "athena_nb_inline"
# Signals that raise in user code; blocked whenever worker code (not user code) runs.
INTERRUPTS = {signal.SIGINT, signal.SIGXCPU}


class FrameTooLarge(ValueError):
    """A message would make a frame the server refuses (and then stops the kernel)."""


class NoStdinError(RuntimeError):
    """Raised by input() and reads of sys.stdin: a notebook kernel has no keyboard."""


class CpuLimitExceeded(BaseException):
    """Raised in user code when a cell uses more CPU seconds than the kernel's limit allows.

    A BaseException, like KeyboardInterrupt, so that ``except Exception`` in user code does not
    swallow it.
    """


def encodeFrame(message: dict[str, Any]) -> bytes:
    """Return the bytes of one frame carrying the JSON-serialisable ``message``."""
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return HEADER.pack(len(body)) + body


class Channel:
    """Blocking frame reader/writer on the control socket (the worker is single-threaded)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()

    def send(self, message: dict[str, Any]) -> None:
        """Send one frame; FrameTooLarge (nothing sent) if it would pass the limit."""
        frame = encodeFrame(message)
        if len(frame) - HEADER.size > MAX_FRAME:
            raise FrameTooLarge("A message of %d bytes is larger than the %d bytes one frame "
                                "may hold." % (len(frame) - HEADER.size, MAX_FRAME))
        self.sock.sendall(frame)

    def _fill(self, size: int) -> bool:
        while len(self.buffer) < size:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                return False
            self.buffer += chunk
        return True

    def receive(self) -> dict[str, Any] | None:
        """Return the next message, or None when the server has closed the channel."""
        if not self._fill(HEADER.size):
            return None
        (length,) = HEADER.unpack_from(self.buffer)
        if length > MAX_FRAME:
            raise ValueError("A control frame of %d bytes is larger than the limit." % length)
        if not self._fill(HEADER.size + length):
            return None
        body = bytes(self.buffer[HEADER.size : HEADER.size + length])
        del self.buffer[: HEADER.size + length]
        return json.loads(body.decode("utf-8"))


class _NoStdin(io.TextIOBase):
    """sys.stdin replacement: every read fails at once with a clear message instead of hanging."""

    def readable(self) -> bool:
        return True

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NoStdinError(
            "The kernel has no standard input, so input() and sys.stdin cannot be used "
            "in a notebook cell; put the value in the cell's code instead."
        )

    read = readline = readlines = _refuse

    def fileno(self) -> int:
        return 0


def snapshotFiles(root: str) -> dict[str, tuple[int, int, int]]:
    """Map each file's path relative to ``root`` to (mtime_ns, size, inode); skip dot-dirs."""
    result: dict[str, tuple[int, int, int]] = {}
    stack = [""]
    while stack and len(result) < MAX_SCAN_ENTRIES:
        rel = stack.pop()
        try:
            entries = os.scandir(os.path.join(root, rel) if rel else root)
        except OSError:
            continue
        with entries:
            for entry in entries:
                path = rel + "/" + entry.name if rel else entry.name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if not entry.name.startswith(".") and entry.name != "__pycache__":
                            stack.append(path)
                    elif entry.is_file(follow_symlinks=False):
                        st = entry.stat(follow_symlinks=False)
                        result[path] = (st.st_mtime_ns, st.st_size, st.st_ino)
                except OSError:
                    continue
    return result


def diffFiles(before: dict[str, tuple[int, int, int]],
              after: dict[str, tuple[int, int, int]]) -> Iterator[tuple[str, str]]:
    """Yield (relpath, "created"|"modified") for files new or changed between two snapshots."""
    for path in sorted(after):
        old = before.get(path)
        if old is None:
            yield path, "created"
        elif old != after[path]:
            yield path, "modified"


class _InlineBackendFinder:
    """Provides the matplotlib backend module ``athena_nb_inline``: Agg rendering, and a show()
    that sends the open figures to the notebook as PNG."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != INLINE_BACKEND:
            return None
        import importlib.util

        return importlib.util.spec_from_loader(name, self)  # type: ignore[arg-type]

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: Any) -> None:
        from matplotlib.backend_bases import FigureManagerBase
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        module.FigureCanvas = FigureCanvasAgg
        module.FigureManager = FigureManagerBase
        module.show = lambda *args, **kwargs: self.worker.showFigures()


def dataPath(root: str) -> str:
    """The Sage Notebook's ``DATA``: the worksheet's ``data/`` folder, ending in a separator
    (its imported worksheets' code reads ``DATA + 'file.csv'``)."""
    return os.path.join(root, "data", "")


def pngBase64(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


class Worker:
    """Runs requests from the control channel in one persistent namespace."""

    def __init__(self, channel: Channel, system: str, root: str,
                 limits: dict[str, Any]) -> None:
        self.channel = channel
        self.system = system
        self.root = root
        self.limits = limits
        #: the batched stdout and stderr (streams.py), when this process's own
        self.output: Any = None
        self.rich = richoutput.RichOutput(self.emit, self._figureBundle)
        self.display = self.rich.display
        self.namespace = {"__name__": "__main__", "__builtins__": builtins,
                          "display": self.display, "DATA": dataPath(root)}
        self.interacts = interact.Interacts(self.emit, self.evaluate, self.runUser)
        self.namespace.update(self.interacts.names())
        jupyterinteract.hook(self.interacts.make)  # ipywidgets' interact made ours
        self.requestId: Any = None
        self.cellCount = 0
        self.preparse: Callable[[str], str] | None = None
        #: Sage's values typeset or not, as the running cell's worksheet says, and what makes
        #: Sage do so (setUpSage; None until Sage is loaded)
        self.typesetResults = False
        self.sageTypeset: Callable[[bool], None] | None = None
        self.inCell = False  # user code is running: events must go out at once
        self.showsPicture = False  # the running request has shown a picture (_notePicture)
        self.tail: list[dict[str, Any]] = []  # events made after the cell's code ended
        self.tailChars = 0
        # The most characters one event may carry: what the cell may show, within a frame.
        self.eventChars = min(limits.get("outputChars") or outputlimits.FRAME_CHARS,
                              outputlimits.FRAME_CHARS)
        # why the last chdir failed; cells refuse to run until one works
        self.cwdError: str | None = None
        self.sendLock = threading.Lock()
        self.pid = os.getpid()

    # -- output -------------------------------------------------------------------------------

    def emit(self, event: dict[str, Any]) -> None:
        """Send one output event of the running request, after the text printed before it.

        While user code runs (display(), plt.show()), the event goes at once and the worker
        waits for the server's ack: the server reads the output pipes empty before it acks, so
        text printed before the event is delivered before it, and text printed after it cannot
        overtake it. Events made after the cell's code has finished (its value, errors, files,
        figures shown at the end) ride in the "done" frame instead, which costs no round trip,
        unless they grow large: then they go ahead, each in a frame of its own.

        An event larger than the cell may show (or than a frame may hold) is shortened or
        replaced by a small "dropped" event (outputlimits.fitEvent): the server would only
        drop it, and a frame past the limit would make the server stop the kernel.
        """
        self.flushStreams()
        leaveIfForked(self.pid)
        self._notePicture(event)
        event = outputlimits.fitEvent(event, self.eventChars)
        if not self.inCell:
            self.tail.append(event)
            self.tailChars += outputlimits.eventSize(event)
            if self.tailChars > outputlimits.FRAME_CHARS // 2:
                tail, self.tail, self.tailChars = self.tail, [], 0
                for queued in tail:
                    self._sendEvent(queued)
            return
        self._sendEvent(event)

    def _notePicture(self, event: dict[str, Any]) -> None:
        """Does the running request show a picture (a figure, an image)? Its image files are
        then listed without a picture of their own: ``plt.savefig('a.png')`` in a cell that
        shows the figure shows it once, as Jupyter does (a file saved alone is still shown)."""
        kind = event.get("type")
        if kind == "clear":
            self.showsPicture = False
        elif kind in ("display", "result", "update") and any(
                str(mime).startswith("image/") for mime in event.get("data") or ()):
            self.showsPicture = True

    def _sendEvent(self, event: dict[str, Any]) -> None:
        frame = {"op": "event", "id": self.requestId, "event": event, "sync": True}
        # Hold interrupts so that a KeyboardInterrupt cannot tear the frame half-sent, and
        # other threads of the cell, so that two frames and their acks cannot interleave.
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPTS)
        self.sendLock.acquire()
        try:
            _checkSignals()
            self.channel.send(frame)
            while True:
                message = self.channel.receive()
                if message is None:
                    os._exit(0)  # the server closed the channel: it wants us gone
                if message.get("op") == "ack":
                    break
        finally:
            self.sendLock.release()
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)

    def input(self, prompt: object = "", password: bool = False) -> str:
        """``input()`` in a cell: the prompt is shown under the cell and whoever may edit the
        worksheet answers it there.  An interrupt stops the wait (KeyboardInterrupt)."""
        if not self.inCell or threading.current_thread() is not threading.main_thread():
            _NoStdin()._refuse()  # no cell to show the prompt under
        if self.interacts.running is not None:
            raise NoStdinError("input() cannot ask for a value while an interact's function "
                               "runs; give the function a text box (input_box) instead.")
        self.emit({"type": "input", "prompt": str(prompt), "password": bool(password)})
        while True:
            message = self.channel.receive()  # interrupts are let in here, as in user code
            if message is None:
                os._exit(0)  # the server closed the channel: it wants us gone
            if message.get("op") == "answer" and message.get("id") == self.requestId:
                value = message.get("value")
                return value if isinstance(value, str) else ""

    def flushStreams(self) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        if _libc is not None:  # C stdio buffers (PARI, Maxima and friends print through them)
            try:
                _libc.fflush(None)
            except Exception:
                pass

    def mimeBundle(self, obj: object) -> dict[str, Any]:
        """The MIME bundle ``display(obj)`` would show (its data, without metadata)."""
        return self.rich.bundle(obj)[0]

    def _figureBundle(self, obj: object) -> dict[str, Any]:
        # A matplotlib figure made without pyplot (pyplot's own show at cell end).
        if _isFigure(obj) and not _isPyplotFigure(obj):
            return {"image/png": pngBase64(obj)}
        return {}

    def showFigures(self) -> None:
        """Send every open pyplot figure as a PNG display, then close them."""
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is None:
            return
        for number in pyplot.get_fignums():
            figure = pyplot.figure(number)
            self.emit({"type": "display", "data": {
                "image/png": pngBase64(figure), "text/plain": repr(figure)}})
        pyplot.close("all")

    # -- requests -----------------------------------------------------------------------------

    def serve(self) -> None:
        while True:
            message = self.channel.receive()
            if message is None or message.get("op") == "shutdown":
                return
            if message.get("op") == "answer":
                continue  # for an input() that was interrupted meanwhile
            handler = getattr(self, "op_" + str(message.get("op")), None)
            if handler is None:
                self.reply(message, error="Unknown request %r." % (message.get("op"),))
                continue
            handler(message)

    def reply(self, message: dict[str, Any], value: Any = None,
              error: str | None = None) -> None:
        if error is None:
            try:
                self.channel.send({"op": "reply", "id": message.get("id"), "ok": True,
                                   "value": value})
                return
            except FrameTooLarge as e:
                error = "The answer was too large to send: %s" % e
        self.channel.send({"op": "reply", "id": message.get("id"), "ok": False, "message": error})

    def op_chdir(self, message: dict[str, Any]) -> None:
        try:
            os.chdir(message["path"])
        except OSError as e:
            # Cells may already be queued behind this request: they must not run elsewhere.
            self.cwdError = "Cannot change to directory %r: %s." % (message["path"], e.strerror)
            self.reply(message, error=self.cwdError)
            return
        self.cwdError = None
        self.root = os.getcwd()
        self.namespace["DATA"] = dataPath(self.root)
        self.reply(message, value={"cwd": self.root})

    def op_complete(self, message: dict[str, Any]) -> None:
        self._answer(message, "Completion", lambda: introspection.complete(
            self.namespace, message["code"], int(message["cursor"])))

    def op_introspect(self, message: dict[str, Any]) -> None:
        self._answer(message, "Introspection", lambda: objecthelp.introspect(
            self.namespace, message["name"], int(message.get("detail", 0))))

    def op_signature(self, message: dict[str, Any]) -> None:
        self._answer(message, "The signature hint", lambda: objecthelp.signature(
            self.namespace, message["name"]))

    def _answer(self, message: dict[str, Any], what: str, compute: Callable[[], Any]) -> None:
        try:
            value = compute()
        except BaseException as e:  # a question must never take the worker down
            self.reply(message, error="%s failed: %s: %s" % (what, type(e).__name__, e))
            return
        self.reply(message, value=value)

    def op_execute(self, message: dict[str, Any]) -> None:
        self.requestId = message["id"]
        if self.cwdError is not None:
            text = "The kernel is not in the worksheet's directory, so the cell did not run: %s" % (
                self.cwdError,)
            self.channel.send({"op": "done", "id": self.requestId, "status": "error",
                               "message": text, "events": [{
                                   "type": "error", "ename": "OSError", "evalue": text,
                                   "traceback": text}]})
            return
        # The kernel numbers the cells (its count survives a worker started again); a message
        # without one is counted here.
        count = message.get("count")
        self.cellCount = count if type(count) is int else self.cellCount + 1
        self.interacts.forget(message.get("tag"))
        self.typesetResults = message.get("typesetResults") is True
        if self.sageTypeset is not None:
            self.sageTypeset(self.typesetResults)
        self.runRequest(message, lambda: self.runCell(message["code"], message.get("system")))

    def op_interact(self, message: dict[str, Any]) -> None:
        """Run an interact's function with its controls' values (interact.py)."""
        self.requestId = message["id"]
        self.runRequest(message, lambda: self.interacts.run(message.get("interact"),
                                                            message.get("values")))

    def runRequest(self, message: dict[str, Any], body: Callable[[], str]) -> None:
        """Run ``body`` as user code under the limits, interruptible; report the files it
        made and end the request with "done"."""
        before = snapshotFiles(self.root)
        self.showsPicture = False
        status, text = "ok", ""
        if self.output is not None:
            self.output.cellStarted()
        try:
            try:
                self._startLimits()
                _armInterrupts(message.get("discardInterrupts", False))
                try:
                    status = body()
                finally:
                    _disarmInterrupts()
            finally:
                self._stopLimits()
        except KeyboardInterrupt as e:
            status, text = "interrupted", "The cell was interrupted."
            self.emitError(e)
        except CpuLimitExceeded as e:
            status, text = "timeout", str(e)
            self.emitError(e)
        except Exception as e:  # the worker's own part failed (help on a name that raises...):
            status = "error"  # the cell says why, and the kernel and its namespace live on
            self.emitError(e)
        self.inCell = False
        if self.output is not None:
            self.output.cellEnded()
        self.flushStreams()
        for path, change in diffFiles(before, snapshotFiles(self.root)):
            file = {"type": "file", "path": path, "change": change}
            if self.showsPicture:
                file["preview"] = False
            self.emit(file)
        tail, self.tail, self.tailChars = self.tail, [], 0
        leaveIfForked(self.pid)
        self.channel.send({"op": "done", "id": self.requestId, "status": status, "message": text,
                           "events": tail})

    def runCell(self, code: str, system: str | None = None) -> str:
        """Run one cell as its mode says (``system``, else the kernel's, without one); return
        "ok" or "error". Interrupts propagate."""
        match = INTROSPECT_RE.match(code)
        if match:
            text = self.describe(match.group(1), len(match.group(2)) - 1)
            self.emit({"type": "stream", "name": "stdout", "text": text + "\n"})
            return "ok"
        header = cellmodes.parseHeader(code)
        mode = header.mode or system or self.system
        if mode in cellmodes.PYTHON_MODES:
            return self.runPython(code, header.padded(), sage=mode == "sage")
        if mode in cellmodes.SHOWN_MODES:
            self.emit({"type": "display", "data": {cellmodes.SHOWN_MODES[mode]: header.body,
                                                   "text/plain": header.body}})
            return "ok"
        if mode == "sh":
            status = cellmodes.runShell(header.body, self.flushStreams)
            if status:
                return self.failed("ShellError", "The shell command ended with exit status %d."
                                   % status)
            return "ok"
        if mode in cellmodes.SAGE_SYSTEMS:
            return self.runElsewhere(mode, header.body)
        return self.failed("UnknownMode", "A cell cannot run as %r: the modes are %s."
                           % (mode, ", ".join(cellmodes.MODES)))

    def describe(self, name: str, detail: int) -> str:
        """``name?`` (detail 0) or ``name??`` (1) as the text a cell shows."""
        return objecthelp.introspect(self.namespace, name, detail)["text"]

    def runPython(self, code: str, source: str, sage: bool) -> str:
        """Run ``source`` (``code`` with its directives blanked) in the namespace, preparsed
        in Sage mode; the value of its last expression is the cell's result."""
        if sage and not self.ensureSage("sage"):
            return "error"
        filename = "<cell %d>" % self.cellCount
        preparse = self.preparse if sage else None
        self.namespace[cellmodes.MAGICS_NAME] = cellmodes.Magics(
            self.namespace, lambda text: self.compileCell(text, filename, preparse), preparse,
            self.flushStreams, self.describe)
        try:
            run = self.compileCell(cellmodes.rewriteMagics(source), filename, preparse, code)
        except SyntaxError as e:
            said = cellmodes.unknownMagic(source, e.lineno)
            if said is not None:
                return self.failed("UnknownMagic", said)
            self.emitError(e, syntax=True)
            return "error"
        self.interacts.preparse = preparse
        return self.runUser(run, keep=True)

    def runUser(self, run: Callable[[], Any], keep: bool = False) -> str:
        """Run user code: its value is shown (and kept as ``_`` with ``keep``), then the
        figures it left open; its error is reported.  "ok" or "error"; interrupts propagate."""
        try:
            self.inCell = True
            try:
                value = run()
            finally:
                self.inCell = False
            if value is not None:
                if keep:
                    self.namespace["_"] = value
                self.showResult(value)
            self.showFigures()
        except (KeyboardInterrupt, CpuLimitExceeded):
            raise
        except BaseException as e:  # SystemExit too: the kernel keeps running
            self.emitError(e)
            return "error"
        return "ok"

    def evaluate(self, text: str, preparse: Callable[[str], str] | None) -> Any:
        """The value of the expression ``text`` in the namespace (an interact's text box)."""
        source = preparse(text) if preparse else text
        return eval(compile(source.strip(), "<interact value>", "eval"), self.namespace)

    def compileCell(self, text: str, filename: str, preparse: Callable[[str], str] | None,
                    shown: str | None = None) -> Callable[[], Any]:
        """``text`` compiled to run in the namespace, returning the value of its last line if
        that is an expression; raises SyntaxError.  With ``shown`` (what the user wrote),
        tracebacks quote it, unless the preparser changed the line count."""
        source = preparse(text) if preparse else text
        tree = ast.parse(source, filename, "exec")
        if shown is not None:
            shown = shown if shown.count("\n") == source.count("\n") else source
            # Every line ends in a newline, as a file's do: the traceback's carets are placed
            # by a count that takes one off for it.
            lines = [line + "\n" for line in shown.split("\n")]
            linecache.cache[filename] = (len(shown), None, lines, filename)
        last = None
        final = tree.body[-1] if tree.body else None
        if isinstance(final, ast.Expr):
            tree.body.pop()
            last = compile(ast.Expression(final.value), filename, "eval")
        body = compile(tree, filename, "exec")

        def run() -> Any:
            exec(body, self.namespace)
            return None if last is None else eval(last, self.namespace)

        return run

    def runElsewhere(self, mode: str, text: str) -> str:
        """Run ``text`` in another system through Sage's interface to it (``%gp``, ...)."""
        name = cellmodes.SAGE_SYSTEMS[mode]
        if not self.ensureSage(mode):
            return "error"
        try:
            interface = cellmodes.sageInterface(mode)
        except (ImportError, AttributeError) as e:
            return self.failed("SystemUnavailable", "%s is not available in this Sage (%s)."
                               % (name, e))
        try:
            answer = interface.eval(text)
        except (KeyboardInterrupt, CpuLimitExceeded):
            raise
        except BaseException as e:
            if isinstance(e, ImportError) or not _isRunning(interface):
                return self.failed("SystemUnavailable", "%s could not be started in this Sage: "
                                   "%s: %s" % (name, type(e).__name__, e))
            self.emitError(e)
            return "error"
        if answer:
            print(answer)
        return "ok"

    def ensureSage(self, mode: str) -> bool:
        """Is Sage loaded in this kernel (loading it now if this Python has it)?  Without it,
        say so in the cell."""
        if self.preparse is not None:
            return True
        try:
            setUpSage(self)
        except ImportError:
            self.failed("SystemUnavailable", "%%%s needs Sage, and this kernel's Python does not "
                        "have it: choose Sage as the worksheet's system, or install Sage (see "
                        "the README)." % mode)
            return False
        return True

    def failed(self, name: str, text: str) -> str:
        """Show ``text`` as the cell's error (no traceback: nothing of the user's failed)."""
        self.emit({"type": "error", "ename": name, "evalue": text, "traceback": text})
        return "error"

    def showResult(self, value: object) -> None:
        self.rich.result(value)

    def emitError(self, error: BaseException, syntax: bool = False) -> None:
        try:
            if syntax:
                lines = traceback.format_exception_only(type(error), error)
            else:
                report = traceback.TracebackException(type(error), error, error.__traceback__)
                _hideWorkerFrames(report)  # the traceback starts in the user's cell
                lines = list(report.format())
            text, value = "".join(lines), str(error)
        except Exception as e:  # an exception whose __str__ fails must still be reported
            text = value = "<the exception could not be formatted: %s>" % type(e).__name__
        self.emit({"type": "error", "ename": type(error).__name__, "evalue": value,
                   "traceback": text})

    # -- limits -------------------------------------------------------------------------------

    def _startLimits(self) -> None:
        seconds = self.limits.get("cpuSeconds")
        if seconds:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            used = usage.ru_utime + usage.ru_stime
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
            soft = int(used + seconds) + 1
            if hard != resource.RLIM_INFINITY:
                soft = min(soft, hard)
            resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))

    def _stopLimits(self) -> None:
        if self.limits.get("cpuSeconds"):
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
            resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))


#: A traceback shows none of their frames: it starts in the user's cell.
_OWN_FILES = {__file__, outputlimits.__file__, richoutput.__file__, cellmodes.__file__,
              controls.__file__, interact.__file__, jupyterinteract.__file__,
              introspection.__file__, objecthelp.__file__}


def _isRunning(interface: Any) -> bool:
    try:
        return bool(interface.is_running())
    except Exception:
        return False


def _hideWorkerFrames(report: traceback.TracebackException | None) -> None:
    seen = set()
    while report is not None and id(report) not in seen:
        seen.add(id(report))
        report.stack = traceback.StackSummary.from_list(
            [frame for frame in report.stack if frame.filename not in _OWN_FILES])
        report = report.__cause__ or report.__context__


def _onCpuLimit(signum: int, frame: Any) -> NoReturn:
    # SIGXCPU repeats every second past the soft limit, so code that catches this still stops.
    raise CpuLimitExceeded("The cell used more CPU time than the kernel's limit allows and was stopped.")


def _isFigure(obj: object) -> bool:
    figure = sys.modules.get("matplotlib.figure")
    return figure is not None and isinstance(obj, figure.Figure)


def _isPyplotFigure(obj: object) -> bool:
    pyplot = sys.modules.get("matplotlib.pyplot")
    return pyplot is not None and any(pyplot.figure(n) is obj for n in pyplot.get_fignums())


_libc: ctypes.CDLL | None
try:
    _libc = ctypes.CDLL(None)
except OSError:  # pragma: no cover - every Linux has a libc
    _libc = None
_checkSignals = ctypes.pythonapi.PyErr_CheckSignals


def _armInterrupts(discard: bool) -> None:
    # With ``discard``, drop an interrupt meant for an earlier cell; then let SIGINT reach user
    # code (one sent for this cell before it started is delivered now).
    while discard and INTERRUPTS & signal.sigpending():
        signal.sigtimedwait(INTERRUPTS, 0)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, INTERRUPTS)


def _disarmInterrupts() -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPTS)
    # A SIGINT caught just before the block has only set Python's flag: raise it here, inside
    # the cell's try block, and not later in the middle of sending a frame.
    _checkSignals()


# -- Sage --------------------------------------------------------------------------------------


#: Sage modules whose import must not be interrupted halfway: sage.interfaces.maxima_lib starts
#: ECL and loads Maxima into it (1-2 s, on the first symbolic integral), and a SIGINT in the
#: middle crashes the process, hangs it, or leaves a Maxima whose every later call fails.
WHOLE_IMPORTS = frozenset({"sage.interfaces.maxima_lib"})


class WholeImports:
    """A meta path finder: the modules of WHOLE_IMPORTS load with interrupts held, and an
    interrupt sent meanwhile stops the cell just after the import."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name not in WHOLE_IMPORTS:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
                load = spec.loader.exec_module

                def execWhole(module: Any, load: Callable[[Any], None] = load) -> None:
                    previous = signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPTS)
                    try:
                        load(module)
                    finally:
                        signal.pthread_sigmask(signal.SIG_SETMASK, previous)

                spec.loader.exec_module = execWhole
                return spec
            if spec is not None:
                return spec
        return None


def scenePage(html: str) -> str:
    """A Sage 3D plot's page as the notebook shows it: filling a frame ``SCENE_HEIGHT`` high,
    marked for published snapshots (``richoutput.SCENE_META``), and dark where the person's
    browser is dark: Sage makes the page once for every viewer, light unless the plot asks for
    ``theme='dark'``, and the page picks the theme as it opens."""
    html = html.replace("<head>", SCENE_HEAD % (richoutput.SCENE_META, SCENE_HEIGHT), 1)
    return SCENE_OPTIONS.sub(r"var options = athenaScheme(\1);", html, count=1)


def setUpSage(worker: Worker) -> str:
    """Import sage.all into the namespace, turn on the preparser, route rich output to us."""
    sys.meta_path.insert(0, WholeImports())
    import sage.all  # noqa: F401
    from sage.repl.preparse import preparse
    from sage.repl.rich_output import get_display_manager
    from sage.repl.rich_output.backend_base import BackendBase
    from sage.repl.rich_output.output_catalog import (
        OutputHtml,
        OutputImageJpg,
        OutputImagePng,
        OutputImageSvg,
        OutputLatex,
        OutputPlainText,
        OutputSceneThreejs,
    )
    from sage.structure.sage_object import SageObject

    exec("from sage.all import *", worker.namespace)
    worker.namespace.update(worker.interacts.names(sage=True))  # Sage's Color stays
    worker.interacts.hookSage()
    # display id and update flag of the display() call the backend is showing an object for
    extra: dict[str, Any] = {}

    class AthenaBackend(BackendBase):
        def _repr_(self) -> str:
            return "athena-nb notebook"

        def supported_output(self) -> Any:
            return {OutputPlainText, OutputImagePng, OutputImageJpg, OutputImageSvg, OutputHtml,
                    OutputLatex, OutputSceneThreejs}

        def threejs_offline_scripts(self) -> str:
            # A 3D plot's page loads Sage's Three.js from the notebook's server
            # (athena_nb/web/threejs.py), else from Sage's CDN, as Sage's Jupyter backend does.
            from sage.features.threejs import Threejs

            cdn = display.threejs_scripts(online=True).strip().replace("</script>", "<\\/script>")
            return ('<script src="/threejs-sage/%s/three.min.js"></script>'
                    "<script>if (!window.THREE) document.write('%s');</script>"
                    % (Threejs().required_version(), cdn))

        def bundle(self, plain: Any, rich: Any) -> dict[str, str]:
            data = {"text/plain": plain.text.get_str()}
            if isinstance(rich, OutputImagePng):
                data["image/png"] = base64.b64encode(rich.png.get()).decode("ascii")
            elif isinstance(rich, OutputImageJpg):
                data["image/jpeg"] = base64.b64encode(rich.jpg.get()).decode("ascii")
            elif isinstance(rich, OutputImageSvg):
                data["image/svg+xml"] = rich.svg.get_str()
            elif isinstance(rich, OutputHtml):
                html = rich.html.get_str()
                # show(), pretty_print() and %display latex give <html>\(...\)</html>, made
                # for a browser's MathJax: the page typesets the TeX on the server (MathML).
                formula = SAGE_MATH_HTML.fullmatch(html)
                data["text/latex" if formula else "text/html"] = (
                    formula.group(1) if formula else html)
            elif isinstance(rich, OutputLatex):
                data["text/latex"] = rich.latex.get_str()
            elif isinstance(rich, OutputSceneThreejs):
                data["text/html"] = scenePage(rich.html.get_str())
            return data

        def displayhook(self, plain: Any, rich: Any) -> None:
            data = self.bundle(plain, rich)
            if not extra.get("warmUp"):
                worker.emit({"type": "result", "data": data})

        def display_immediately(self, plain: Any, rich: Any) -> None:
            worker.rich.publish(self.bundle(plain, rich), None, extra.get("displayId"),
                                bool(extra.get("update")))

    display = get_display_manager()
    display.switch_backend(AthenaBackend(), shell=None)
    # The worksheet's "Typeset every Sage result" (athena_nb/textcells.py) is Sage's own display
    # preference, set before each cell; a cell's %display chooses another, which holds until
    # a "%display default" gives the choice back to the worksheet.
    chosen = {"text": display.preferences.text}

    def typeset(on: bool) -> None:
        preferences = display.preferences
        if preferences.text is None or preferences.text == chosen["text"]:
            preferences.text = chosen["text"] = "latex" if on else None

    worker.sageTypeset = typeset
    typeset(worker.typesetResults)  # a %sage cell loading Sage: as its worksheet says

    def showBySage(obj: object, kind: str, how: dict[str, Any]) -> bool:
        # Sage's own objects and plain values go through Sage's display manager (plots,
        # LaTeX, its text forms); objects made for Jupyter (IPython.display's, pandas') do not.
        if not isinstance(obj, SageObject) and richoutput.hasRichRepr(obj):
            return False
        if kind == "result":
            typeset(worker.typesetResults)  # a "%display default" just before: the worksheet's
            display.displayhook(obj)
            return True
        extra.clear()
        extra.update(how)
        try:
            display.display_immediately(obj)
        finally:
            extra.clear()
        return True

    worker.rich.sage = showBySage
    worker.preparse = preparse
    # Sage shows its first value with modules it imports only then (IPython's pretty printer,
    # 0.3-0.6 s): import them now, while the kernel starts (in the pool, ahead of need), not
    # in a worksheet's first cell. Nothing is shown.
    extra["warmUp"] = True
    try:
        display.displayhook(eval(preparse("2^10"), dict(worker.namespace)))
    finally:
        extra.clear()
    try:
        from sage.version import version
    except ImportError:
        version = "unknown"
    return version


# -- process setup -----------------------------------------------------------------------------


def applyLimits(limits: dict[str, Any]) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash must not litter the worksheet
    processes = limits.get("processes")
    if processes:  # in a sandbox without a cgroup: its user namespace counts only this kernel
        resource.setrlimit(resource.RLIMIT_NPROC, (int(processes), int(processes)))
    memory = limits.get("memoryBytes")
    if memory:
        # RLIMIT_DATA, not RLIMIT_AS: Sage maps ~2 GB of address space that it never touches.
        resource.setrlimit(resource.RLIMIT_DATA, (int(memory), int(memory)))
    fileBytes = limits.get("fileBytes")
    if fileBytes:
        # No file may grow past it: the write fails with EFBIG, an OSError ("File too large")
        # in the cell. SIGXFSZ ignored (as Python starts), so that it does not kill us instead;
        # the processes a cell starts get it back (subprocess restores it), as in a shell.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
        cap = int(fileBytes) if hard == resource.RLIM_INFINITY else min(int(fileBytes), hard)
        resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))


def leaveIfForked(workerPid: int) -> None:
    """A copy of the worker made by ``os.fork()`` in a cell that comes back out of the cell's
    code (it raised, was interrupted, or just ended) exits here: it shares the control channel,
    and a second "done" or event frame would break it (a fork bomb's thousand copies would
    otherwise all wait for requests)."""
    if os.getpid() != workerPid:
        os._exit(0)


def closeOtherDescriptors(keep: set[int]) -> None:
    """Close every descriptor not in ``keep``: the server passes on, besides ours, any it
    inherited itself, and a pipe we held open would keep its reader from seeing its end."""
    low = 0
    for fd in sorted(keep) + [os.sysconf("SC_OPEN_MAX")]:
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1


def _redirect(fd: int, target: int) -> None:
    os.dup2(fd, target)
    os.close(fd)


def leadForeground(tty: int) -> None:
    """In a sandbox, bubblewrap leads the terminal's session and process group: make a group
    of our own (what we start joins it) and the terminal's foreground group, so that the
    server's interrupt (the terminal's TIOCSIG) reaches us and our subprocesses, not
    bubblewrap. (Started directly, the worker leads its session and group already.)"""
    os.setpgid(0, 0)
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTTOU})
    try:
        os.tcsetpgrp(tty, os.getpgrp())
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def restoreSignalDispositions() -> None:
    """Undo signal dispositions inherited from whoever started the server.

    A server started from a script with ``&`` runs with SIGINT ignored, and an ignored signal
    stays ignored across fork and exec: every Interrupt would then become a restart that loses
    the namespace. Python itself leaves SIGINT ignored if it starts that way, so put back what
    an interactive Python has (KeyboardInterrupt on SIGINT) and the default for every other
    signal found ignored, except the two Python ignores on purpose (SIGPIPE, SIGXFSZ)."""
    for signum in signal.valid_signals():
        if signum in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            if signal.getsignal(signum) == signal.SIG_IGN:
                signal.signal(signum, signal.SIG_DFL)
        except (OSError, ValueError):  # a real-time signal Python cannot name
            continue
    signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    config = json.loads(argv[0])
    closeOtherDescriptors({0, 1, 2, config["control"], config["stdout"], config["stderr"]})
    restoreSignalDispositions()
    signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPTS)
    control = socket.socket(fileno=config["control"])
    control.set_inheritable(False)
    # Keep the pty (our controlling terminal, where SIGINT comes from) open on a private fd,
    # and give user code /dev/null as fd 0 so a C-level read gets EOF instead of hanging.
    tty = os.dup(0)
    os.set_inheritable(tty, False)
    if config.get("leadTerminal"):
        leadForeground(tty)
    null = os.open(os.devnull, os.O_RDONLY)
    _redirect(null, 0)
    _redirect(config["stdout"], 1)
    _redirect(config["stderr"], 2)
    sys.stdin = _NoStdin()
    setattr(sys, "__stdin__", sys.stdin)  # noqa: B010 - typeshed calls it final
    output = streams.OutputStreams(1, 2)
    output.install()
    for name in ("stdout", "stderr"):
        setattr(sys, name, getattr(output, name))
        setattr(sys, "__%s__" % name, getattr(output, name))
    os.environ["MPLBACKEND"] = "module://" + INLINE_BACKEND
    # Like an interactive prompt: the worksheet directory (cwd) is importable; our own
    # directory (which holds modules named kernel, process, ...) is not.
    sys.path[0] = ""
    channel = Channel(control)
    try:
        if config.get("cwd"):  # the server spawns us with posix_spawn, which cannot change it
            os.chdir(config["cwd"])
        applyLimits(config.get("limits", {}))
        worker = Worker(channel, config["system"], os.getcwd(), config.get("limits", {}))
        worker.output = output
        sys.meta_path.append(_InlineBackendFinder(worker))
        builtins.display = worker.display  # type: ignore[attr-defined]
        builtins.input = worker.input
        import getpass

        getpass.getpass = lambda prompt="Password: ", stream=None: worker.input(prompt, True)
        signal.signal(signal.SIGXCPU, _onCpuLimit)
        version = None
        if config["system"] == "sage":
            version = setUpSage(worker)
        worker.rich.hookIPython()
    except BaseException as e:
        channel.send({"op": "fatal", "message": "The kernel could not start: %s: %s"
                      % (type(e).__name__, e), "traceback": traceback.format_exc()})
        return 3
    channel.send({"op": "ready", "pid": os.getpid(), "system": config["system"],
                  "python": sys.version.split()[0], "sage": version,
                  "session": worker.interacts.session})
    worker.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
