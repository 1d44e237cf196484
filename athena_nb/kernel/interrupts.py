"""How a Kernel stops a running cell: a person's interrupt, and the wall-clock limit (tests:
tests/unit/test_kernel_kernel.py, tests/integration/test_sage_interrupts.py).

``Interrupts`` is a part of ``Kernel`` (kernel.py), which it needs for its state, its worker
process, its timers and its running request. An interrupt is a SIGINT through the worker's pty;
code that has not stopped within ``limits.interruptGraceSeconds`` runs on, and the cell says
that Interrupt again restarts the kernel. A cell past its wall-clock limit is interrupted the
same way, and restarted at the end of the grace.
"""

from __future__ import annotations

from twisted.internet import defer

from .requests import KernelState


class Interrupts:
    """The interrupts of a ``Kernel`` (it provides ``state``, ``_running``, ``_ending``,
    ``_process``, ``_timers``, ``limits``, ``_interruptWaiters``, ``_interruptSent``,
    ``_unstopped`` and ``_stop``)."""

    def interrupt(self) -> defer.Deferred[str]:
        """Interrupt the running cell (SIGINT through the pty). Code that has not stopped
        ``limits.interruptGraceSeconds`` later (inside a C function that never looks for
        interrupts, say) runs on, and the cell says that Interrupt again restarts the kernel,
        losing its variables; the next interrupt does that. Fires with "idle" (nothing ran),
        "interrupted", "running" (it ran on: the cell says so) or "restarted"."""
        if self.state != KernelState.BUSY or self._running is None or self._ending:
            return defer.succeed("idle")
        d: defer.Deferred[str] = defer.Deferred()
        self._interruptWaiters.append(d)
        if self._unstopped:  # told what a second interrupt does: it was asked for
            self._stop("interrupt", kill=True)
            return d
        self._sendInterrupt()  # each press, as Ctrl-C pressed again in a terminal
        if "grace" not in self._timers:
            self._timers.schedule("grace", self.limits.interruptGraceSeconds, self._graceOver)
        return d

    def _sendInterrupt(self) -> None:
        """SIGINT to the running cell; the grace timer, started by the first, decides when to
        give up. Each press of Interrupt sends one, as Ctrl-C pressed again in a terminal
        does: code can miss one for good (Sage's libgap, interrupted while it first loads GAP,
        only notes the signal for Python, which never runs inside the GAP loop that follows).
        The server never sends one again by itself: Sage's pexpect interfaces answer SIGINT by
        waiting for their system's prompt, and a second SIGINT in that wait leaves the
        interface unusable."""
        self._interruptSent = True
        self._process.interrupt()

    def _interruptDone(self, outcome: str) -> None:
        waiters, self._interruptWaiters = self._interruptWaiters, []
        for d in waiters:
            d.callback(outcome)

    def _wallTimeout(self) -> None:
        request = self._running
        if request is None:
            return
        request.timedOut = True
        request.notice(f"The cell reached its wall-clock limit of {self.limits.wallSeconds:g} s "
                       "and is being interrupted.")
        if "grace" not in self._timers:
            self._sendInterrupt()
            self._timers.schedule("grace", self.limits.interruptGraceSeconds, self._graceOver)

    def _graceOver(self) -> None:
        """The running cell did not stop within the grace after an interrupt. Past its
        wall-clock limit the kernel is restarted (the server's limit); after a person's
        interrupt the code runs on, and the cell says that another interrupt restarts: its
        variables may be hours of work."""
        request = self._running
        if request is None or self._process is None:
            return
        if request.timedOut:
            # No notice now: the cell's result says it as the killed process ends
            # (endings.py), and a notice would say it twice.
            self._stop("timeout", kill=True)
            return
        self._unstopped = True
        request.notice(
            "The code has not stopped %g s after the interrupt: it may be inside a function "
            "that does not look for interrupts. Interrupt again to stop it by restarting the "
            "kernel (its variables will be lost), or let it run." % self.limits.interruptGraceSeconds)
        self._interruptDone("running")
