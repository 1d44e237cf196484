"""``OutputCap``: what one cell may show of what its kernel sends (tests: tests/unit/test_kernel_outputcap.py).

Every kind of event counts against the cell's cap of ``limit`` characters (outputlimits.py says
how big an event is): stream text, displays, results, errors, files and the kernel's notices,
each but stream text also costing ``EVENT_COST`` characters, so that a kernel sending a flood of
tiny events is stopped as surely as one sending a few huge ones.  The first event past the cap
is cut (stream text: to what fits) or dropped, and one notice says so; after it everything is
dropped, except one error, shortened, so that the cell still says why it failed, and one
result (the value of the cell's last line; its plain text, shortened, if it is large), so that
the cell still shows what it computed; and the last ``TAIL_CHARS`` characters of the stream text
that came past the cap are kept and shown when the cell ends (``finish``) or before such a late
error or result, after a notice of how much was dropped in between: a loop's last lines, as a
terminal shows them.  Errors are
always shortened to at most ``MAX_ERROR_CHARS``.  A display update replaces an output, so it
does not count, but one larger than the whole cap is dropped with a notice; ``clear_output``
gives the cell its whole cap again.  An ``input()`` prompt is never dropped (the cell waits for
its answer; the Kernel lets one wait at a time).  The server's own notices (timeouts,
restarts) do not pass through here: they always reach the cell.
"""

from __future__ import annotations

from typing import Any

from .outputlimits import MAX_ERROR_CHARS, MAX_FRAME, eventSize, shorten, shortenError

#: What each event but stream text costs on top of its characters.
EVENT_COST = 100
#: What an error past the cap may keep.
ERROR_RESERVE = 2_000
#: What a result past the cap may keep: all of it if it is no larger, else its plain text cut
#: to this many characters.
RESULT_RESERVE = 2_000
#: The stream text past the cap whose end is shown when the cell ends: this many characters.
TAIL_CHARS = 10_000


def _what(kind: str) -> str:
    return {"display": "A display", "result": "A result", "update": "A display update",
            "error": "An error", "file": "A file", "notice": "A notice"}.get(kind, "An output")


class OutputCap:
    """The cap of one cell's run; ``limit`` None counts nothing (errors are still shortened)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.used = 0
        self.capped = False
        self._lateError = False  # the error allowed past the cap has been shown
        self._lateResult = False  # and the result
        self._tail: list[list[str]] = []  # [name, text] of the stream text past the cap, in order
        self._tailChars = 0
        self._cut = 0  # characters of stream text past the cap not in the tail

    def admit(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """The events to show for ``event`` from the kernel: it, shortened, a notice, or none."""
        kind = event.get("type")
        if kind == "clear":
            self.used, self.capped, self._lateError, self._lateResult = 0, False, False, False
            self._tail, self._tailChars, self._cut = [], 0, 0
            return [event]
        if kind == "dropped":
            return self._dropped(event)
        if kind == "input":  # the cell waits for its answer: never dropped (one at a time)
            self.used += EVENT_COST
            return [event]
        if kind == "update":
            size = eventSize(event)
            if self.limit is not None and size > self.limit:
                return self._droppedUpdate(size)
            return [event]
        if kind == "error":
            event = shortenError(event, MAX_ERROR_CHARS)
        if self.limit is None:
            return [event]
        size = eventSize(event) + (0 if kind == "stream" else EVENT_COST)
        remaining = self.limit - self.used
        if not self.capped and size <= remaining:
            self.used += size
            return [event]
        shown: list[dict[str, Any]] = []
        if kind == "stream":
            text = event["text"]
            if not self.capped and remaining > 0:
                shown.append(dict(event, text=text[:remaining]))
                text = text[remaining:]
            self._keep(event.get("name", "stdout"), text)
        late = None
        if kind == "error" and not self._lateError:
            self._lateError = True
            late = shortenError(event, max(remaining - EVENT_COST, ERROR_RESERVE))
        if kind == "result" and not self._lateResult:
            self._lateResult = True
            late = _shortResult(event, max(remaining - EVENT_COST, RESULT_RESERVE))
        if late is not None:  # after the end of the text that came past the cap
            shown += self.finish() + [late]
        if not self.capped:
            shown.append(self._passed())
        return shown

    def _keep(self, name: str, text: str) -> None:
        """Stream text past the cap: its last TAIL_CHARS characters are kept for ``finish``."""
        if self._tail and self._tail[-1][0] == name:
            self._tail[-1][1] += text
        else:
            self._tail.append([name, text])
        self._tailChars += len(text)
        while self._tailChars > TAIL_CHARS:
            first = self._tail[0]
            over = self._tailChars - TAIL_CHARS
            if len(first[1]) <= over:
                self._tail.pop(0)
                self._tailChars -= len(first[1])
                self._cut += len(first[1])
            else:
                first[1] = first[1][over:]
                self._tailChars -= over
                self._cut += over

    def finish(self) -> list[dict[str, Any]]:
        """The end of the stream text that came past the cap, after a notice of what was
        dropped before it (nothing if none came); called when the cell ends."""
        if not self._tailChars:
            return []
        tail, dropped = self._tail, self._cut
        self._tail, self._tailChars, self._cut = [], 0, 0
        notice = ([self._notice("… %s characters of output were dropped here; the last %s follow."
                                % (_n(dropped), _n(sum(len(t) for _, t in tail))))]
                  if dropped else [])
        return notice + [{"type": "stream", "name": name, "text": text} for name, text in tail]

    def _dropped(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """The worker sent a marker in place of an output too big to send (``fitEvent``)."""
        what, size = str(event.get("what", "")), eventSize(event)
        if what == "update":
            return self._droppedUpdate(size)
        if self.limit is not None and not self.capped and size + EVENT_COST > self.limit - self.used:
            return [self._passed()]
        if self.limit is not None and self.capped:
            return []
        if self.limit is not None:
            self.used += EVENT_COST
        return [self._notice(
            "%s of %s characters was too large for one message from the kernel (at most %d "
            "MiB), so it was dropped." % (_what(what), _n(size), MAX_FRAME >> 20))]

    def _droppedUpdate(self, size: int) -> list[dict[str, Any]]:
        """The notice of a display update of ``size`` characters that is not shown."""
        if self.limit is not None and size > self.limit:
            return [self._notice(
                "A display update of %s characters is larger than the output limit of %s "
                "characters, so it was dropped." % (_n(size), _n(self.limit)))]
        return [self._notice(
            "A display update of %s characters was too large for one message from the kernel "
            "(at most %d MiB), so it was dropped." % (_n(size), MAX_FRAME >> 20))]

    def _passed(self) -> dict[str, Any]:
        self.capped = True
        self.used = self.limit or 0
        return self._notice(
            "Output of this cell passed the limit of %s characters, so the rest is not shown, "
            "but for its last %s characters, which come at the end of the cell's output (the "
            "cell was not stopped for it)."
            % (_n(self.limit or 0), _n(TAIL_CHARS)))

    @staticmethod
    def _notice(text: str) -> dict[str, Any]:
        return {"type": "notice", "text": shorten(text, 1000)}


def _shortResult(event: dict[str, Any], limit: int) -> dict[str, Any] | None:
    """``event`` if it is at most ``limit`` characters, else its plain text cut to that (None:
    it has none)."""
    if eventSize(event) <= limit:
        return event
    text = event.get("data", {}).get("text/plain")
    if not isinstance(text, str):
        return None
    return {"type": "result", "data": {"text/plain": shorten(text, limit)}}


def _n(number: int) -> str:
    return format(number, ",")
