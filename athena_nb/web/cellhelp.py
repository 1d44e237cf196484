"""The help one viewer asks for in a cell: ``name?`` / ``name??`` (the help panel beside the
cell) and the signature hint while ``f(`` is typed. Mixed into ``CellFragment``.

Tests: tests/unit/test_hub_web_help.py, tests/browser/test_help.py.

The kernel looks the name up (``athena_nb.kernel.introspection``) and the answer goes to the
viewer who asked, alone: nothing is stored, nobody else sees it. The docstring is rendered
here, on the server (``athena_nb.render.renderHelp``), in the reactor's thread pool when the
reactor has one: a long Sage docstring takes docutils a few hundred milliseconds.

Both questions need an idle kernel. While a cell runs, ``help`` is refused with the kernel's
sentence (the panel shows it); ``signature`` answers ``{"found": false}`` with the reason,
quietly: a hint that cannot be had is no error.
"""

from __future__ import annotations

import re

from livefragments import BadArguments

from ..kernel import KernelError
from ..offreactor import offReactor
from ..render import renderHelp, renderHint
from ._calls import editing

#: What may be asked about: a dotted name, as the editor finds it at the caret.
NAME_RE = re.compile(r"[^\W\d]\w*(?:\.[^\W\d]\w*)*")
MAX_NAME = 500


def _checkName(name) -> None:
    if not isinstance(name, str) or len(name) > MAX_NAME or not NAME_RE.fullmatch(name):
        raise BadArguments(f"Help is asked for a dotted name such as os.path.join (at most "
                           f"{MAX_NAME} characters), not {name!r:.60}.")


class CellHelp:
    """The exposed help calls of a cell's fragment (needs ``hub`` and ``identity``)."""

    @editing
    def help(self, name, detail=0):
        """``name?`` (detail 0) or ``name??`` (detail 1): {"found", "name", "html"}, or
        {"found": False, "message"}."""
        _checkName(name)
        if detail not in (0, 1):
            raise BadArguments(f"Help's detail is 0 (name?) or 1 (name??), not {detail!r}.")
        d = self.hub.introspect(name, detail)
        return d.addCallback(lambda info: offReactor(self.hub.reactor, renderHelp, info))

    @editing
    def signature(self, name):
        """The hint for a call of ``name``: {"found", "name", "signature", "doc"}; when the
        kernel cannot answer now, {"found": False, "reason"}."""
        _checkName(name)

        def unanswered(failure):
            failure.trap(KernelError)
            return {"found": False, "reason": str(failure.value)}

        return self.hub.signature(name).addCallbacks(renderHint, unanswered)
