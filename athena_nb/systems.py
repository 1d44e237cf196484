"""The worksheet's system: what its cells run as when they name no mode.

Tests: tests/unit/test_hub_system.py.  Design: docs/notebook.md, "Cell modes".

As in the Sage Notebook, a worksheet has a system (python, sage, gp, ...), chosen on the
worksheet, stored in its metadata, shown in its toolbar and the same for everyone.  A cell that
starts with a mode line (``%gp``) runs in that mode whatever the system; a cell without one runs
in the system.  Without a stored choice the system is the server's kernel (``--system``).  The
kernel itself does not change with the system: a Python kernel loads Sage the first time a
Sage-family system needs it (athena_nb/kernel/worker.py, ``ensureSage``), and a Sage kernel runs
``python`` cells without its preparser.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred

from .huberrors import BadRequest
from .kernel.cellmodes import MODES, SAGE_SYSTEMS

#: The worksheet metadata key of the system (absent: the server's kernel's).
SYSTEM_KEY = "system"
#: What the toolbar calls each system, in the order it lists them.
SYSTEM_NAMES = {"python": "Python", "sage": "Sage", **SAGE_SYSTEMS, "sh": "Shell",
                "md": "Markdown", "html": "HTML", "latex": "LaTeX"}
assert set(SYSTEM_NAMES) == set(MODES)


def storedSystem(metadata: dict, default: str | None) -> str | None:
    """The system a worksheet's metadata names, or ``default`` (also for a name no longer
    known, so that a bad stored value never keeps a worksheet from opening)."""
    system = metadata.get(SYSTEM_KEY)
    return system if system in SYSTEM_NAMES else default


def setSystem(hub, system) -> Deferred:
    """Make ``system`` the worksheet's; fires with it once stored and told to every viewer."""

    if system not in SYSTEM_NAMES:
        raise BadRequest(f"A worksheet's system is one of {', '.join(SYSTEM_NAMES)}, "
                         f"not {system!r}.")

    def stored(_):
        if hub.system != system:
            hub.system = system
            hub.audience.tell(lambda v: v.systemChanged())
        return system

    return hub.store.set_metadata(hub.worksheetId, SYSTEM_KEY, system).addCallback(stored)
